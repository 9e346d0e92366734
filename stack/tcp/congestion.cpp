#include "stack/tcp/congestion.hpp"

#include <algorithm>

namespace tapstack::tcp {
namespace {

/// RFC 6928 §2: IW = min(10*MSS, max(2*MSS, 14600)).
std::uint32_t initial_window(std::uint32_t mss) {
  return std::min(10 * mss, std::max(2 * mss, 14600u));
}

/// RFC 5681 §3.1 eq. 4: ssthresh = max(FlightSize / 2, 2*SMSS).
std::uint32_t halve(std::uint32_t flight, std::uint32_t mss) {
  return std::max(flight / 2, 2 * mss);
}

}  // namespace

NewReno::NewReno(std::uint32_t mss) : mss_(mss), cwnd_(initial_window(mss)) {}

void NewReno::on_ack(std::uint32_t acked, std::uint32_t flight, bool full) {
  if (in_recovery_) {
    if (full) {
      // RFC 6582 §3.2 step 6, option 1: deflate to min(ssthresh, FlightSize + SMSS).
      cwnd_ = std::min(ssthresh_, flight + mss_);
      in_recovery_ = false;
    } else {
      // Step 5 (partial ACK): deflate by the amount acked, add back one SMSS.
      cwnd_ = (cwnd_ > acked ? cwnd_ - acked : 0) + mss_;
      cwnd_ = std::max(cwnd_, mss_);
    }
    return;
  }
  // RFC 7661 §4.3 (as RFC 2861 before it): cwnd grows only while it limits
  // the sender. A flow held back by the receiver's window or the application
  // would otherwise raise cwnd to sizes the network never carried. In slow
  // start half a window in flight counts (cwnd doubles per round trip).
  const std::uint32_t was_in_flight = flight + acked;
  const bool cwnd_limited =
      cwnd_ < ssthresh_ ? was_in_flight >= cwnd_ / 2 : was_in_flight + mss_ >= cwnd_;
  if (!cwnd_limited) return;
  if (cwnd_ < ssthresh_) {
    // RFC 5681 §3.1 slow start, with RFC 3465 L = 2*SMSS.
    cwnd_ += std::min(acked, 2 * mss_);
  } else {
    // Congestion avoidance by appropriate byte counting (RFC 3465 §2.1).
    ca_acked_ += acked;
    if (ca_acked_ >= cwnd_) {
      ca_acked_ -= cwnd_;
      cwnd_ += mss_;
    }
  }
}

void NewReno::on_enter_recovery(std::uint32_t flight) {
  ssthresh_ = halve(flight, mss_);
  cwnd_ = ssthresh_ + 3 * mss_;  // RFC 6582 §3.2 step 2
  ca_acked_ = 0;
  in_recovery_ = true;
}

void NewReno::on_dup_ack() {
  if (in_recovery_) cwnd_ += mss_;  // step 3: inflate
}

void NewReno::on_timeout(std::uint32_t flight) {
  ssthresh_ = halve(flight, mss_);
  cwnd_ = mss_;  // RFC 5681 §3.1: loss window = 1 SMSS
  ca_acked_ = 0;
  in_recovery_ = false;
}

void NewReno::set_mss(std::uint32_t mss) {
  mss_ = mss;
  cwnd_ = std::max(cwnd_, mss_);
}

void NewReno::undo(std::uint32_t prior_cwnd, std::uint32_t prior_ssthresh) {
  cwnd_ = std::max(cwnd_, prior_cwnd);
  ssthresh_ = std::max(ssthresh_, prior_ssthresh);
  ca_acked_ = 0;
  in_recovery_ = false;
}

}  // namespace tapstack::tcp
