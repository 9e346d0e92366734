#pragma once
// Timers are deadlines held as values (smoltcp style); the owner's poll
// fires the due ones.
#include <algorithm>
#include <optional>

#include "stack/base/time.hpp"

namespace tapstack::tcp {

/// True when `deadline` has come; it is then cleared, so a timer fires once.
inline bool expire(std::optional<Instant>& deadline, Instant now) {
  if (!deadline || *deadline > now) return false;
  deadline.reset();
  return true;
}

/// The earlier of `t` and `deadline`, if set.
inline Instant earliest(Instant t, const std::optional<Instant>& deadline) {
  return deadline ? std::min(t, *deadline) : t;
}

}  // namespace tapstack::tcp
