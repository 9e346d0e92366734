// CUBIC (RFC 9438) driven directly with synthetic ACKs and times: one ACK
// per segment, the whole window in flight, ACKs spread over each RTT.
#include "stack/tcp/cubic.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <string>

namespace tapstack::tcp {
namespace {

constexpr std::uint32_t kMss = 1000;

/// RFC 9438 eq. 1 and 2, written out independently of the code under test.
double w_cubic_segments(double t, double w_max, double cwnd_epoch) {
  const double k = std::cbrt((w_max - cwnd_epoch) / 0.4);
  return 0.4 * std::pow(t - k, 3) + w_max;
}

bool contains(const char* text, const char* part) {
  return std::string(text).find(part) != std::string::npos;
}

class Driver {
 public:
  explicit Driver(Duration rtt) : rtt_(rtt) {}

  /// One segment acknowledged now, with the rest of the window in flight.
  void ack() {
    seq_ = seq_ + kMss;
    AckEvent e;
    e.acked = kMss;
    e.flight = cc.cwnd() - kMss;
    e.now = now;
    e.ack = seq_;
    e.snd_nxt = seq_ + cc.cwnd();
    e.srtt = rtt_;
    cc.on_ack(e);
  }
  /// A window's worth of ACKs, evenly over one RTT.
  void round() {
    const std::uint32_t n = cc.cwnd() / kMss;
    for (std::uint32_t i = 0; i < n; ++i) {
      now += rtt_ / n;
      ack();
    }
  }
  void grow_to(std::uint32_t bytes) {
    while (cc.cwnd() < bytes) ack();
  }
  /// Fast recovery for a loss at the current window, ended by a full ACK.
  void lose() {
    cc.on_enter_recovery(cc.cwnd(), now);
    AckEvent e;
    e.acked = kMss;
    e.flight = cc.ssthresh() - kMss;
    e.full = true;
    e.now = now;
    cc.on_ack(e);
  }
  /// Rounds until `t` seconds have passed since `epoch`; returns the time passed.
  double run_until(Instant epoch, double t) {
    while (seconds(now - epoch) < t) round();
    return seconds(now - epoch);
  }
  static double seconds(Duration d) { return std::chrono::duration<double>(d).count(); }

  Cubic cc{kMss};
  Instant now{};

