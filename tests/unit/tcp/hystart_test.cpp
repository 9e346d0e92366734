// HyStart++ (RFC 9406) driven directly: rounds end when the ACK passes
// the sequence number that was sent when they began; each needs
// N_RTT_SAMPLE samples before its least RTT counts.
#include "stack/tcp/hystart.hpp"

#include <gtest/gtest.h>

#include "stack/tcp/cubic.hpp"

namespace tapstack::tcp {
namespace {

using Step = HyStart::Step;

constexpr std::uint32_t kRound = 100'000;  // sequence space per round

/// Feeds one round of `samples` ACKs, all with `rtt`; returns the steps
/// that were not None, in order.
class Rounds {
 public:
  std::vector<Step> round(HyStart& h, Duration rtt, std::uint32_t samples = 8) {
    std::vector<Step> steps;
    const SeqNum start = next_;
    next_ = next_ + kRound;
    for (std::uint32_t i = 0; i < samples; ++i) {
      // The first ACK reaches the last round's end; the round now ends at next_.
      const Step s = h.on_ack(start + i * 1000, next_, rtt);
      if (s != Step::None) steps.push_back(s);
    }
    return steps;
  }
  /// One more ACK in the current round.
  Step extra(HyStart& h, Duration rtt) { return h.on_ack(next_ - kRound / 2, next_, rtt); }

 private:
  SeqNum next_{1000};
};

TEST(HyStart, StaysInSlowStartWhileTheRttHolds) {
  HyStart h;
  Rounds r;
  for (int i = 0; i < 5; ++i) EXPECT_TRUE(r.round(h, 50ms).empty());
  EXPECT_EQ(h.phase(), HyStart::Phase::SlowStart);
  EXPECT_EQ(h.divisor(), 1u);
}

TEST(HyStart, AnRttIncreaseEntersCssOnlyAfterEnoughSamples) {
  HyStart h;
  Rounds r;
  EXPECT_TRUE(r.round(h, 50ms).empty());
  // RttThresh = clamp(50 ms / 8, 4 ms, 16 ms) = 6.25 ms: 56 ms is not enough.
  EXPECT_TRUE(r.round(h, 56ms).empty());
  EXPECT_TRUE(r.round(h, 56ms).empty());  // last round's 56 ms is the new reference
  // Seven samples of a higher RTT are not N_RTT_SAMPLE; the eighth is.
  EXPECT_TRUE(r.round(h, 70ms, 7).empty());
  EXPECT_EQ(h.phase(), HyStart::Phase::SlowStart);
  EXPECT_EQ(r.extra(h, 70ms), Step::EnterCss);  // 70 ms ≥ 56 + 7 ms
  EXPECT_EQ(h.phase(), HyStart::Phase::Css);
  EXPECT_EQ(h.divisor(), HyStart::kCssGrowthDivisor);
}

TEST(HyStart, ThresholdIsClampedToMinAndMax) {
  HyStart small;  // 8 ms / 8 = 1 ms → MIN_RTT_THRESH 4 ms
  Rounds a;
  (void)a.round(small, 8ms);
  EXPECT_TRUE(a.round(small, 11ms).empty());
  EXPECT_EQ(a.round(small, 15ms), (std::vector{Step::EnterCss}));
  HyStart large;  // 400 ms / 8 = 50 ms → MAX_RTT_THRESH 16 ms
  Rounds b;
  (void)b.round(large, 400ms);
  EXPECT_EQ(b.round(large, 416ms), (std::vector{Step::EnterCss}));
}

TEST(HyStart, ReturnsToSlowStartWhenTheRttFallsBack) {
  HyStart h;
  Rounds r;
  (void)r.round(h, 50ms);
  ASSERT_EQ(r.round(h, 60ms), (std::vector{Step::EnterCss}));  // baseline 60 ms
  EXPECT_TRUE(r.round(h, 60ms).empty());
  EXPECT_EQ(r.round(h, 52ms), (std::vector{Step::ResumeSlowStart}));
  EXPECT_EQ(h.phase(), HyStart::Phase::SlowStart);
  EXPECT_EQ(h.divisor(), 1u);
}

TEST(HyStart, ExitsToCongestionAvoidanceAfterCssRounds) {
  HyStart h;
  Rounds r;
  (void)r.round(h, 50ms);
  ASSERT_EQ(r.round(h, 60ms), (std::vector{Step::EnterCss}));
  for (std::uint32_t i = 1; i < HyStart::kCssRounds; ++i) {
    EXPECT_TRUE(r.round(h, 60ms).empty()) << "round " << i;
  }
  // The round that completes the fifth in CSS ends it.
  EXPECT_EQ(r.round(h, 60ms), (std::vector{Step::ExitToAvoidance}));
  EXPECT_EQ(h.phase(), HyStart::Phase::Done);
  EXPECT_TRUE(r.round(h, 200ms).empty());  // not used again
}

TEST(HyStart, LossEndsIt) {
  HyStart h;
  Rounds r;
  (void)r.round(h, 50ms);
  h.stop();
  EXPECT_TRUE(r.round(h, 100ms).empty());
  EXPECT_EQ(h.phase(), HyStart::Phase::Done);
}

// Through CUBIC: in CSS the window grows by a quarter of what slow start
// would, and leaving CSS sets ssthresh to cwnd.
TEST(HyStart, CubicGrowsAQuarterInCssAndEndsSlowStart) {
  constexpr std::uint32_t kMss = 1000;
  Cubic cc(kMss);
  SeqNum next{1000};
  Instant now{};
  auto round = [&](Duration rtt, std::uint32_t acks = 8) {
    const SeqNum start = next;
    next = next + kRound;
    now += rtt;
    for (std::uint32_t i = 0; i < acks; ++i) {
      AckEvent e;
      e.acked = kMss;
      e.flight = cc.cwnd();  // the whole window is out: cwnd limits
      e.now = now;
      e.ack = start + i * kMss;
      e.snd_nxt = next;
      e.rtt = rtt;
      e.srtt = rtt;
      cc.on_ack(e);
    }
  };
  round(50ms);
  const std::uint32_t before = cc.cwnd();
  round(50ms);
  EXPECT_EQ(cc.cwnd(), before + 8 * kMss);  // slow start: a segment per segment acked
  EXPECT_STREQ(cc.phase(), "slow start");
  round(60ms);  // the eighth sample enters CSS; that ACK already grows by a quarter
  ASSERT_EQ(cc.hystart_phase(), HyStart::Phase::Css);
  const std::uint32_t css = cc.cwnd();
  round(60ms);
  EXPECT_EQ(cc.cwnd(), css + 8 * kMss / 4);
  EXPECT_NE(std::string(cc.phase()).find("CSS"), std::string::npos);
  for (std::uint32_t i = 2; i < HyStart::kCssRounds; ++i) round(60ms);
  EXPECT_EQ(cc.hystart_phase(), HyStart::Phase::Css);
  round(60ms, 1);  // its first ACK completes the fifth round in CSS
  EXPECT_EQ(cc.hystart_phase(), HyStart::Phase::Done);
  EXPECT_EQ(cc.ssthresh(), cc.cwnd());
  EXPECT_NE(std::string(cc.phase()).find("HyStart++ exit"), std::string::npos);
}

}  // namespace
}  // namespace tapstack::tcp
