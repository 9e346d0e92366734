#include <gtest/gtest.h>

#include <vector>

#include "stack/tcp/buffers.hpp"
#include "stack/tcp/congestion.hpp"
#include "stack/tcp/isn.hpp"
#include "stack/tcp/rtt_estimator.hpp"
#include "stack/tcp/sack_scoreboard.hpp"
#include "stack/tcp/seq_num.hpp"

namespace tapstack::tcp {
namespace {

TEST(SeqNum, ComparesAcrossTheWrap) {
  const SeqNum a{0xfffffff0u};
  const SeqNum b = a + 0x20;  // wrapped to 0x10
  EXPECT_EQ(b.raw(), 0x10u);
  EXPECT_TRUE(seq_lt(a, b));
  EXPECT_TRUE(seq_gt(b, a));
  EXPECT_TRUE(seq_le(a, a));
  EXPECT_TRUE(seq_ge(b, b));
  EXPECT_FALSE(seq_lt(b, a));
  EXPECT_EQ(b.since(a), 0x20u);
  EXPECT_EQ(seq_max(a, b), b);
  EXPECT_EQ(seq_min(a, b), a);
}

TEST(SeqNum, InWindowAtTheWrap) {
  const SeqNum start{0xffffff00u};
  EXPECT_TRUE(in_window(start, start, 1));
  EXPECT_TRUE(in_window(SeqNum{0x10}, start, 0x200));
  EXPECT_FALSE(in_window(SeqNum{0x100}, start, 0x200));
  EXPECT_FALSE(in_window(start - 1, start, 0x200));
  EXPECT_FALSE(in_window(start, start, 0));
}

TEST(SeqNum, HalfSpaceBoundary) {
  const SeqNum a{0};
  EXPECT_TRUE(seq_lt(a, a + 0x7fffffffu));
  EXPECT_FALSE(seq_lt(a + 0x7fffffffu, a));
  // Exactly 2^31 apart is ambiguous (RFC 1982 leaves it undefined); callers
  // never compare values that far apart because windows are below 2^30.
}

TEST(Isn, KeyedAndClockDriven) {
  SeededRng r1(1), r2(2);
  IsnGenerator g1(r1), g2(r2);
  const FourTuple t{wire::Ipv4Address{10, 0, 0, 2}, 80, wire::Ipv4Address{10, 0, 0, 1}, 40000};
  FourTuple other = t;
  other.remote_port = 40001;
  const Instant zero{};
  EXPECT_NE(g1.isn(t, zero), g2.isn(t, zero));
  EXPECT_NE(g1.isn(t, zero), g1.isn(other, zero));
  // RFC 6528: the clock term advances one per 4 µs.
  EXPECT_EQ(g1.isn(t, zero + 400us) - g1.isn(t, zero), 100u);
}

TEST(RttEstimator, FollowsRfc6298) {
  RttEstimator r(1s, 200ms, 60s);
  EXPECT_EQ(r.rto(), 1s);
  r.sample(100ms);
  EXPECT_EQ(r.srtt(), 100ms);
  EXPECT_EQ(r.rttvar(), 50ms);
  EXPECT_EQ(r.rto(), 300ms);  // 100 + 4*50
  r.sample(100ms);
  EXPECT_EQ(r.rttvar(), 37500us);  // 3/4 * 50
  EXPECT_EQ(r.rto(), 250ms);
  r.back_off();
  EXPECT_EQ(r.rto(), 500ms);
  for (int i = 0; i < 20; ++i) r.back_off();
  EXPECT_EQ(r.rto(), 60s);
  r.reset_backoff();
  EXPECT_EQ(r.rto(), 250ms);
  RttEstimator low(1s, 200ms, 60s);
  low.sample(1ms);
  EXPECT_EQ(low.rto(), 200ms);  // clamped to rto_min
}

/// A cumulative ACK of `acked` bytes leaving `flight` outstanding, no RTT sample.
AckEvent ack_of(std::uint32_t acked, std::uint32_t flight, bool full) {
  AckEvent e;
  e.acked = acked;
  e.flight = flight;
  e.full = full;
  return e;
}

TEST(NewReno, InitialWindowSlowStartRecoveryTimeout) {
  NewReno cc(1460);
  EXPECT_EQ(cc.cwnd(), 14600u);  // RFC 6928
  cc.on_ack(ack_of(1460, 14600 - 1460, false));  // the whole window was in flight
  EXPECT_EQ(cc.cwnd(), 16060u);
  cc.on_enter_recovery(16000, Instant{});
  EXPECT_TRUE(cc.in_recovery());
  EXPECT_EQ(cc.ssthresh(), 8000u);
  EXPECT_EQ(cc.cwnd(), 8000u + 3 * 1460);
  cc.on_dup_ack();
  EXPECT_EQ(cc.cwnd(), 8000u + 4 * 1460);
  cc.on_ack(ack_of(2920, 15000, false));  // partial: deflate by 2920, add 1460
  EXPECT_EQ(cc.cwnd(), 8000u + 3 * 1460);
  cc.on_ack(ack_of(1460, 4000, true));
  EXPECT_FALSE(cc.in_recovery());
  EXPECT_EQ(cc.cwnd(), 4000u + 1460);
  cc.on_timeout(5000, Instant{});
  EXPECT_EQ(cc.cwnd(), 1460u);
  EXPECT_EQ(cc.ssthresh(), 2920u);  // at least 2 segments
}

// With SACK the sender keeps sending by pipe, so snd.nxt − snd.una (which
// still counts what the peer SACKed) can be far above cwnd when a loss is
// found. Halving that would raise ssthresh and cwnd on a loss.
TEST(NewReno, ALossNeverRaisesTheWindow) {
  NewReno cc(1000);
  ASSERT_EQ(cc.cwnd(), 10000u);
  cc.on_enter_recovery(40000, Instant{});
  EXPECT_EQ(cc.ssthresh(), 5000u);
  NewReno timed_out(1000);
  timed_out.on_timeout(40000, Instant{});
  EXPECT_EQ(timed_out.ssthresh(), 5000u);
}

// RFC 7661 §4.3: a sender that does not fill cwnd does not grow it.
TEST(NewReno, CwndGrowsOnlyWhileItLimitsTheSender) {
  NewReno cc(1000);
  ASSERT_EQ(cc.cwnd(), 10000u);
  cc.on_ack(ack_of(1000, 2000, false));  // 3000 of 10000 were out: receiver- or app-limited
  EXPECT_EQ(cc.cwnd(), 10000u);
  cc.on_ack(ack_of(1000, 4000, false));  // half the window was out: slow start still grows
  EXPECT_EQ(cc.cwnd(), 11000u);
  cc.on_timeout(11000, Instant{});  // ssthresh 5500, cwnd 1000
  cc.on_ack(ack_of(1000, 0, false));
  cc.on_ack(ack_of(1000, 1000, false));
  cc.on_ack(ack_of(1000, 2000, false));
  cc.on_ack(ack_of(1000, 3000, false));
  cc.on_ack(ack_of(1000, 4000, false));  // cwnd 6000 ≥ ssthresh: congestion avoidance now
  ASSERT_EQ(cc.cwnd(), 6000u);
  for (int i = 0; i < 12; ++i) cc.on_ack(ack_of(1000, 2000, false));  // far below cwnd
  EXPECT_EQ(cc.cwnd(), 6000u);
  for (int i = 0; i < 6; ++i) cc.on_ack(ack_of(1000, 5000, false));  // a full window each time
  EXPECT_EQ(cc.cwnd(), 7000u);
}

TEST(ByteRing, WrapsAround) {
  ByteRing r(8);
  const std::vector<std::uint8_t> a = {1, 2, 3, 4, 5, 6};
  EXPECT_EQ(r.write(a), 6u);
  r.consume(4);
  const std::vector<std::uint8_t> b = {7, 8, 9, 10, 11, 12, 13};
  EXPECT_EQ(r.write(b), 6u);  // 2 + 6 = full
  std::vector<std::uint8_t> out(8);
  EXPECT_EQ(r.peek(0, out), 8u);
  EXPECT_EQ(out, (std::vector<std::uint8_t>{5, 6, 7, 8, 9, 10, 11, 12}));
  std::vector<std::uint8_t> mid(3);
  EXPECT_EQ(r.peek(5, mid), 3u);
  EXPECT_EQ(mid, (std::vector<std::uint8_t>{10, 11, 12}));
}

TEST(ReceiveStore, DeliversOutOfOrderDataInOrder) {
  ReceiveStore s(100, 4);
  const std::vector<std::uint8_t> a = {0, 1, 2}, b = {3, 4}, c = {5, 6, 7}, overlap = {4, 5};
  EXPECT_EQ(s.add(5, c), 0u);
  EXPECT_EQ(s.add(3, b), 0u);
  EXPECT_TRUE(s.has_out_of_order());
  EXPECT_EQ(s.out_of_order_end(), 8u);
  EXPECT_EQ(s.add(0, a), 8u);
  EXPECT_FALSE(s.has_out_of_order());
  std::vector<std::uint8_t> out(10);
  ASSERT_EQ(s.read(out), 8u);
  for (std::uint8_t i = 0; i < 8; ++i) EXPECT_EQ(out[i], i);
  // Overlapping out-of-order pieces are merged without duplication.
  EXPECT_EQ(s.add(1, overlap), 0u);
  EXPECT_EQ(s.add(0, std::vector<std::uint8_t>{9, 9}), 3u);
}

TEST(ReceiveStore, BoundsOutOfOrderSegments) {
  ReceiveStore s(100, 2);
  const std::vector<std::uint8_t> x = {1};
  EXPECT_EQ(s.add(10, x), 0u);
  EXPECT_EQ(s.add(20, x), 0u);
  EXPECT_EQ(s.add(30, x), 0u);
  EXPECT_TRUE(s.last_add_dropped());
}

// A loss in a large window leaves one hole and a window's worth of segments
// behind it: contiguous out-of-order data shares one entry, so the bound on
// entries limits holes, not segments.
TEST(ReceiveStore, ContiguousOutOfOrderSegmentsShareOneEntry) {
  ReceiveStore s(1000, 2);
  auto bytes = [](std::size_t from, std::size_t n) {
    std::vector<std::uint8_t> v(n);
    for (std::size_t i = 0; i < n; ++i) v[i] = static_cast<std::uint8_t>(from + i);
    return v;
  };
  for (std::size_t at = 10; at < 510; at += 10) {
    EXPECT_EQ(s.add(at, bytes(at, 10)), 0u);
    ASSERT_FALSE(s.last_add_dropped()) << "segment at " << at;
  }
  EXPECT_EQ(s.add(100, bytes(100, 10)), 0u);  // a retransmission of held data
  EXPECT_FALSE(s.last_add_dropped());
  // Two ranges joined by the segment between them become one entry again.
  EXPECT_EQ(s.add(520, bytes(520, 10)), 0u);
  EXPECT_EQ(s.add(510, bytes(510, 10)), 0u);
  EXPECT_EQ(s.add(540, bytes(540, 10)), 0u);
  EXPECT_FALSE(s.last_add_dropped());
  EXPECT_EQ(s.add(0, bytes(0, 10)), 530u);
  std::vector<std::uint8_t> out(600);
  ASSERT_EQ(s.read(out), 530u);
  for (std::size_t i = 0; i < 530; ++i) ASSERT_EQ(out[i], static_cast<std::uint8_t>(i)) << i;
}

TEST(ReceiveStore, BoundsOutOfOrderBytesEvenWithOverlaps) {
  ReceiveStore s(10, 100);
  const std::vector<std::uint8_t> six(6, 1);
  EXPECT_EQ(s.add(1, six), 0u);
  EXPECT_EQ(s.add(2, six), 0u);  // overlapping: 12 bytes held > capacity 10
  EXPECT_TRUE(s.last_add_dropped());
}

}  // namespace
}  // namespace tapstack::tcp

