#include "daemon/ping_waiters.hpp"

#include <unordered_map>

namespace tapstack::daemon {

std::optional<std::uint16_t> PingWaiters::free_ident() {
  constexpr std::uint32_t kIdents = 65536;
  if (waiters_.size() >= kIdents) return std::nullopt;
  // Bounded: fewer than 65536 are taken, so one of the next 65536 is free.
  for (std::uint32_t tried = 0; tried < kIdents; ++tried) {
    const std::uint16_t ident = next_ident_++;
    if (!waiters_.contains(ident)) return ident;
  }
  return std::nullopt;
}

void PingWaiters::add(std::uint16_t ident, const Waiter& waiter) { waiters_[ident] = waiter; }

std::optional<PingWaiters::Waiter> PingWaiters::take(std::uint16_t ident, std::uint16_t seq) {
  const auto it = waiters_.find(ident);
  if (it == waiters_.end() || it->second.seq != seq) return std::nullopt;
  const Waiter waiter = it->second;
  waiters_.erase(it);
  return waiter;
}

void PingWaiters::forget_session(std::uint32_t session) {
  std::erase_if(waiters_, [session](const auto& entry) { return entry.second.session == session; });
}

}  // namespace tapstack::daemon
