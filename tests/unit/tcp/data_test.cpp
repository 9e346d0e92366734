// Data transfer: segmentation by MSS, delayed ACK, out-of-order delivery,
// Nagle, window updates, RTO with backoff, fast retransmit, zero-window probes.
#include "support/tcp_harness.hpp"

namespace tapstack::tcp::testing {
namespace {

using ::testing::AllOf;
using namespace wire::tcp_flags;

constexpr std::uint32_t kIrs = 1000;

TEST(TcpData, ReceivesInOrderAndDelaysTheAck) {
  TcpHarness h;
  const SocketId id = h.established_client(kIrs);
  h.in({.seq = kIrs + 1, .ack = h.iss + 1, .payload = "hello"});
  h.expect_quiet();  // delayed (RFC 1122 §4.2.3.2)
  EXPECT_TRUE(h.has_event(id, SocketEventKind::Readable));
  h.advance(39ms);
  h.expect_quiet();
  h.advance(1ms);
  EXPECT_THAT(h.out(), AllOf(HasFlags(Ack), HasAck(kIrs + 6)));
  EXPECT_EQ(h.read_all(id), "hello");
  EXPECT_EQ(h.layer.recv(id, std::span<std::uint8_t>(), h.now).error(), Errc::Ok);
  std::uint8_t b[4];
  EXPECT_EQ(h.layer.recv(id, b, h.now).error(), Errc::WouldBlock);
}

TEST(TcpData, AcksEverySecondFullSegmentAtOnce) {
  TcpHarness h;
  h.established_client(kIrs);
  const std::string full(1460, 'x');
  h.in({.seq = kIrs + 1, .ack = h.iss + 1, .payload = full});
  h.expect_quiet();
  h.in({.seq = kIrs + 1 + 1460, .ack = h.iss + 1, .payload = full});
  EXPECT_THAT(h.out(), HasAck(kIrs + 1 + 2920));
}

TEST(TcpData, OutOfOrderIsAckedAtOnceAndDeliveredInOrder) {
  TcpHarness h;
  const SocketId id = h.established_client(kIrs);
  h.in({.seq = kIrs + 4, .ack = h.iss + 1, .payload = "def"});
  EXPECT_THAT(h.out(), HasAck(kIrs + 1));  // duplicate ACK (RFC 5681 §4.2)
  EXPECT_EQ(h.read_all(id), "");
  h.in({.seq = kIrs + 1, .ack = h.iss + 1, .payload = "abc"});
  EXPECT_THAT(h.out(), HasAck(kIrs + 7));  // gap filled: ACK at once
  EXPECT_EQ(h.read_all(id), "abcdef");
  // An old duplicate draws an ACK and delivers nothing.
  h.in({.seq = kIrs + 1, .ack = h.iss + 1, .payload = "abc"});
  EXPECT_THAT(h.out(), HasAck(kIrs + 7));
  EXPECT_EQ(h.read_all(id), "");
}

TEST(TcpData, SackBlocksReportOutOfOrderData) {
  TcpHarness h;
  const SocketId id = *h.layer.open();
  ASSERT_TRUE(h.layer.bind(id, kLocal, kLocalPort).ok());
  ASSERT_TRUE(h.layer.connect(id, kRemote, kRemotePort, h.now).ok());
  const OutSegment syn = h.out();
  EXPECT_TRUE(syn.h.options.sack_permitted);
  h.iss = syn.h.seq;
  SegSpec synack{.flags = Syn | Ack, .seq = kIrs, .ack = h.iss + 1};
  synack.options.sack_permitted = true;
  h.in(synack);
  h.out();
  h.in({.seq = kIrs + 11, .ack = h.iss + 1, .payload = "kkk"});
  OutSegment a = h.out();
  ASSERT_EQ(a.h.options.sack_count, 1);
  EXPECT_EQ(a.h.options.sack[0], (wire::SackBlock{kIrs + 11, kIrs + 14}));
  h.in({.seq = kIrs + 21, .ack = h.iss + 1, .payload = "uu"});
  a = h.out();
  ASSERT_EQ(a.h.options.sack_count, 2);
  EXPECT_EQ(a.h.options.sack[0], (wire::SackBlock{kIrs + 21, kIrs + 23}));  // newest first
  EXPECT_EQ(a.h.options.sack[1], (wire::SackBlock{kIrs + 11, kIrs + 14}));
  h.in({.seq = kIrs + 1, .ack = h.iss + 1, .payload = "0123456789"});
  a = h.out();
  EXPECT_EQ(a.h.ack, kIrs + 14);
  ASSERT_EQ(a.h.options.sack_count, 1);
  EXPECT_EQ(a.h.options.sack[0], (wire::SackBlock{kIrs + 21, kIrs + 23}));
}

TEST(TcpData, NoSackWithoutThePeersPermission) {
  TcpHarness h;
  h.established_client(kIrs);  // the SYN-ACK carries no SACK-permitted
  h.in({.seq = kIrs + 11, .ack = h.iss + 1, .payload = "kkk"});
  EXPECT_EQ(h.out().h.options.sack_count, 0);
}

TEST(TcpData, SegmentsByMssAndRespectsPeerWindow) {
  TcpHarness h;
  const SocketId id = h.established_client(kIrs, std::nullopt, 500);
  // Peer window 65535 unscaled, MSS 500.
  const std::string data(1200, 'z');
  EXPECT_EQ(*h.write(id, data), 1200u);
  EXPECT_THAT(h.out(), AllOf(HasSeq(h.iss + 1), HasLen(500u)));
  EXPECT_THAT(h.out(), AllOf(HasSeq(h.iss + 501), HasLen(500u)));
  EXPECT_THAT(h.out(), AllOf(HasSeq(h.iss + 1001), HasLen(200u), HasFlags(Ack | Psh)));
  h.expect_quiet();
}

TEST(TcpData, NagleHoldsSmallSegmentsUntilAcked) {
  TcpHarness h;
  const SocketId id = h.established_client(kIrs);
  ASSERT_TRUE(h.write(id, "a").ok());
  EXPECT_THAT(h.out(), HasPayload("a"));
  ASSERT_TRUE(h.write(id, "b").ok());
  ASSERT_TRUE(h.write(id, "c").ok());
  h.expect_quiet();  // RFC 896: held while "a" is unacknowledged
  h.in({.seq = kIrs + 1, .ack = h.iss + 2});
  EXPECT_THAT(h.out(), AllOf(HasSeq(h.iss + 2), HasPayload("bc")));
  bool held = false;
  for (const auto& e : h.trace.events) held |= e.kind == TraceKind::NagleHold;
  EXPECT_TRUE(held);
}

TEST(TcpData, NoDelaySendsAtOnce) {
  TcpHarness h;
  const SocketId id = h.established_client(kIrs);
  ASSERT_TRUE(h.set_option(id, [](SocketOptions& o) { o.nodelay = true; }));
  ASSERT_TRUE(h.write(id, "a").ok());
  ASSERT_TRUE(h.write(id, "b").ok());
  EXPECT_THAT(h.out(), HasPayload("a"));
  EXPECT_THAT(h.out(), HasPayload("b"));
}

TEST(TcpData, RetransmitsOnTimeoutWithBackoffAndGivesUp) {
  TcpSettings s;
  s.max_retries = 3;
  TcpHarness h(s);
  const SocketId id = h.established_client(kIrs);
  ASSERT_TRUE(h.write(id, "data").ok());
  h.out();
  // The handshake gave an RTT sample of 0 → RTO = rto_min (200 ms).
  EXPECT_EQ(h.layer.info(id)->rto, 200ms);
  h.advance(200ms);
  EXPECT_THAT(h.out(), AllOf(HasSeq(h.iss + 1), HasPayload("data")));
  h.advance(399ms);
  h.expect_quiet();
  h.advance(1ms);
  EXPECT_THAT(h.out(), HasPayload("data"));
  EXPECT_EQ(h.layer.info(id)->cwnd, 1460u);  // loss window
  h.advance(800ms);
  EXPECT_THAT(h.out(), HasPayload("data"));
  EXPECT_EQ(h.layer.info(id)->retransmits, 3u);
  h.advance(1600ms);
  EXPECT_EQ(h.state(id), TcpState::Closed);
  EXPECT_TRUE(h.has_event(id, SocketEventKind::Closed, Errc::TimedOut));
  EXPECT_EQ(h.layer.recv(id, std::span<std::uint8_t>(), h.now).error(), Errc::Ok);
}

TEST(TcpData, WritableAfterAFullBufferDrains) {
  TcpSettings s;
  s.send_buffer = 3000;
  TcpHarness h(s);
  const SocketId id = h.established_client(kIrs);
  ASSERT_EQ(h.layer.send_space(id), 3000u);
  ASSERT_EQ(*h.write(id, std::string(3000, 'f')), 3000u);  // fills it exactly: no short send
  EXPECT_EQ(h.layer.send_space(id), 0u);
  (void)h.drain();
  h.in({.seq = kIrs + 1, .ack = h.iss + 1461});
  EXPECT_TRUE(h.has_event(id, SocketEventKind::Writable));
  EXPECT_EQ(h.layer.send_space(id), 1460u);
}

TEST(TcpData, RttSampleUpdatesEstimator) {
  TcpHarness h;
  const SocketId id = h.established_client(kIrs);
  ASSERT_TRUE(h.write(id, "x").ok());
  h.out();
  h.advance(100ms);
  h.in({.seq = kIrs + 1, .ack = h.iss + 2});
  const auto info = *h.layer.info(id);
  // Second sample after the handshake's 0: srtt = 7/8*0 + 1/8*100ms.
  EXPECT_EQ(info.srtt, 12500us);
  EXPECT_EQ(info.rto, 200ms);
  bool sampled = false;
  for (const auto& e : h.trace.events) sampled |= e.kind == TraceKind::RttSample && e.a == 100000;
  EXPECT_TRUE(sampled);
}

TEST(TcpData, FastRetransmitOnThirdDuplicateAck) {
  TcpHarness h;
  const SocketId id = h.established_client(kIrs);
  const std::string data(1460 * 6, 'q');
  ASSERT_TRUE(h.write(id, data).ok());
  h.ip.sent.clear();
  for (int i = 0; i < 2; ++i) h.in({.seq = kIrs + 1, .ack = h.iss + 1 + 1460});
  h.expect_quiet();
  h.in({.seq = kIrs + 1, .ack = h.iss + 1});  // not a dup: advances nothing, but SND.UNA is iss+1
  h.ip.sent.clear();
  h.in({.seq = kIrs + 1, .ack = h.iss + 1 + 1460});
  h.in({.seq = kIrs + 1, .ack = h.iss + 1 + 1460});
  h.in({.seq = kIrs + 1, .ack = h.iss + 1 + 1460});
  // Three duplicates of ack = iss+1461 after it advanced once.
  EXPECT_THAT(h.out(), AllOf(HasSeq(h.iss + 1 + 1460), HasLen(1460u)));
  EXPECT_EQ(h.layer.counters().fast_retransmits, 1u);
  EXPECT_LT(h.layer.info(id)->ssthresh, 0x7fffffffu);
}

TEST(TcpData, ZeroWindowIsProbedWithBackoff) {
  TcpHarness h;
  const SocketId id = h.established_client(kIrs);
  h.in({.seq = kIrs + 1, .ack = h.iss + 1, .window = 0});
  ASSERT_TRUE(h.write(id, "abc").ok());
  h.expect_quiet();
  h.advance(200ms);
  EXPECT_THAT(h.out(), AllOf(HasSeq(h.iss + 1), HasPayload("a")));
  h.in({.seq = kIrs + 1, .ack = h.iss + 1, .window = 0});
  h.advance(399ms);
  h.expect_quiet();
  h.advance(1ms);
  EXPECT_THAT(h.out(), HasPayload("a"));
  EXPECT_EQ(h.layer.counters().zero_window_probes, 2u);
  // The window opens: the rest goes out.
  h.in({.seq = kIrs + 1, .ack = h.iss + 2, .window = 100});
  EXPECT_THAT(h.out(), AllOf(HasSeq(h.iss + 2), HasPayload("bc")));
}

/// A 4000-byte receive buffer, no window scaling, every ACK at once.
TcpSettings small_unscaled_window() {
  TcpSettings s;
  s.recv_buffer = 4000;
  s.window_scaling = false;
  s.delayed_ack = false;
  return s;
}

TEST(TcpData, ReceiverAdvertisesShrinkingWindowAndUpdatesAfterRead) {
  TcpHarness h(small_unscaled_window());
  const SocketId id = h.established_client(kIrs, std::nullopt);
  h.in({.seq = kIrs + 1, .ack = h.iss + 1, .payload = std::string(1000, 'a')});
  EXPECT_THAT(h.out(), HasWindow(3000));
  h.in({.seq = kIrs + 1001, .ack = h.iss + 1, .payload = std::string(3000, 'b')});
  EXPECT_THAT(h.out(), HasWindow(0));
  // Data beyond a zero window is dropped and acknowledged.
  h.in({.seq = kIrs + 4001, .ack = h.iss + 1, .payload = "c"});
  EXPECT_THAT(h.out(), AllOf(HasAck(kIrs + 4001), HasWindow(0)));
  std::vector<std::uint8_t> buf(500);
  ASSERT_EQ(*h.layer.recv(id, buf, h.now), 500u);
  h.expect_quiet();  // SWS avoidance: 500 < min(4000/2, 1460)
  buf.resize(1500);
  ASSERT_EQ(*h.layer.recv(id, buf, h.now), 1500u);
  h.expect_quiet();  // not from inside recv: at the end of this round
  EXPECT_EQ(h.layer.next_deadline(), h.now);
  h.layer.poll(h.now);
  EXPECT_THAT(h.out(), AllOf(HasAck(kIrs + 4001), HasWindow(2000)));
}

TEST(TcpData, WindowUpdateRidesOnTheReplyWrittenInTheSameRound) {
  TcpHarness h(small_unscaled_window());
  const SocketId id = h.established_client(kIrs, std::nullopt);
  h.in({.seq = kIrs + 1, .ack = h.iss + 1, .payload = std::string(4000, 'a')});
  EXPECT_THAT(h.out(), HasWindow(0));
  std::vector<std::uint8_t> buf(4000);
  ASSERT_EQ(*h.layer.recv(id, buf, h.now), 4000u);
  ASSERT_TRUE(h.write(id, "reply").ok());
  EXPECT_THAT(h.out(), AllOf(HasAck(kIrs + 4001), HasWindow(4000), HasPayload("reply")));
  h.layer.poll(h.now);
  h.expect_quiet();  // the reply carried the window: no separate update
}

TEST(TcpData, PathMtuShrinksMss) {
  TcpHarness h;
  const SocketId id = h.established_client(kIrs);
  ASSERT_TRUE(h.write(id, std::string(1460, 'm')).ok());
  const auto seg = h.out();
  std::vector<std::uint8_t> quoted(8);
  store_be16(quoted, 0, kLocalPort);
  store_be16(quoted, 2, kRemotePort);
  store_be32(quoted, 4, seg.h.seq);
  net::IcmpErrorInfo err;
  err.kind = net::IcmpErrorInfo::Kind::FragmentationNeeded;
  err.next_hop_mtu = 1000;
  err.original_src = kLocal;
  err.original_dst = kRemote;
  err.protocol = net::IpProtocol::Tcp;
  err.transport_header = quoted;
  h.layer.on_icmp_error(err, h.now);
  EXPECT_EQ(h.layer.info(id)->mss, 960u);
  EXPECT_THAT(h.out(), AllOf(HasSeq(h.iss + 1), HasLen(960u)));
}

TEST(TcpData, KeepAliveProbesThenTimesOut) {
  TcpSettings s;
  s.keepalive_idle = 10s;
  s.keepalive_interval = 1s;
  s.keepalive_count = 2;
  TcpHarness h(s);
  const SocketId id = h.established_client(kIrs);
  ASSERT_TRUE(h.set_option(id, [](SocketOptions& o) { o.keepalive = true; }));
  h.advance(10s);
  EXPECT_THAT(h.out(), AllOf(HasSeq(h.iss), HasLen(0u), HasFlags(Ack)));
  h.in({.seq = kIrs + 1, .ack = h.iss + 1});  // answered: idle again
  h.advance(10s);
  h.out();
  h.advance(1s);
  h.out();
  h.advance(1s);
  EXPECT_TRUE(h.has_event(id, SocketEventKind::Closed, Errc::TimedOut));
}

}  // namespace
}  // namespace tapstack::tcp::testing
