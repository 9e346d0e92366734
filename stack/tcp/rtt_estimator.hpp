#pragma once
// Retransmission timeout computation (RFC 6298).
#include <algorithm>

#include "stack/base/time.hpp"

namespace tapstack::tcp {

class RttEstimator {
 public:
  RttEstimator(Duration initial, Duration min, Duration max)
      : rto_(initial), min_(min), max_(max) {}

  /// RFC 6298 §2.2/§2.3 with alpha = 1/8, beta = 1/4; the RTO is clamped to
  /// [min, max] (§2.4, §2.5). A new sample also clears any backoff (§5.7).
  void sample(Duration r) {
    if (!has_sample_) {
      srtt_ = r;
      rttvar_ = r / 2;
      has_sample_ = true;
    } else {
      const Duration delta = srtt_ > r ? srtt_ - r : r - srtt_;
      rttvar_ = (3 * rttvar_ + delta) / 4;
      srtt_ = (7 * srtt_ + r) / 8;
    }
    rto_ = base_rto();
  }
  /// RFC 6298 §5.5: double the RTO on expiry.
  void back_off() { rto_ = std::min(rto_ * 2, max_); }
  /// Undoes backoff after forward progress (Linux resets icsk_backoff on an ACK).
  void reset_backoff() {
    if (has_sample_) rto_ = base_rto();
  }

  Duration rto() const { return rto_; }
  Duration srtt() const { return srtt_; }
  Duration rttvar() const { return rttvar_; }
  bool has_sample() const { return has_sample_; }

 private:
  Duration base_rto() const {
    // RFC 6298 §2.3: RTO = SRTT + max(G, K*RTTVAR); clock granularity G is 1 µs here.
    return std::clamp(srtt_ + std::max(Duration{1}, 4 * rttvar_), min_, max_);
  }

  Duration srtt_{0};
  Duration rttvar_{0};
  Duration rto_;
  Duration min_;
  Duration max_;
  bool has_sample_ = false;
};

}  // namespace tapstack::tcp
