#include "stack/dns/cache.hpp"

#include <algorithm>
#include <chrono>
#include <limits>
#include <utility>

namespace tapstack::dns {

void Cache::put(const std::string& name, CacheEntry entry, Instant now) {
  if (capacity_ == 0 || entry.expires <= now) return;
  if (!entries_.contains(name) && entries_.size() >= capacity_) {
    const auto soonest = std::min_element(
        entries_.begin(), entries_.end(),
        [](const auto& a, const auto& b) { return a.second.expires < b.second.expires; });
    entries_.erase(soonest);
  }
  entries_[name] = std::move(entry);
}

std::optional<CacheEntry> Cache::get(const std::string& name, Instant now) {
  const auto it = entries_.find(name);
  if (it == entries_.end()) return std::nullopt;
  if (it->second.expires <= now) {
    entries_.erase(it);
    return std::nullopt;
  }
  return it->second;
}

std::uint32_t seconds_left(Instant expires, Instant now) {
  if (expires <= now) return 0;
  const auto secs = std::chrono::duration_cast<std::chrono::seconds>(expires - now).count();
  return static_cast<std::uint32_t>(std::min<std::int64_t>(secs, std::numeric_limits<std::uint32_t>::max()));
}

}  // namespace tapstack::dns
