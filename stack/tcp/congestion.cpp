#include "stack/tcp/congestion.hpp"

#include <algorithm>

#include "stack/tcp/cubic.hpp"

namespace tapstack::tcp {
namespace {

/// RFC 6928 §2: IW = min(10*MSS, max(2*MSS, 14600)).
std::uint32_t initial_window(std::uint32_t mss) {
  return std::min(10 * mss, std::max(2 * mss, 14600u));
}

}  // namespace

const char* congestion_name(CongestionAlgorithm a) {
  return a == CongestionAlgorithm::NewReno ? "reno" : "cubic";
}

std::unique_ptr<CongestionControl> make_congestion_control(CongestionAlgorithm algorithm,
                                                           std::uint32_t mss) {
  if (algorithm == CongestionAlgorithm::NewReno) return std::make_unique<NewReno>(mss);
  return std::make_unique<Cubic>(mss);
}

CongestionControl::CongestionControl(std::uint32_t mss)
    : mss_(mss), cwnd_(initial_window(mss)) {}

void CongestionControl::on_ack(const AckEvent& ack) {
  if (in_recovery_) {
    if (ack.full) {
      // RFC 6582 §3.2 step 6, option 1: deflate to min(ssthresh, FlightSize + SMSS).
      cwnd_ = std::min(ssthresh_, ack.flight + mss_);
      in_recovery_ = false;
      phase_ = "recovery done: cwnd deflated";
    } else {
      // Step 5 (partial ACK): deflate by the amount acked, add back one SMSS.
      cwnd_ = (cwnd_ > ack.acked ? cwnd_ - ack.acked : 0) + mss_;
      cwnd_ = std::max(cwnd_, mss_);
      phase_ = "partial ACK in recovery";
    }
    return;
  }
  // RFC 7661 §4.3 (as RFC 2861 before it): cwnd grows only while it limits
  // the sender. A flow held back by the receiver's window or the application
  // would otherwise raise cwnd to sizes the network never carried. In slow
  // start half a window in flight counts (cwnd doubles per round trip).
  const std::uint32_t was_in_flight = ack.flight + ack.acked;
  const bool cwnd_limited =
      cwnd_ < ssthresh_ ? was_in_flight >= cwnd_ / 2 : was_in_flight + mss_ >= cwnd_;
  if (cwnd_limited) {
    grow(ack);
  } else {
    on_not_limited();
  }
}

void CongestionControl::on_enter_recovery(std::uint32_t flight, Instant now) {
  ssthresh_ = reduce(flight, now, false);
  cwnd_ = ssthresh_ + 3 * mss_;  // RFC 6582 §3.2 step 2
  in_recovery_ = true;
}

void CongestionControl::on_dup_ack() {
  if (in_recovery_) cwnd_ += mss_;  // step 3: inflate
}

void CongestionControl::on_loss_repaired(std::uint32_t flight, Instant now) {
  ssthresh_ = reduce(flight, now, false);
  cwnd_ = ssthresh_;
}

void CongestionControl::on_timeout(std::uint32_t flight, Instant now) {
  ssthresh_ = reduce(flight, now, true);
  cwnd_ = mss_;  // RFC 5681 §3.1: loss window = 1 SMSS
  in_recovery_ = false;
}

void CongestionControl::set_mss(std::uint32_t mss) {
  mss_ = mss;
  cwnd_ = std::max(cwnd_, mss_);
}

void CongestionControl::take_window(const CongestionControl& from) {
  cwnd_ = from.cwnd_;
  ssthresh_ = from.ssthresh_;
  in_recovery_ = from.in_recovery_;
}

CongestionSnapshot CongestionControl::snapshot() const {
  CongestionSnapshot s;
  s.cwnd = cwnd_;
  s.ssthresh = ssthresh_;
  save(s);
  return s;
}

void CongestionControl::undo(const CongestionSnapshot& before) {
  cwnd_ = std::max(cwnd_, before.cwnd);
  ssthresh_ = std::max(ssthresh_, before.ssthresh);
  in_recovery_ = false;
  restore(before);
}

void CongestionControl::slow_start(std::uint32_t acked, std::uint32_t limit,
                                   std::uint32_t divisor) {
  cwnd_ += std::min(acked, limit * mss_) / divisor;
}

void NewReno::grow(const AckEvent& ack) {
  if (cwnd_ < ssthresh_) {
    slow_start(ack.acked, 2);  // RFC 3465 L = 2*SMSS
    phase_ = "slow start";
    return;
  }
  // Congestion avoidance by appropriate byte counting (RFC 3465 §2.1).
  phase_ = "congestion avoidance";
  ca_acked_ += ack.acked;
  if (ca_acked_ >= cwnd_) {
    ca_acked_ -= cwnd_;
    cwnd_ += mss_;
  }
}

std::uint32_t NewReno::reduce(std::uint32_t flight, Instant /*now*/, bool timeout) {
  ca_acked_ = 0;
  phase_ = timeout ? "RTO: ssthresh = flight/2, cwnd = loss window" : "loss: ssthresh = flight/2";
  // RFC 5681 §3.1 eq. 4: ssthresh = max(FlightSize / 2, 2*SMSS). With SACK,
  // snd.nxt − snd.una also counts bytes the peer already holds and can far
  // exceed cwnd (RFC 6675 sends by pipe); halving that would raise the window
  // on a loss, so the flight counts at most cwnd.
  return std::max(std::min(flight, cwnd_) / 2, 2 * mss_);
}

}  // namespace tapstack::tcp
