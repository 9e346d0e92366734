#include "stack/tcp/timer_queue.hpp"

namespace tapstack::tcp {

void TimerQueue::schedule(std::uint32_t index, Instant when) {
  if (index >= armed_.size()) {
    if (when == Instant::max()) return;
    armed_.resize(index + 1, Instant::max());
  }
  Instant& armed = armed_[index];
  if (armed == when) return;
  if (armed != Instant::max()) order_.erase({armed, index});
  armed = when;
  if (when != Instant::max()) order_.emplace(when, index);
}

std::optional<std::uint32_t> TimerQueue::pop_due(Instant now) {
  if (order_.empty() || order_.begin()->first > now) return std::nullopt;
  const std::uint32_t index = order_.begin()->second;
  order_.erase(order_.begin());
  armed_[index] = Instant::max();
  return index;
}

}  // namespace tapstack::tcp
