// Window scaling, TIME-WAIT takeover by a new SYN, SYN-queue limits without
// cookies, ICMP host unreachable, old ACKs (RFC 5961 §5.2), info().
#include "support/tcp_harness.hpp"

namespace tapstack::tcp::testing {
namespace {

using ::testing::AllOf;
using namespace wire::tcp_flags;

constexpr std::uint32_t kIrs = 1000;

TEST(TcpWindowScale, ScalesBothWaysWhenBothOffer) {
  TcpHarness h;
  const SocketId id = h.established_client(kIrs, 7);
  auto info = *h.layer.info(id);
  EXPECT_EQ(info.snd_wscale, 7u);
  EXPECT_EQ(info.rcv_wscale, 3u);
  EXPECT_EQ(info.snd_wnd, 65535u);  // the SYN-ACK window is never scaled
  h.in({.seq = kIrs + 1, .ack = h.iss + 1, .window = 1000});
  EXPECT_EQ(h.layer.info(id)->snd_wnd, 128000u);
  // Our window: 262143 bytes free (one unread), rounded up to 32768 << 3 so
  // the right edge advertised before does not move left.
  h.in({.seq = kIrs + 1, .ack = h.iss + 1, .payload = "x"});
  h.advance(40ms);
  EXPECT_THAT(h.out(), HasWindow(32768));
}

TEST(TcpWindowScale, SmallBufferOffersNoScaling) {
  TcpSettings s;
  s.recv_buffer = 60000;
  TcpHarness h(s);
  const SocketId id = *h.layer.open();
  ASSERT_TRUE(h.layer.connect(id, kRemote, kRemotePort, h.now).ok());
  const auto syn = h.out();
  EXPECT_EQ(syn.h.options.window_scale, std::optional<std::uint8_t>(0));
  EXPECT_EQ(syn.h.window, 60000);
}

TEST(TcpTimeWait, NewSynAboveRcvNxtReopensThroughTheListener) {
  TcpHarness h;
  const SocketId c = h.established_server(5000);
  // We close first → FIN-WAIT-1 → (ACK) FIN-WAIT-2 → (FIN) TIME-WAIT.
  ASSERT_TRUE(h.layer.close(c, h.now).ok());
  h.out();
  h.in({.flags = Fin | Ack, .seq = 5001, .ack = h.iss + 2});
  h.out();
  ASSERT_EQ(h.layer.list().size(), 2u);  // listener + TIME-WAIT
  h.in({.flags = Syn, .seq = 5000});  // old sequence number: just an ACK
  EXPECT_THAT(h.out(), AllOf(HasFlags(Ack), HasAck(5002u)));
  h.in({.flags = Syn, .seq = 90000});
  EXPECT_THAT(h.out(), AllOf(HasFlags(Syn | Ack), HasAck(90001u)));
}

TEST(TcpListen, FullSynQueueDropsWithoutCookies) {
  TcpSettings s;
  s.syn_backlog = 2;
  s.syn_cookies = false;
  TcpHarness h(s);
  const SocketId l = *h.layer.open();
  ASSERT_TRUE(h.layer.bind(l, kLocal, kLocalPort).ok());
  ASSERT_TRUE(h.layer.listen(l, 8).ok());
  for (std::uint16_t p = 1; p <= 3; ++p) h.in({.flags = Syn, .seq = 100, .src_port = p});
  EXPECT_EQ(h.ip.sent.size(), 2u);
  EXPECT_EQ(h.layer.counters().rx_dropped_listen, 1u);
  // An embryonic connection that never completes is dropped after its SYN-ACK retries.
  h.advance(300s);
  EXPECT_EQ(h.layer.list().size(), 1u);
}

TEST(TcpListen, AckToListenerWithoutCookieIsReset) {
  TcpHarness h;
  const SocketId l = *h.layer.open();
  ASSERT_TRUE(h.layer.bind(l, kLocal, kLocalPort).ok());
  ASSERT_TRUE(h.layer.listen(l, 8).ok());
  h.in({.seq = 10, .ack = 12345});
  EXPECT_THAT(h.out(), AllOf(HasFlags(Rst), HasSeq(12345u)));
}

TEST(TcpIcmp, HostUnreachableFailsConnect) {
  TcpHarness h;
  const SocketId id = *h.layer.open();
  ASSERT_TRUE(h.layer.connect(id, kRemote, kRemotePort, h.now).ok());
  const auto syn = h.out();
  std::vector<std::uint8_t> quoted(8);
  store_be16(quoted, 0, syn.h.src_port);
  store_be16(quoted, 2, kRemotePort);
  store_be32(quoted, 4, syn.h.seq);
  net::IcmpErrorInfo err;
  err.kind = net::IcmpErrorInfo::Kind::HostUnreachable;
  err.original_src = kLocal;
  err.original_dst = kRemote;
  err.protocol = net::IpProtocol::Tcp;
  err.transport_header = quoted;
  h.layer.on_icmp_error(err, h.now);
  EXPECT_TRUE(h.has_event(id, SocketEventKind::Closed, Errc::HostUnreachable));
}

TEST(TcpAck, VeryOldAckIsAnsweredAndIgnored) {
  TcpHarness h;
  const SocketId id = h.established_client(kIrs, std::nullopt);
  ASSERT_TRUE(h.write(id, "abc").ok());
  h.out();
  // RFC 5961 §5.2: SEG.ACK < SND.UNA - MAX.SND.WND → ACK and drop, data ignored.
  h.in({.seq = kIrs + 1, .ack = h.iss - 100000, .payload = "zz"});
  EXPECT_THAT(h.out(), HasAck(kIrs + 1));
  EXPECT_EQ(h.read_all(id), "");
}

TEST(TcpRst, SegmentsAfterResetAreAnsweredWithRst) {
  TcpHarness h;
  const SocketId id = h.established_client(kIrs);
  h.in({.flags = Rst, .seq = kIrs + 1});
  h.in({.seq = kIrs + 1, .ack = h.iss + 1, .payload = "late"});
  EXPECT_THAT(h.out(), AllOf(HasFlags(Rst), HasSeq(h.iss + 1)));
  EXPECT_EQ(h.layer.info(id)->error, Errc::ConnectionReset);  // kept for the user
  EXPECT_TRUE(h.ip.all_dont_fragment);
}

TEST(TcpInfo, ReportsSequenceVariablesAbsoluteAndRelative) {
  TcpHarness h;
  const SocketId id = h.established_client(kIrs);
  ASSERT_TRUE(h.write(id, "12345").ok());
  h.in({.seq = kIrs + 1, .ack = h.iss + 6, .payload = "abc"});
  const auto i = *h.layer.info(id);
  EXPECT_EQ(i.state, TcpState::Established);
  EXPECT_EQ(i.iss, h.iss);
  EXPECT_EQ(i.irs, kIrs);
  EXPECT_EQ(i.snd_una_rel, 6u);
  EXPECT_EQ(i.snd_nxt_rel, 6u);
  EXPECT_EQ(i.rcv_nxt_rel, 4u);
  EXPECT_EQ(i.bytes_sent, 5u);
  EXPECT_EQ(i.bytes_received, 3u);
  EXPECT_EQ(i.remote_port, kRemotePort);
  std::size_t counted = 0;
  h.layer.for_each_counter([&](std::string_view, std::uint64_t) { ++counted; });
  EXPECT_GT(counted, 30u);
}

}  // namespace
}  // namespace tapstack::tcp::testing