 private:
  Duration rtt_;
  SeqNum seq_{1};
};

TEST(Cubic, WindowAfterALossFollowsTheCubicFunction) {
  Driver d(100ms);
  d.grow_to(1000 * kMss);
  ASSERT_EQ(d.cc.cwnd(), 1000 * kMss);
  d.lose();
  EXPECT_EQ(d.cc.ssthresh(), 700 * kMss);  // β_cubic = 0.7
  EXPECT_EQ(d.cc.cwnd(), 700 * kMss);
  EXPECT_EQ(d.cc.w_max(), 1000.0 * kMss);
  EXPECT_TRUE(contains(d.cc.phase(), "recovery done"));
  const Instant epoch = d.now;
  d.ack();  // the first ACK in congestion avoidance starts the epoch
  EXPECT_NEAR(d.cc.k(), std::cbrt(300 / 0.4), 1e-9);  // K = ∛((W_max − cwnd_epoch)/C) ≈ 9.09 s
  const double k = d.cc.k();
  for (const double target : {1.0, 3.0, k, k + 2, k + 4}) {
    const double t = d.run_until(epoch, target);
    const double w = w_cubic_segments(t, 1000, 700) * kMss;
    SCOPED_TRACE("t=" + std::to_string(t) + " W(t)=" + std::to_string(w));
    // It follows W(t), a little behind (it aims at W(t+RTT) one ACK at a time).
    EXPECT_NEAR(d.cc.cwnd(), w, 10.0 * kMss);
    EXPECT_LE(d.cc.cwnd(), w_cubic_segments(t + 0.1, 1000, 700) * kMss + kMss);
    EXPECT_TRUE(contains(d.cc.phase(), t < k ? "concave" : "convex")) << d.cc.phase();
  }
}

TEST(Cubic, RenoFriendlyRegionDominatesAtSmallRttTimesWindow) {
  Driver d(1ms);
  d.grow_to(20 * kMss);
  d.lose();
  const Instant epoch = d.now;
  d.ack();
  // K ≈ 2.5 s: the cubic curve barely moves in 20 RTTs of 1 ms, while
  // Reno's estimate gains ~0.5 segment per RTT.
  const double t = d.run_until(epoch, 0.020);
  EXPECT_TRUE(contains(d.cc.phase(), "Reno-friendly")) << d.cc.phase();
  EXPECT_GT(d.cc.cwnd(), d.cc.w_cubic(t) + 5.0 * kMss);
  EXPECT_GE(d.cc.cwnd(), 20 * kMss);  // back at W_max long before K
}

TEST(Cubic, FastConvergenceLowersWMax) {
  Driver d(100ms);
  d.grow_to(1000 * kMss);
  d.lose();
  ASSERT_EQ(d.cc.w_max(), 1000.0 * kMss);  // the first loss: W_max = cwnd
  for (int i = 0; i < 10; ++i) d.round();
  const std::uint32_t cwnd = d.cc.cwnd();
  ASSERT_LT(cwnd, 1000 * kMss);
  d.lose();  // again below the last W_max: another flow is taking a share
  EXPECT_DOUBLE_EQ(d.cc.w_max(), cwnd * (1 + 0.7) / 2);
  EXPECT_EQ(d.cc.ssthresh(), static_cast<std::uint32_t>(cwnd * 0.7));
}

TEST(Cubic, TimeoutUsesBetaThenStartsAnEpochWithKZero) {
  Driver d(100ms);
  d.grow_to(1000 * kMss);
  d.cc.on_timeout(1000 * kMss, d.now);
  EXPECT_EQ(d.cc.cwnd(), kMss);               // RFC 5681 loss window
  EXPECT_EQ(d.cc.ssthresh(), 700 * kMss);     // §4.8: ssthresh from β_cubic
  EXPECT_TRUE(contains(d.cc.phase(), "RTO")) << d.cc.phase();
  d.grow_to(700 * kMss);  // slow start back to ssthresh
  EXPECT_STREQ(d.cc.phase(), "slow start");
  const Instant epoch = d.now;
  d.ack();
  // §4.8: the first epoch after an RTO has K = 0 and W_max = cwnd at its start.
  EXPECT_EQ(d.cc.k(), 0.0);
  EXPECT_EQ(d.cc.w_max(), 700.0 * kMss);
  const double t = d.run_until(epoch, 8.0);
  EXPECT_NEAR(d.cc.cwnd(), (0.4 * t * t * t + 700) * kMss, 10.0 * kMss);
  EXPECT_TRUE(contains(d.cc.phase(), "convex")) << d.cc.phase();
}

// RFC 9438 §4.9: a reduction found spurious is undone whole — cwnd,
// ssthresh, W_max, K and the epoch — so the window goes on along the curve
// it was on, not along one that starts from a loss that never happened.
TEST(Cubic, UndoRestoresTheEpochBeforeASpuriousLoss) {
  Driver d(100ms);
  d.grow_to(1000 * kMss);
  d.lose();  // a real loss: W_max = 1000 segments
  for (int i = 0; i < 12; ++i) d.round();
  const CongestionSnapshot before = d.cc.snapshot();
  const double w_max = d.cc.w_max(), k = d.cc.k();
  const std::uint32_t cwnd = d.cc.cwnd();
  ASSERT_LT(cwnd, 1000 * kMss);  // still below the last W_max
  d.cc.on_enter_recovery(cwnd, d.now);  // a fast retransmit that turns out spurious
  ASSERT_NE(d.cc.w_max(), w_max);       // fast convergence lowered it
  d.cc.undo(before);
  EXPECT_EQ(d.cc.cwnd(), cwnd);
  EXPECT_EQ(d.cc.ssthresh(), before.ssthresh);
  EXPECT_FALSE(d.cc.in_recovery());
  EXPECT_EQ(d.cc.w_max(), w_max);
  EXPECT_EQ(d.cc.k(), k);
  // The same epoch goes on.
  d.round();
  EXPECT_GT(d.cc.cwnd(), cwnd);
  EXPECT_EQ(d.cc.k(), k);  // a new epoch would have computed K afresh
}

// §4.6 from cwnd: snd.nxt − snd.una at the loss may count many SACKed bytes.
TEST(Cubic, ALossReducesFromCwndNotFromSackedFlight) {
  Driver d(100ms);
  d.grow_to(100 * kMss);
  const std::uint32_t cwnd = d.cc.cwnd();
  d.cc.on_enter_recovery(3 * cwnd, d.now);
  EXPECT_EQ(d.cc.ssthresh(), static_cast<std::uint32_t>(cwnd * 0.7));
  EXPECT_EQ(d.cc.w_max(), static_cast<double>(cwnd));
}

TEST(Cubic, NoGrowthWhileTheSenderDoesNotFillTheWindow) {
  Driver d(100ms);
  d.grow_to(100 * kMss);
  d.lose();
  const std::uint32_t cwnd = d.cc.cwnd();
  AckEvent e;
  e.acked = kMss;
  e.flight = cwnd / 4;  // application-limited
  e.srtt = 100ms;
  for (int i = 0; i < 200; ++i) {
    e.now = d.now += 10ms;
    d.cc.on_ack(e);
  }
  EXPECT_EQ(d.cc.cwnd(), cwnd);
}

}  // namespace
}  // namespace tapstack::tcp
