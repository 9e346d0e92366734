#include "stack/tcp/cubic.hpp"

#include <algorithm>
#include <cmath>

namespace tapstack::tcp {
namespace {

double seconds(Duration d) { return std::chrono::duration<double>(d).count(); }

/// §4.3: α_cubic = 3(1−β)/(1+β) makes the average window Reno's.
constexpr double kAlpha = 3 * (1 - Cubic::kBeta) / (1 + Cubic::kBeta);

}  // namespace

double Cubic::w_cubic(double t) const {
  const double d = t - k_;
  return kC * d * d * d * mss_ + w_max_;
}

void Cubic::grow(const AckEvent& ack) {
  if (cwnd_ < ssthresh_) {
    grow_slow_start(ack);
    return;
  }
  if (!epoch_start_) start_epoch(ack.now);
  const double t = seconds(ack.now - *epoch_start_);
  const double cwnd = cwnd_;
  advance_w_est(ack.acked);
  if (w_cubic(t) < w_est_) {
    // §4.3: Reno would have a larger window by now; follow it.
    cwnd_ = std::max(cwnd_, static_cast<std::uint32_t>(w_est_));
    phase_ = "CUBIC Reno-friendly region (RFC 9438 §4.3)";
    return;
  }
  // §4.4/§4.5: grow toward W_cubic one RTT ahead, by at most half the window
  // per RTT, never shrinking.
  const double target = std::clamp(w_cubic(t + seconds(ack.srtt)), cwnd, 1.5 * cwnd);
  phase_ = cwnd < w_max_ ? "CUBIC concave region (RFC 9438 §4.4)"
                         : "CUBIC convex region (RFC 9438 §4.5)";
  credit_ += (target - cwnd) / cwnd * ack.acked;
  const double whole = std::floor(credit_);
  cwnd_ += static_cast<std::uint32_t>(whole);
  credit_ -= whole;
}

void Cubic::grow_slow_start(const AckEvent& ack) {
  switch (hystart_.on_ack(ack.ack, ack.snd_nxt, ack.rtt)) {
    case HyStart::Step::ExitToAvoidance:
      ssthresh_ = cwnd_;  // RFC 9406 §4.3: CSS_ROUNDS done, congestion avoidance
      phase_ = "HyStart++ exit to congestion avoidance: ssthresh = cwnd (RFC 9406)";
      return;
    case HyStart::Step::EnterCss:
      phase_ = "HyStart++: RTT rose, conservative slow start (RFC 9406)";
      break;
    case HyStart::Step::ResumeSlowStart:
      phase_ = "HyStart++: RTT fell back, slow start resumes (RFC 9406)";
      break;
    case HyStart::Step::None:
      phase_ = hystart_.phase() == HyStart::Phase::Css ? "HyStart++ CSS: growth / 4 (RFC 9406)"
                                                       : "slow start";
      break;
  }
  slow_start(ack.acked, HyStart::kLimit, hystart_.divisor());
}

void Cubic::start_epoch(Instant now) {
  epoch_start_ = now;
  credit_ = 0;
  w_est_ = cwnd_;
  if (after_timeout_ || w_max_ <= 0) {
    // §4.8: the first epoch after an RTO starts at W_max = cwnd with K = 0;
    // so does the first after a slow start that ended without loss.
    w_max_ = cwnd_;
    cwnd_prior_ = std::max(cwnd_prior_, w_max_);
    k_ = 0;
    after_timeout_ = false;
    return;
  }
  // Eq. 2: K = ∛((W_max − cwnd_epoch)/C), in segments; negative above W_max.
  k_ = std::cbrt((w_max_ - cwnd_) / mss_ / kC);
}

void Cubic::advance_w_est(std::uint32_t acked) {
  // §4.3: α_cubic until W_est reaches the window before the reduction, then 1.
  const double alpha = w_est_ >= cwnd_prior_ ? 1.0 : kAlpha;
  w_est_ += alpha * acked * mss_ / cwnd_;
}

void Cubic::save(CongestionSnapshot& into) const {
  into.w_max = w_max_;
  into.k = k_;
  into.w_est = w_est_;
  into.cwnd_prior = cwnd_prior_;
  into.epoch_start = epoch_start_;
}

void Cubic::restore(const CongestionSnapshot& from) {
  // §4.9: the curve the window was on before the spurious congestion event.
  w_max_ = from.w_max;
  k_ = from.k;
  w_est_ = from.w_est;
  cwnd_prior_ = from.cwnd_prior;
  epoch_start_ = from.epoch_start;
  after_timeout_ = false;
  phase_ = "spurious loss: CUBIC state restored (RFC 9438 §4.9)";
}

std::uint32_t Cubic::reduce(std::uint32_t /*flight*/, Instant /*now*/, bool timeout) {
  hystart_.stop();
  epoch_start_.reset();
  after_timeout_ = timeout;
  const double cwnd = cwnd_;
  // §4.7 fast convergence: a loss below the last W_max means a new flow
  // takes a share; give up more so it converges.
  const bool converging = cwnd < w_max_;
  w_max_ = converging ? cwnd * (1 + kBeta) / 2 : cwnd;
  cwnd_prior_ = cwnd;
  phase_ = timeout     ? "RTO: ssthresh = 0.7·cwnd, cwnd = loss window (RFC 9438 §4.8)"
           : converging ? "loss: ssthresh = 0.7·cwnd, W_max lowered (RFC 9438 §4.6-4.7)"
                        : "loss: ssthresh = 0.7·cwnd, W_max = cwnd (RFC 9438 §4.6)";
  // §4.6: ssthresh = cwnd·β_cubic, at least 2 segments — from cwnd as Linux
  // does: snd.nxt − snd.una counts SACKed bytes too and can exceed cwnd.
  return std::max(static_cast<std::uint32_t>(cwnd * kBeta), 2 * mss_);
}

}  // namespace tapstack::tcp
