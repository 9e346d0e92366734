#pragma once
// A token bucket for rate-limiting generated ICMP errors (RFC 1812 §4.3.2.8,
// RFC 1122 §3.2.2). Integer arithmetic in token-microseconds, so it is exact
// and deterministic under a virtual clock.
#include <algorithm>
#include <cstdint>
#include <optional>

#include "stack/base/time.hpp"

namespace tapstack::net {

class TokenBucket {
 public:
  /// `rate_per_second` tokens are added each second, up to `burst`; starts full.
  TokenBucket(std::uint32_t rate_per_second, std::uint32_t burst)
      : rate_(rate_per_second), capacity_(std::int64_t{burst} * kScale), credit_(capacity_) {}

  /// Takes one token if there is one.
  bool take(Instant now) {
    if (last_) {
      const std::int64_t elapsed = std::max<std::int64_t>(0, (now - *last_).count());
      // Cap elapsed first so the product cannot overflow after a long idle time.
      const std::int64_t cap_us = rate_ == 0 ? 0 : capacity_ / rate_ + 1;
      credit_ = std::min(capacity_, credit_ + std::min(elapsed, cap_us) * rate_);
    }
    last_ = now;
    if (credit_ < kScale) return false;
    credit_ -= kScale;
    return true;
  }

 private:
  static constexpr std::int64_t kScale = 1'000'000;  // one token, in rate × microseconds
  std::int64_t rate_;
  std::int64_t capacity_;
  std::int64_t credit_;
  std::optional<Instant> last_;
};

}  // namespace tapstack::net
