#pragma once
// Time inside the stack. StackClock deliberately has no now(): the stack can
// only learn the time from its caller, so it never reads a clock by accident.
#include <chrono>
#include <cstdint>

namespace tapstack {

struct StackClock {
  using rep = std::int64_t;
  using period = std::micro;
  using duration = std::chrono::duration<rep, period>;
  using time_point = std::chrono::time_point<StackClock>;
  static constexpr bool is_steady = true;
};

using Instant = StackClock::time_point;
using Duration = StackClock::duration;

using namespace std::chrono_literals;

/// Microseconds since the clock's epoch, for traces and introspection.
inline std::int64_t to_micros(Instant t) { return t.time_since_epoch().count(); }

}  // namespace tapstack
