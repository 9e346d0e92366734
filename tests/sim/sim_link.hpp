#pragma once
// The simulated link's settings: loss, duplication, reordering, delay with
// jitter, bandwidth (serialization) and a drop-tail queue per direction. The
// work is done by the daemon's own impairment model (stack/link/impairment),
// so the simulation tests and `tapstack impair` share one implementation.
#include <algorithm>
#include <cstdint>

#include "stack/base/time.hpp"
#include "stack/link/impairment.hpp"

namespace tapstack::sim {

using LinkImpairment = tapstack::link::Impairment;
using LinkCounters = tapstack::link::ImpairmentCounters;
using LinkDirection = tapstack::link::Direction;

struct LinkConfig {
  double loss = 0.0;        // probability a packet is dropped
  double duplicate = 0.0;   // probability a packet arrives twice
  double reorder = 0.0;     // probability a packet is held back by reorder_delay
  Duration delay = 1ms;     // one-way propagation delay
  Duration jitter = 0us;    // uniform extra delay in [0, jitter]
  Duration reorder_delay = 3ms;
  std::uint64_t bits_per_second = 100'000'000;  // 0: infinitely fast
  Duration queue_limit = 50ms;                  // drop-tail when the backlog exceeds this
};

/// The impairment model's settings for one direction of a simulated link. A
/// serializing link is a token bucket one frame deep. The delay is at least
/// 1 µs so a packet never reaches the other host inside its sender's call.
inline tapstack::link::ImpairmentSettings to_impairment(const LinkConfig& c) {
  tapstack::link::ImpairmentSettings s;
  s.loss = c.loss;
  s.duplicate = c.duplicate;
  s.reorder = c.reorder;
  s.reorder_hold = c.reorder_delay;
  s.delay = std::max(c.delay, Duration{1});
  s.jitter = c.jitter;
  s.rate = c.bits_per_second / 8;
  s.burst = 0;
  s.queue_limit = c.queue_limit;
  return s;
}

}  // namespace tapstack::sim
