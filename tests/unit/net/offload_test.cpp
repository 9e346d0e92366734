// Receive offload (Stack::receive with ReceiveOptions::checksum_trusted): a
// link doing TSO hands over segments above the MTU and MSS with partial
// checksums; only such a link's frames get past the MTU and skip verifying.
// Send offload (TcpSettings::segmentation_offload): new data leaves as one
// super-frame that the link cuts (FrameSink::transmit_segmented).
#include <gtest/gtest.h>

#include "stack/wire/tcp.hpp"
#include "support/stack_harness.hpp"

namespace tapstack::test {
namespace {

constexpr std::uint16_t kPort = 9000;
constexpr std::uint16_t kPeerPort = 40000;
constexpr std::uint32_t kIrs = 7000;

class OffloadTest : public ::testing::Test {
 protected:
  explicit OffloadTest(const StackConfig& config = default_config()) : h(config) {
    h.learn(kPeerIp, kPeerMac);
    listener_ = *h.stack.tcp().open();
    EXPECT_TRUE(h.stack.tcp().bind(listener_, kStackIp, kPort).ok());
    EXPECT_TRUE(h.stack.tcp().listen(listener_, 4).ok());
    wire::TcpHeader syn = header(wire::tcp_flags::Syn, kIrs, 0);
    syn.options.mss = 1460;
    h.receive(tcp_frame(syn, {}));
    const auto synack = decode_ipv4_frame(h.take_frames().at(0));
    iss_ = load_be32(synack->payload, 4);
    h.receive(tcp_frame(header(wire::tcp_flags::Ack, kIrs + 1, iss_ + 1), {}));
    auto accepted = h.stack.tcp().accept(listener_);
    EXPECT_TRUE(accepted.ok());
    socket_ = *accepted;
    (void)h.take_frames();
  }

  static wire::TcpHeader header(std::uint8_t flags, std::uint32_t seq, std::uint32_t ack) {
    return peer_tcp_header(kPeerPort, kPort, flags, seq, ack);
  }
  static Buffer tcp_frame(const wire::TcpHeader& t, Bytes payload) {
    const auto segment = wire::build_tcp(kPeerIp, kStackIp, t, payload);
    return ipv4_frame({.protocol = 6}, segment);
  }
  /// A data segment at the next sequence number.
  Buffer data_frame(Bytes payload) const {
    return tcp_frame(header(wire::tcp_flags::Ack | wire::tcp_flags::Psh, kIrs + 1, iss_ + 1),
                     payload);
  }
  std::size_t read_all() {
    std::size_t total = 0;
    std::uint8_t buf[4096];
    for (;;) {
      auto r = h.stack.tcp().recv(socket_, buf, h.now);
      if (!r.ok() || *r == 0) return total;
      total += *r;
    }
  }

