#pragma once
// A simulated one-way link for deterministic tests: loss, duplication,
// reordering, delay with jitter, bandwidth (serialization) and a drop-tail
// queue, all driven by a seeded RNG. It only decides *when* (if ever) each
// packet arrives; the caller owns the event queue.
#include <algorithm>
#include <cstdint>
#include <vector>

#include "stack/base/rng.hpp"
#include "stack/base/time.hpp"

namespace tapstack::sim {

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

class SimLink {
 public:
  SimLink(const LinkConfig& config, std::uint64_t seed) : config_(config), rng_(seed) {}

  /// Arrival times for a packet of `bytes` handed to the link at `now`
  /// (empty when it is lost or the queue is full).
  std::vector<Instant> transmit(Instant now, std::size_t bytes) {
    std::vector<Instant> out;
    Instant start = std::max(now, busy_until_);
    if (start - now > config_.queue_limit) {
      ++queue_drops;
      return out;
    }
    if (config_.bits_per_second != 0) {
      const auto micros = static_cast<std::int64_t>(bytes * 8 * 1'000'000 / config_.bits_per_second);
      busy_until_ = start + Duration{micros};
    } else {
      busy_until_ = start;
    }
    if (rng_.chance(config_.loss)) {
      ++losses;
      return out;
    }
    const int copies = rng_.chance(config_.duplicate) ? 2 : 1;
    for (int i = 0; i < copies; ++i) {
      Duration d = config_.delay;
      if (config_.jitter.count() > 0) {
        d += Duration{rng_.uniform(0, static_cast<std::uint32_t>(config_.jitter.count()))};
      }
      if (rng_.chance(config_.reorder)) d += config_.reorder_delay;
      out.push_back(busy_until_ + d);
    }
    return out;
  }

  std::uint64_t losses = 0;
  std::uint64_t queue_drops = 0;

 private:
  LinkConfig config_;
  SeededRng rng_;
  Instant busy_until_{};
};

}  // namespace tapstack::sim
