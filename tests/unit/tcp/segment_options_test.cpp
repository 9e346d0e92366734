// TCP_CORK, TCP_MAXSEG, TCP_QUICKACK and the receive buffer (SO_RCVBUF):
// what each changes on the wire.
#include "support/tcp_harness.hpp"

namespace tapstack::tcp::testing {
namespace {

using ::testing::AllOf;
using namespace wire::tcp_flags;

constexpr std::uint32_t kIrs = 1000;

TEST(Cork, HoldsAPartialSegmentUntilTheCeiling) {
  TcpHarness h;
  const SocketId id = h.established_client(kIrs);
  ASSERT_TRUE(h.set_option(id, [](SocketOptions& o) { o.cork = true; }));
  ASSERT_TRUE(h.write(id, "abc").ok());
  h.expect_quiet();
  h.advance(199ms);
  h.expect_quiet();
  h.advance(1ms);
  EXPECT_THAT(h.out(), AllOf(HasSeq(h.iss + 1), HasPayload("abc")));
}

TEST(Cork, FullSegmentsGoAndUncorkingSendsTheRest) {
  TcpHarness h;
  const SocketId id = h.established_client(kIrs);  // peer MSS 1460
  ASSERT_TRUE(h.set_option(id, [](SocketOptions& o) { o.cork = true; }));
  ASSERT_TRUE(h.write(id, std::string(1500, 'x')).ok());
  EXPECT_THAT(h.out(), HasLen(1460u));
  h.expect_quiet();
  ASSERT_TRUE(h.set_option(id, [](SocketOptions& o) { o.cork = false; }));
  EXPECT_THAT(h.out(), AllOf(HasSeq(h.iss + 1 + 1460), HasLen(40u)));
}

TEST(Cork, TheFinTakesWhatIsHeld) {
  TcpHarness h;
  const SocketId id = h.established_client(kIrs);
  ASSERT_TRUE(h.set_option(id, [](SocketOptions& o) { o.cork = true; }));
  ASSERT_TRUE(h.write(id, "bye").ok());
  h.expect_quiet();
  ASSERT_TRUE(h.layer.shutdown_send(id, h.now).ok());
  EXPECT_THAT(h.out(), AllOf(HasPayload("bye"), HasFlags(Ack | Fin | Psh)));
}

TEST(MaxSeg, ClampsTheMssOfferedAndUsed) {
  TcpHarness h;
  const SocketId id = *h.layer.open();
  ASSERT_TRUE(h.set_option(id, [](SocketOptions& o) { o.max_segment = 1000; }));
  ASSERT_TRUE(h.layer.bind(id, kLocal, kLocalPort).ok());
  ASSERT_TRUE(h.layer.connect(id, kRemote, kRemotePort, h.now).ok());
  const OutSegment syn = h.out();
  ASSERT_TRUE(syn.h.options.mss.has_value());
  EXPECT_EQ(*syn.h.options.mss, 1000);
  SegSpec synack{.flags = Syn | Ack, .seq = kIrs, .ack = syn.h.seq + 1};
  synack.options.mss = 1460;
  h.in(synack);
  h.out();
  EXPECT_EQ(h.layer.info(id)->mss, 1000u);
  ASSERT_TRUE(h.write(id, std::string(2500, 'y')).ok());
  EXPECT_THAT(h.out(), HasLen(1000u));
  EXPECT_THAT(h.out(), HasLen(1000u));
}

TEST(MaxSeg, TheReceiveMssIsLinuxsEstimateOfThePeers) {
  TcpHarness h;
  const SocketId id = h.established_client(kIrs);
  EXPECT_EQ(h.layer.info(id)->rcv_mss, 536u);  // before a larger segment came
  h.in({.seq = kIrs + 1, .ack = h.iss + 1, .payload = std::string(1400, 'z')});
  EXPECT_EQ(h.layer.info(id)->rcv_mss, 1400u);
  EXPECT_EQ(h.layer.info(id)->adv_mss, 1460u);
}

TEST(QuickAck, SendsTheDelayedAckNowAndAcksTheNextSegmentsAtOnce) {
  TcpHarness h;
  const SocketId id = h.established_client(kIrs);
  h.in({.seq = kIrs + 1, .ack = h.iss + 1, .payload = "a"});
  h.expect_quiet();  // delayed
  ASSERT_TRUE(h.layer.quickack(id, true, h.now).ok());
  EXPECT_THAT(h.out(), AllOf(HasFlags(Ack), HasAck(kIrs + 2)));
  EXPECT_GT(h.layer.info(id)->quick_acks, 0u);
  h.in({.seq = kIrs + 2, .ack = h.iss + 1, .payload = "b"});
  EXPECT_THAT(h.out(), HasAck(kIrs + 3));
  ASSERT_TRUE(h.layer.quickack(id, false, h.now).ok());
  h.in({.seq = kIrs + 3, .ack = h.iss + 1, .payload = "c"});
  h.expect_quiet();  // delayed again
}

TEST(RecvBuffer, SetBeforeConnectSizesTheWindowAndItsScale) {
  TcpHarness h;
  const SocketId id = *h.layer.open();
  ASSERT_TRUE(h.set_option(id, [](SocketOptions& o) { o.recv_buffer = 4608; }));
  ASSERT_TRUE(h.layer.bind(id, kLocal, kLocalPort).ok());
  ASSERT_TRUE(h.layer.connect(id, kRemote, kRemotePort, h.now).ok());
  const OutSegment syn = h.out();
  EXPECT_EQ(syn.h.window, 4608);
  ASSERT_TRUE(syn.h.options.window_scale.has_value());
  EXPECT_EQ(*syn.h.options.window_scale, 0);
  SegSpec synack{.flags = Syn | Ack, .seq = kIrs, .ack = syn.h.seq + 1};
  synack.options.mss = 1460;
  synack.options.window_scale = 7;
  h.in(synack);
  EXPECT_THAT(h.out(), HasWindow(4608));
  EXPECT_EQ(h.layer.info(id)->recv_buffer, 4608u);
}

TEST(RecvBuffer, ALargeBufferChoosesALargerScale) {
  TcpHarness h;
  const SocketId id = *h.layer.open();
  ASSERT_TRUE(h.set_option(id, [](SocketOptions& o) { o.recv_buffer = 16u << 20; }));
  ASSERT_TRUE(h.layer.bind(id, kLocal, kLocalPort).ok());
  ASSERT_TRUE(h.layer.connect(id, kRemote, kRemotePort, h.now).ok());
  const OutSegment syn = h.out();
  ASSERT_TRUE(syn.h.options.window_scale.has_value());
  EXPECT_EQ(*syn.h.options.window_scale, 9);  // 65535 << 9 covers 16 MiB
}

TEST(RecvBuffer, AfterTheHandshakeItOnlyGrows) {
  TcpHarness h;
  const SocketId id = h.established_client(kIrs);
  const std::size_t before = h.layer.info(id)->recv_buffer;
  const std::uint8_t scale = h.layer.info(id)->rcv_wscale;
  ASSERT_TRUE(h.set_option(id, [](SocketOptions& o) { o.recv_buffer = 8192; }));
  EXPECT_EQ(h.layer.info(id)->recv_buffer, before);
  ASSERT_TRUE(h.set_option(id, [&](SocketOptions& o) { o.recv_buffer = 2 * before; }));
  EXPECT_EQ(h.layer.info(id)->recv_buffer, 2 * before);
  EXPECT_EQ(h.layer.info(id)->rcv_wscale, scale);  // fixed by the SYNs
}

}  // namespace
}  // namespace tapstack::tcp::testing