namespace tapstack::tcp {
namespace {

TEST(SackScoreboard, MergesFindsHolesAndAdvances) {
  const SeqNum una{0xfffffff0u};  // across the wrap
  const SeqNum max = una + 10000;
  SackScoreboard sb;
  EXPECT_TRUE(sb.add(una + 1000, una + 2000, una, max));
  EXPECT_FALSE(sb.add(una + 1200, una + 1500, una, max));  // nothing new
  EXPECT_TRUE(sb.add(una + 3000, una + 4000, una, max));
  EXPECT_FALSE(sb.add(una - 10, una + 5, una, max));       // below SND.UNA (D-SACK)
  EXPECT_FALSE(sb.add(una + 9000, una + 11000, una, max)); // beyond what was sent
  EXPECT_EQ(sb.sacked_bytes(), 2000u);
  auto gap = sb.next_gap(una, max);
  ASSERT_TRUE(gap);
  EXPECT_EQ(gap->first, una);
  EXPECT_EQ(gap->second, una + 1000);
  gap = sb.next_gap(una + 1500, max);
  ASSERT_TRUE(gap);
  EXPECT_EQ(gap->first, una + 2000);
  EXPECT_EQ(gap->second, una + 3000);
  gap = sb.next_gap(una + 3500, max);  // past the last range: the rest
  ASSERT_TRUE(gap);
  EXPECT_EQ(gap->first, una + 4000);
  EXPECT_EQ(gap->second, max);
  EXPECT_FALSE(sb.next_gap(una + 3500, una + 4000));
  gap = sb.next_gap(una + 1500, una + 2500);  // clipped to the limit
  ASSERT_TRUE(gap);
  EXPECT_EQ(gap->second, una + 2500);
  EXPECT_TRUE(sb.contains(una + 1000, una + 2000));
  EXPECT_FALSE(sb.contains(una + 1500, una + 3500));
  EXPECT_EQ(sb.highest(), una + 4000);
  EXPECT_TRUE(sb.add(una + 2000, una + 3000, una, max));  // fills the gap: one range
  EXPECT_EQ(sb.sacked_bytes(), 3000u);
  sb.advance(una + 2500);
  EXPECT_EQ(sb.sacked_bytes(), 1500u);
  sb.advance(una + 5000);
  EXPECT_TRUE(sb.empty());
}

}  // namespace
}  // namespace tapstack::tcp
