#include "stack/tcp/hystart.hpp"

#include <algorithm>

namespace tapstack::tcp {

HyStart::Step HyStart::on_ack(SeqNum ack, SeqNum snd_nxt, std::optional<Duration> rtt) {
  if (phase_ == Phase::Done) return Step::None;
  if (!window_end_) {
    start_round(snd_nxt);
  } else if (seq_ge(ack, *window_end_)) {
    start_round(snd_nxt);
    if (phase_ == Phase::Css && ++css_rounds_ >= kCssRounds) {
      phase_ = Phase::Done;  // §4.3: CSS_ROUNDS without the RTT falling back
      return Step::ExitToAvoidance;
    }
  }
  if (!rtt) return Step::None;
  current_round_min_ = current_round_min_ ? std::min(*current_round_min_, *rtt) : *rtt;
  ++samples_;
  return samples_ >= kRttSamples ? check_samples() : Step::None;
}

void HyStart::start_round(SeqNum snd_nxt) {
  window_end_ = snd_nxt;
  last_round_min_ = current_round_min_;
  current_round_min_.reset();
  samples_ = 0;
}

HyStart::Step HyStart::check_samples() {
  if (phase_ == Phase::SlowStart) {
    if (!last_round_min_) return Step::None;
    // RttThresh = clamp(lastRoundMinRTT / MIN_RTT_DIVISOR, MIN_RTT_THRESH, MAX_RTT_THRESH)
    const Duration thresh =
        std::clamp(*last_round_min_ / kMinRttDivisor, kMinRttThresh, kMaxRttThresh);
    if (*current_round_min_ < *last_round_min_ + thresh) return Step::None;
    css_baseline_min_ = current_round_min_;
    css_rounds_ = 0;
    phase_ = Phase::Css;
    return Step::EnterCss;
  }
  // CSS: the delay increase was spurious if the RTT is back below the baseline.
  if (*current_round_min_ >= *css_baseline_min_) return Step::None;
  css_baseline_min_.reset();
  phase_ = Phase::SlowStart;
  return Step::ResumeSlowStart;
}

}  // namespace tapstack::tcp
