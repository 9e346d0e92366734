// Opening: active, passive, simultaneous; resets for closed ports and bad
// ACKs in SYN-SENT (RFC 9293 §3.10.7.1-§3.10.7.3); SYN cookies (RFC 4987).
#include "support/tcp_harness.hpp"

namespace tapstack::tcp::testing {
namespace {

using ::testing::AllOf;
using namespace wire::tcp_flags;

TEST(TcpHandshake, ActiveOpenSendsSynWithMssAndWindowScale) {
  TcpHarness h;
  const SocketId id = *h.layer.open();
  ASSERT_TRUE(h.layer.connect(id, kRemote, kRemotePort, h.now).ok());
  const OutSegment syn = h.out();
  EXPECT_THAT(syn, AllOf(HasFlags(Syn), HasWindow(65535)));
  EXPECT_EQ(syn.h.options.mss, std::optional<std::uint16_t>(1460));
  EXPECT_EQ(syn.h.options.window_scale, std::optional<std::uint8_t>(3));  // 256 KiB buffer
  EXPECT_GE(syn.h.src_port, 32768);
  EXPECT_EQ(h.state(id), TcpState::SynSent);
  SegSpec synack{.flags = Syn | Ack, .seq = 7000, .ack = syn.h.seq + 1, .window = 1000,
                 .dst_port = syn.h.src_port};
  synack.options.mss = 1000;
  h.in(synack);
  EXPECT_THAT(h.out(), AllOf(HasFlags(Ack), HasSeq(syn.h.seq + 1), HasAck(7001u)));
  EXPECT_EQ(h.state(id), TcpState::Established);
  EXPECT_TRUE(h.has_event(id, SocketEventKind::Connected));
  const auto info = *h.layer.info(id);
  EXPECT_EQ(info.mss, 1000u);
  EXPECT_EQ(info.snd_wnd, 1000u);
  EXPECT_EQ(info.snd_wscale, 0u);  // peer did not offer scaling → off both ways
  EXPECT_EQ(info.rcv_wscale, 0u);
}

TEST(TcpHandshake, PassiveOpenAnswersSynAckAndQueuesForAccept) {
  TcpHarness h;
  const SocketId l = *h.layer.open();
  ASSERT_TRUE(h.layer.bind(l, kLocal, kLocalPort).ok());
  ASSERT_TRUE(h.layer.listen(l, 4).ok());
  EXPECT_EQ(h.layer.accept(l).error(), Errc::WouldBlock);
  SegSpec syn{.flags = Syn, .seq = 100};
  syn.options.mss = 1400;
  syn.options.window_scale = 2;
  h.in(syn);
  const OutSegment synack = h.out();
  EXPECT_THAT(synack, AllOf(HasFlags(Syn | Ack), HasAck(101u)));
  EXPECT_EQ(synack.h.options.window_scale, std::optional<std::uint8_t>(3));
  EXPECT_EQ(h.layer.accept(l).error(), Errc::WouldBlock);  // still SYN-RECEIVED
  h.in({.seq = 101, .ack = synack.h.seq + 1, .window = 100});
  h.expect_quiet();
  EXPECT_TRUE(h.has_event(l, SocketEventKind::AcceptReady));
  const auto c = h.layer.accept(l);
  ASSERT_TRUE(c.ok());
  const auto info = *h.layer.info(*c);
  EXPECT_EQ(info.state, TcpState::Established);
  EXPECT_EQ(info.snd_wnd, 400u);  // 100 << 2
  EXPECT_EQ(info.mss, 1400u);
}

TEST(TcpHandshake, SynAckRetransmittedOnDuplicateSyn) {
  TcpHarness h;
  const SocketId l = *h.layer.open();
  ASSERT_TRUE(h.layer.bind(l, kLocal, kLocalPort).ok());
  ASSERT_TRUE(h.layer.listen(l, 4).ok());
  h.in({.flags = Syn, .seq = 100});
  const auto first = h.out();
  h.in({.flags = Syn, .seq = 100});
  EXPECT_THAT(h.out(), AllOf(HasFlags(Syn | Ack), HasSeq(first.h.seq), HasAck(101u)));
}

TEST(TcpHandshake, ResetForClosedPort) {
  TcpHarness h;
  h.in({.flags = Syn, .seq = 100, .payload = "abc"});
  // §3.10.7.1: no ACK → <SEQ=0><ACK=SEG.SEQ+SEG.LEN><CTL=RST,ACK>.
  EXPECT_THAT(h.out(), AllOf(HasFlags(Rst | Ack), HasSeq(0u), HasAck(104u)));
  h.in({.flags = Ack, .seq = 5, .ack = 777});
  EXPECT_THAT(h.out(), AllOf(HasFlags(Rst), HasSeq(777u)));
  h.in({.flags = Rst | Ack, .seq = 5, .ack = 777});
  h.expect_quiet();  // never answer a RST
  EXPECT_EQ(h.layer.counters().tx_resets, 2u);
}

TEST(TcpHandshake, SynSentRejectsBadAckAndRefusesOnRst) {
  TcpHarness h;
  const SocketId id = *h.layer.open();
  ASSERT_TRUE(h.layer.connect(id, kRemote, kRemotePort, h.now).ok());
  const OutSegment syn = h.out();
  h.in({.flags = Syn | Ack, .seq = 1, .ack = syn.h.seq + 5, .dst_port = syn.h.src_port});
  EXPECT_THAT(h.out(), AllOf(HasFlags(Rst), HasSeq(syn.h.seq + 5)));
  EXPECT_EQ(h.state(id), TcpState::SynSent);
  h.in({.flags = Rst, .seq = 0, .dst_port = syn.h.src_port});  // no ACK: ignored
  EXPECT_EQ(h.state(id), TcpState::SynSent);
  h.in({.flags = Rst | Ack, .seq = 0, .ack = syn.h.seq + 1, .dst_port = syn.h.src_port});
  EXPECT_EQ(h.state(id), TcpState::Closed);
  EXPECT_TRUE(h.has_event(id, SocketEventKind::Closed, Errc::ConnectionRefused));
  EXPECT_EQ(h.layer.send(id, Bytes{}, h.now).error(), Errc::ConnectionRefused);
}

TEST(TcpHandshake, SynRetransmitsWithBackoffThenTimesOut) {
  TcpHarness h;
  const SocketId id = *h.layer.open();
  ASSERT_TRUE(h.layer.connect(id, kRemote, kRemotePort, h.now).ok());
  const auto syn = h.out();
  h.advance(999ms);
  h.expect_quiet();
  h.advance(1ms);
  EXPECT_THAT(h.out(), AllOf(HasFlags(Syn), HasSeq(syn.h.seq)));
  h.advance(2s);  // RFC 6298 §5.5: doubled
  EXPECT_THAT(h.out(), HasFlags(Syn));
  h.advance(4s + 8s + 16s + 32s);
  EXPECT_EQ(h.ip.sent.size(), 4u);
  h.ip.sent.clear();
  h.advance(60s);  // the sixth retry
  h.advance(60s);
  EXPECT_EQ(h.state(id), TcpState::Closed);
  EXPECT_TRUE(h.has_event(id, SocketEventKind::Closed, Errc::TimedOut));
}

TEST(TcpHandshake, SimultaneousOpen) {
  TcpHarness h;
  const SocketId id = *h.layer.open();
  ASSERT_TRUE(h.layer.bind(id, kLocal, kLocalPort).ok());
  ASSERT_TRUE(h.layer.connect(id, kRemote, kRemotePort, h.now).ok());
  const auto syn = h.out();
  h.in({.flags = Syn, .seq = 3000});  // their SYN crosses ours
  EXPECT_EQ(h.state(id), TcpState::SynReceived);
  EXPECT_THAT(h.out(), AllOf(HasFlags(Syn | Ack), HasSeq(syn.h.seq), HasAck(3001u)));
  h.in({.flags = Syn | Ack, .seq = 3000, .ack = syn.h.seq + 1});  // their SYN-ACK
  EXPECT_THAT(h.out(), HasFlags(Ack));  // unacceptable sequence → ACK
  h.in({.flags = Ack, .seq = 3001, .ack = syn.h.seq + 1});
  EXPECT_EQ(h.state(id), TcpState::Established);
  EXPECT_TRUE(h.has_event(id, SocketEventKind::Connected));
}

TEST(TcpHandshake, BadAckInSynReceivedDrawsReset) {
  TcpHarness h;
  const SocketId l = *h.layer.open();
  ASSERT_TRUE(h.layer.bind(l, kLocal, kLocalPort).ok());
  ASSERT_TRUE(h.layer.listen(l, 4).ok());
  h.in({.flags = Syn, .seq = 100});
  const auto synack = h.out();
  h.in({.seq = 101, .ack = synack.h.seq + 77});
  EXPECT_THAT(h.out(), AllOf(HasFlags(Rst), HasSeq(synack.h.seq + 77)));
}

TEST(TcpHandshake, SynCookiesWhenSynQueueIsFull) {
  TcpSettings s;
  s.syn_backlog = 1;
  TcpHarness h(s);
  const SocketId l = *h.layer.open();
  ASSERT_TRUE(h.layer.bind(l, kLocal, kLocalPort).ok());
  ASSERT_TRUE(h.layer.listen(l, 8).ok());
  SegSpec syn1{.flags = Syn, .seq = 100, .src_port = 1111};
  syn1.options.window_scale = 5;
  h.in(syn1);
  const auto normal = h.out();
  EXPECT_TRUE(normal.h.options.window_scale.has_value());
  SegSpec syn2{.flags = Syn, .seq = 900, .src_port = 2222};
  syn2.options.mss = 1460;
  syn2.options.window_scale = 5;
  h.in(syn2);
  const auto cookie = h.out();
  EXPECT_THAT(cookie, AllOf(HasFlags(Syn | Ack), HasAck(901u)));
  EXPECT_FALSE(cookie.h.options.window_scale.has_value());
  EXPECT_EQ(h.layer.counters().syn_cookies_sent, 1u);
  // A forged ACK with a wrong cookie is reset.
  h.in({.seq = 901, .ack = cookie.h.seq + 2, .src_port = 2222});
  EXPECT_THAT(h.out(), HasFlags(Rst));
  EXPECT_EQ(h.layer.counters().syn_cookies_failed, 1u);
  // The right one, even a minute later, builds the connection (with its data).
  h.advance(60s);
  h.ip.sent.clear();
  h.in({.seq = 901, .ack = cookie.h.seq + 1, .payload = "hello", .src_port = 2222});
  EXPECT_EQ(h.layer.counters().syn_cookies_accepted, 1u);
  const auto c = h.layer.accept(l);
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(h.state(*c), TcpState::Established);
  EXPECT_EQ(h.layer.info(*c)->mss, 1460u);
  EXPECT_EQ(h.read_all(*c), "hello");
}

TEST(TcpHandshake, IcmpPortUnreachableRefusesConnect) {
  TcpHarness h;
  const SocketId id = *h.layer.open();
  ASSERT_TRUE(h.layer.connect(id, kRemote, kRemotePort, h.now).ok());
  const auto syn = h.out();
  std::vector<std::uint8_t> quoted(8);
  store_be16(quoted, 0, syn.h.src_port);
  store_be16(quoted, 2, kRemotePort);
  store_be32(quoted, 4, syn.h.seq);
  net::IcmpErrorInfo err;
  err.kind = net::IcmpErrorInfo::Kind::PortUnreachable;
  err.original_src = kLocal;
  err.original_dst = kRemote;
  err.protocol = net::IpProtocol::Tcp;
  err.transport_header = quoted;
  // A quoted sequence number outside the flight is ignored (RFC 5927).
  store_be32(quoted, 4, syn.h.seq + 100);
  h.layer.on_icmp_error(err, h.now);
  EXPECT_EQ(h.state(id), TcpState::SynSent);
  store_be32(quoted, 4, syn.h.seq);
  h.layer.on_icmp_error(err, h.now);
  EXPECT_TRUE(h.has_event(id, SocketEventKind::Closed, Errc::ConnectionRefused));
}

TEST(TcpHandshake, BindConflictsAndEphemeralPorts) {
  TcpHarness h;
  const SocketId a = *h.layer.open();
  const SocketId b = *h.layer.open();
  ASSERT_TRUE(h.layer.bind(a, wire::Ipv4Address::any(), 7).ok());
  EXPECT_EQ(h.layer.bind(b, kLocal, 7).error(), Errc::AddressInUse);
  EXPECT_EQ(h.layer.bind(b, wire::Ipv4Address{1, 2, 3, 4}, 8).error(), Errc::AddressNotAvailable);
  ASSERT_TRUE(h.layer.bind(b, kLocal, 0).ok());
  const auto port = h.layer.info(b)->local_port;
  EXPECT_GE(port, 32768);
  EXPECT_LE(port, 60999);
  ASSERT_TRUE(h.layer.close(a, h.now).ok());
  EXPECT_EQ(h.layer.info(a), std::nullopt);  // stale id
  EXPECT_EQ(h.layer.listen(a, 1).error(), Errc::BadDescriptor);
}

}  // namespace
}  // namespace tapstack::tcp::testing
