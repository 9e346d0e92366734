#pragma once
// TimerQueue: one deadline per connection index, ordered, so the layer finds
// the due connections and the next deadline without visiting idle ones.
// Scheduling, moving and cancelling cost O(log n); so does popping a due one.
#include <cstdint>
#include <optional>
#include <set>
#include <utility>
#include <vector>

#include "stack/base/time.hpp"

namespace tapstack::tcp {

class TimerQueue {
 public:
  /// Sets index's deadline (replacing any); Instant::max() cancels it.
  void schedule(std::uint32_t index, Instant when);
  void cancel(std::uint32_t index) { schedule(index, Instant::max()); }
  /// The earliest deadline, or Instant::max() when none is set.
  Instant next() const { return order_.empty() ? Instant::max() : order_.begin()->first; }
  /// Removes and returns the earliest index whose deadline is at or before now.
  std::optional<std::uint32_t> pop_due(Instant now);
  std::size_t size() const { return order_.size(); }

 private:
  std::set<std::pair<Instant, std::uint32_t>> order_;
  std::vector<Instant> armed_;  // by index; Instant::max() when not in order_
};

}  // namespace tapstack::tcp
