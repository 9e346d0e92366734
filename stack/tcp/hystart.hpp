#pragma once
// HyStart++ (RFC 9406): leaves slow start when the RTT grows, before the
// queue overflows. Each round (a window of data, ended by the ACK of what
// was sent when it began) keeps its least RTT; when a round's least RTT
// exceeds the previous round's by a threshold, growth slows to a quarter
// (Conservative Slow Start, CSS). If the RTT falls back, slow start
// resumes; after CSS_ROUNDS rounds in CSS, congestion avoidance begins.
#include <cstdint>
#include <optional>

#include "stack/base/time.hpp"
#include "stack/tcp/seq_num.hpp"

namespace tapstack::tcp {

class HyStart {
 public:
  enum class Phase : std::uint8_t { SlowStart, Css, Done };
  /// What an ACK changed.
  enum class Step : std::uint8_t { None, EnterCss, ResumeSlowStart, ExitToAvoidance };

  static constexpr std::uint32_t kRttSamples = 8;        // N_RTT_SAMPLE
  static constexpr Duration kMinRttThresh = 4ms;         // MIN_RTT_THRESH
  static constexpr Duration kMaxRttThresh = 16ms;        // MAX_RTT_THRESH
  static constexpr std::uint32_t kMinRttDivisor = 8;     // MIN_RTT_DIVISOR
  static constexpr std::uint32_t kCssGrowthDivisor = 4;  // CSS_GROWTH_DIVISOR
  static constexpr std::uint32_t kCssRounds = 5;         // CSS_ROUNDS
  static constexpr std::uint32_t kLimit = 8;             // L without pacing (segments per ACK)

  /// An ACK in slow start (RFC 9406 §4.3): `ack` may end the round, and a
  /// new one then ends at `snd_nxt`; `rtt` is the ACK's RTT sample, if any.
  Step on_ack(SeqNum ack, SeqNum snd_nxt, std::optional<Duration> rtt);
  /// Loss or a timeout: slow start is over and HyStart++ is not used again
  /// (§4.3: only the initial slow start).
  void stop() { phase_ = Phase::Done; }
  Phase phase() const { return phase_; }
  /// Growth divisor for the current phase: 1, or CSS_GROWTH_DIVISOR in CSS.
  std::uint32_t divisor() const { return phase_ == Phase::Css ? kCssGrowthDivisor : 1; }

 private:
  void start_round(SeqNum snd_nxt);
  Step check_samples();

  Phase phase_ = Phase::SlowStart;
  std::optional<SeqNum> window_end_;  // the round ends when this is acked
  std::optional<Duration> last_round_min_, current_round_min_;
  std::optional<Duration> css_baseline_min_;
  std::uint32_t samples_ = 0;     // RTT samples this round
  std::uint32_t css_rounds_ = 0;  // rounds completed in CSS
};

}  // namespace tapstack::tcp