  StackHarness h;
  SocketId listener_{};
  SocketId socket_{};
  std::uint32_t iss_ = 0;
};

TEST_F(OffloadTest, TrustedSegmentAboveMtuAndMssIsDelivered) {
  const auto frame = data_frame(pattern(20000));
  h.stack.receive(frame, h.now, ReceiveOptions{.checksum_trusted = true});
  EXPECT_EQ(h.counter("eth.rx_offloaded"), 1u);
  EXPECT_EQ(read_all(), 20000u);
  // One ACK covers the whole super-segment.
  const auto ack = decode_ipv4_frame(h.take_frames().at(0));
  EXPECT_EQ(load_be32(ack->payload, 8), kIrs + 1 + 20000);
}

TEST_F(OffloadTest, SameSegmentUntrustedIsDroppedAndCounted) {
  h.receive(data_frame(pattern(20000)));
  EXPECT_EQ(h.counter("eth.rx_dropped_oversize"), 1u);
  EXPECT_EQ(h.counter("eth.rx_offloaded"), 0u);
  EXPECT_EQ(read_all(), 0u);
}

TEST_F(OffloadTest, PartialChecksumIsAcceptedOnlyWhenTrusted) {
  auto frame = data_frame(pattern(100));
  // What a TSO sender leaves: the pseudo-header sum, not the full checksum.
  store_be16(MutableBytes(frame), 14 + 20 + 16, 0x1234);
  h.receive(frame);
  EXPECT_EQ(h.counter("tcp.rx_dropped_bad_checksum"), 1u);
  EXPECT_EQ(read_all(), 0u);
  h.stack.receive(frame, h.now, ReceiveOptions{.checksum_trusted = true});
  EXPECT_EQ(read_all(), 100u);
  EXPECT_EQ(h.counter("tcp.rx_dropped_bad_checksum"), 1u);
}

TEST_F(OffloadTest, IpHeaderChecksumIsStillVerifiedWhenTrusted) {
  auto frame = data_frame(pattern(100));
  frame[14 + 10] ^= 0xff;
  h.stack.receive(frame, h.now, ReceiveOptions{.checksum_trusted = true});
  EXPECT_EQ(h.counter("ip.rx_dropped_bad_checksum"), 1u);
  EXPECT_EQ(read_all(), 0u);
}

StackConfig send_offload_config() {
  StackConfig c = default_config();
  c.tcp.segmentation_offload = 65535;
  return c;
}

class SendOffloadTest : public OffloadTest {
 protected:
  SendOffloadTest() : OffloadTest(send_offload_config()) {}
};

TEST_F(SendOffloadTest, NewDataLeavesAsOneSuperFrameTheLinkCutsIntoSegments) {
  const auto data = pattern(14600);  // the initial window: 10 segments of 1460
  ASSERT_EQ(*h.stack.tcp().send(socket_, data, h.now), data.size());
  ASSERT_EQ(h.sink.super_frames.size(), 1u);
  const auto& super = h.sink.super_frames[0];
  EXPECT_EQ(super.segment_size, 1460);
  const auto whole = decode_ipv4_frame(super.frame);
  ASSERT_TRUE(whole);
  EXPECT_TRUE(whole->ip.dont_fragment);
  EXPECT_EQ(whole->payload.size(), 20u + data.size());
  EXPECT_EQ(h.counter("eth.tx_offloaded"), 1u);
  EXPECT_EQ(h.counter("tcp.tx_super_segments"), 1u);
  // What the link puts on the wire: 10 MTU-sized frames, every checksum right.
  const auto frames = h.take_frames();
  ASSERT_EQ(frames.size(), 10u);
  for (std::size_t i = 0; i < frames.size(); ++i) {
    SCOPED_TRACE(i);
    EXPECT_EQ(frames[i].size(), 14u + 20 + 20 + 1460);
    const auto sent = decode_ipv4_frame(frames[i]);
    ASSERT_TRUE(sent);
    const auto tcp = wire::parse_tcp(sent->payload, kStackIp, kPeerIp);
    ASSERT_EQ(tcp.status, wire::TcpParseStatus::Ok);
    EXPECT_EQ(tcp.header.seq, iss_ + 1 + 1460 * i);
    EXPECT_EQ((tcp.header.flags & wire::tcp_flags::Psh) != 0, i == 9);
    EXPECT_TRUE(std::equal(tcp.payload.begin(), tcp.payload.end(), data.begin() + static_cast<std::ptrdiff_t>(1460 * i)));
  }
}

TEST_F(OffloadTest, WithoutSendOffloadEverySegmentFitsTheMtu) {
  ASSERT_EQ(*h.stack.tcp().send(socket_, pattern(14600), h.now), 14600u);
  EXPECT_TRUE(h.sink.super_frames.empty());
  EXPECT_EQ(h.take_frames().size(), 10u);
  EXPECT_EQ(h.counter("tcp.tx_super_segments"), 0u);
}

TEST(OffloadUdp, PartialUdpChecksumIsAcceptedOnlyWhenTrusted) {
  StackHarness h;
  const auto id = *h.stack.udp().open();
  ASSERT_TRUE(h.stack.udp().bind(id, kStackIp, 7000).ok());
  Buffer datagram(8 + 10, 0x5a);
  store_be16(datagram, 0, 5000);
  store_be16(datagram, 2, 7000);
  store_be16(datagram, 4, static_cast<std::uint16_t>(datagram.size()));
  store_be16(datagram, 6, 0x1234);  // partial: the pseudo-header sum only
  const auto frame = ipv4_frame({}, datagram);
  h.receive(frame);
  EXPECT_EQ(h.counter("udp.rx_bad_checksum"), 1u);
  h.stack.receive(frame, h.now, ReceiveOptions{.checksum_trusted = true});
  EXPECT_EQ(h.counter("udp.rx_datagrams"), 1u);
}

}  // namespace
}  // namespace tapstack::test
