// The Receiver on its own: given this receive state and this segment,
// expect this RCV.NXT, this ACK decision, these SACK blocks, this window.
#include <gtest/gtest.h>

#include <deque>
#include <string>
#include <vector>

#include "stack/tcp/receiver.hpp"

namespace tapstack::tcp {
namespace {

using namespace wire::tcp_flags;

constexpr std::uint32_t kIrs = 7000;
constexpr std::uint32_t kMss = 1000;

class ReceiverTest : public ::testing::Test {
 protected:
  /// The peer's SYN arrived; `sack` if both sides offered it.
  void open(bool sack = false, std::size_t buffer = 64 * 1024) {
    receiver.set_buffer(buffer);
    receiver.open(SeqNum{kIrs});
    receiver.set_mss(kMss);
    receiver.negotiate(false, sack, false);
    (void)receiver.window_to_advertise(true);
  }
  /// A data segment `offset` bytes after the first byte of the stream.
  Segment data(std::uint32_t offset, const std::string& text, std::uint8_t flags = Ack) {
    payloads.push_back(text);
    Segment seg;
    seg.header.flags = flags;
    seg.header.seq = kIrs + 1 + offset;
    const std::string& p = payloads.back();
    seg.payload = Bytes(reinterpret_cast<const std::uint8_t*>(p.data()), p.size());
    return seg;
  }
  std::vector<wire::SackBlock> blocks() const {
    wire::TcpOptions o;
    receiver.add_sack_blocks(o);
    return {o.sack.begin(), o.sack.begin() + static_cast<std::ptrdiff_t>(o.sack_count)};
  }
  std::string read_all() {
    std::string s(receiver.readable(), '\0');
    auto* bytes = reinterpret_cast<std::uint8_t*>(s.data());
    const std::size_t n = receiver.read(MutableBytes(bytes, s.size()));
    s.resize(n);
    return s;
  }

