#include "stack/net/ipv4_id.hpp"

#include <algorithm>

namespace tapstack::net {

Ipv4IdGenerator::Ipv4IdGenerator(Rng& rng) : key_(SipKey::from(rng)) {
  // Secret starting points: the first datagram to a host reveals nothing either.
  for (std::size_t i = 0; i < kCounters; ++i) {
    counters_[i].next = static_cast<std::uint16_t>(siphash24(key_, {i}));
  }
}

std::uint16_t Ipv4IdGenerator::reserve(wire::Ipv4Address src, wire::Ipv4Address dst,
                                       std::uint8_t protocol, std::uint16_t count, Instant now) {
  const std::uint64_t index =
      siphash24(key_, {(std::uint64_t{src.value()} << 32) | dst.value(), protocol}) % kCounters;
  Counter& c = counters_[index];
  // Steps above 65535 wrap to the same distribution, so the idle time is capped there.
  const auto idle_ms = std::clamp<std::int64_t>(
      std::chrono::duration_cast<std::chrono::milliseconds>(now - c.last_used).count(), 0, 65536);
  if (idle_ms > 0) {
    // Keyed, not drawn from the Rng: the step stays secret without taking a
    // draw per datagram from the generator the ports and ISN keys come from.
    const auto step = siphash24(key_, {index, static_cast<std::uint64_t>(to_micros(now))}) %
                      static_cast<std::uint64_t>(idle_ms);
    c.next = static_cast<std::uint16_t>(c.next + step);
  }
  c.last_used = now;
  const std::uint16_t first = c.next;
  c.next = static_cast<std::uint16_t>(c.next + count);
  return first;
}

}  // namespace tapstack::net