  TcpSettings settings;
  TcpCounters counters;
  ConnTrace trace{nullptr, SocketId{}, FourTuple{}};
  Receiver receiver{settings, counters, trace};
  std::deque<std::string> payloads;  // stable: segments point into them
  Instant now{};
};

TEST_F(ReceiverTest, InOrderDataIsReadableAndItsAckIsDelayed) {
  open();
  const DataResult r = receiver.on_data(data(0, "hello"), now, kMss);
  EXPECT_TRUE(r.readable);
  EXPECT_FALSE(r.fin);
  EXPECT_EQ(receiver.nxt(), SeqNum{kIrs + 1 + 5});
  EXPECT_EQ(receiver.take_ack_request(), nullptr);
  EXPECT_EQ(receiver.next_deadline(), now + settings.delayed_ack_timeout);
  EXPECT_FALSE(receiver.delayed_ack_expired(now));
  EXPECT_TRUE(receiver.delayed_ack_expired(now + settings.delayed_ack_timeout));
  EXPECT_EQ(counters.delayed_acks, 1u);
  EXPECT_EQ(read_all(), "hello");
}

TEST_F(ReceiverTest, EverySecondFullSizedSegmentIsAckedAtOnce) {
  open();
  (void)receiver.on_data(data(0, std::string(kMss, 'a')), now, kMss);
  EXPECT_EQ(receiver.take_ack_request(), nullptr);
  (void)receiver.on_data(data(kMss, std::string(kMss, 'b')), now, kMss);
  EXPECT_STREQ(receiver.take_ack_request(), "ACK every second full-sized segment");
  EXPECT_EQ(receiver.take_ack_request(), nullptr);  // taken once
}

TEST_F(ReceiverTest, OutOfOrderDataDrawsADuplicateAckAndASackBlock) {
  open(true);
  const DataResult r = receiver.on_data(data(100, "later"), now, kMss);
  EXPECT_FALSE(r.readable);
  EXPECT_EQ(receiver.nxt(), SeqNum{kIrs + 1});
  EXPECT_STREQ(receiver.take_ack_request(), "dup ACK for out-of-order data");
  EXPECT_EQ(counters.rx_out_of_order, 1u);
  const auto b = blocks();
  ASSERT_EQ(b.size(), 1u);
  EXPECT_EQ(b[0].left, kIrs + 1 + 100);
  EXPECT_EQ(b[0].right, kIrs + 1 + 105);
  EXPECT_EQ(receiver.sack_block_count(), 1u);
}

TEST_F(ReceiverTest, FillingTheGapDeliversEverythingAndAcksAtOnce) {
  open(true);
  (void)receiver.on_data(data(5, "world"), now, kMss);
  (void)receiver.take_ack_request();
  const DataResult r = receiver.on_data(data(0, "hello"), now, kMss);
  EXPECT_TRUE(r.readable);
  EXPECT_EQ(receiver.nxt(), SeqNum{kIrs + 1 + 10});
  EXPECT_STREQ(receiver.take_ack_request(), "ACK: a gap was filled");
  EXPECT_TRUE(blocks().empty());
  EXPECT_EQ(read_all(), "helloworld");
}

TEST_F(ReceiverTest, DuplicateDataIsReportedOnceAsADsack) {
  open(true);
  (void)receiver.on_data(data(0, "hello"), now, kMss);
  (void)receiver.on_data(data(0, "hello"), now, kMss);
  EXPECT_STREQ(receiver.take_ack_request(), "ACK for duplicate data");
  EXPECT_EQ(counters.rx_duplicate_bytes, 5u);
  auto b = blocks();
  ASSERT_EQ(b.size(), 1u);
  EXPECT_EQ(b[0].left, kIrs + 1);
  EXPECT_EQ(b[0].right, kIrs + 1 + 5);
  receiver.on_ack_sent();
  EXPECT_TRUE(blocks().empty());
}

TEST_F(ReceiverTest, WithoutSackNoBlocksAreReported) {
  open(false);
  (void)receiver.on_data(data(100, "later"), now, kMss);
  EXPECT_TRUE(blocks().empty());
  EXPECT_EQ(receiver.sack_block_count(), 0u);
}

TEST_F(ReceiverTest, AFinBeyondAHoleCountsWhenTheHoleFills) {
  open();
  (void)receiver.on_data(data(5, "world", Ack | Fin), now, kMss);
  EXPECT_FALSE(receiver.fin_received());
  const DataResult r = receiver.on_data(data(0, "hello"), now, kMss);
  EXPECT_TRUE(r.fin);  // the Tcb now runs the FIN step
  receiver.on_fin();
  EXPECT_TRUE(receiver.fin_received());
  EXPECT_EQ(receiver.nxt(), SeqNum{kIrs + 1 + 11});
  EXPECT_STREQ(receiver.take_ack_request(), "ACK of the peer's FIN");
}

TEST_F(ReceiverTest, AcceptabilityFollowsTheWindowAdvertised) {
  open(false, 4096);
  EXPECT_EQ(receiver.window(), 4096u);
  EXPECT_TRUE(receiver.acceptable(data(4000, "x")));
  EXPECT_FALSE(receiver.acceptable(data(4096, "x")));
  // Fill the window without reading: it closes, and only RCV.NXT is acceptable.
  (void)receiver.on_data(data(0, std::string(4096, 'a')), now, kMss);
  EXPECT_EQ(receiver.window(), 0u);
  EXPECT_TRUE(receiver.acceptable(data(4096, "x")));
  EXPECT_FALSE(receiver.acceptable(data(4097, "x")));
}

TEST_F(ReceiverTest, DataBeyondTheBufferIsDroppedWithAnAck) {
  open(false, 4096);
  const DataResult r = receiver.on_data(data(5000, "far"), now, kMss);
  EXPECT_FALSE(r.readable);
  EXPECT_STREQ(receiver.take_ack_request(), "ACK: no room for the data");
  EXPECT_EQ(counters.rx_out_of_order, 0u);
}

TEST_F(ReceiverTest, TheWindowReopensOnlyBySwsThresholdSteps) {
  open(false, 4096);
  (void)receiver.on_data(data(0, std::string(4096, 'a')), now, kMss);
  EXPECT_EQ(receiver.window_to_advertise(false), 0u);
  std::vector<std::uint8_t> out(500);
  EXPECT_EQ(receiver.read(out), 500u);
  // RFC 1122 §4.2.3.3: 500 < min(4096 / 2, MSS): the right edge stays.
  EXPECT_FALSE(receiver.window_update_due());
  EXPECT_EQ(receiver.window_to_advertise(false), 0u);
  EXPECT_EQ(receiver.read(out), 500u);
  EXPECT_TRUE(receiver.window_update_due());
  receiver.offer_window_update(now);
  EXPECT_TRUE(receiver.window_update_expired(now));
  EXPECT_EQ(receiver.window_to_advertise(false), 1000u);
  EXPECT_FALSE(receiver.window_update_due());
}

TEST_F(ReceiverTest, OldDataOutsideTheWindowBecomesADsack) {
  open(true);
  (void)receiver.on_data(data(0, "hello"), now, kMss);
  const Segment old = data(0, "hello");
  ASSERT_FALSE(receiver.acceptable(old));
  receiver.on_unacceptable(old);
  const auto b = blocks();
  ASSERT_EQ(b.size(), 1u);
  EXPECT_EQ(b[0].left, kIrs + 1);
}

}  // namespace
}  // namespace tapstack::tcp
