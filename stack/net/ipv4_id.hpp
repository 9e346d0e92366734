#pragma once
// IPv4 identification (RFC 6864 §4.1, RFC 7739 §5.1): Linux's ip_idents.
// A keyed hash of (source, destination, protocol) picks one of 2048
// counters, so what we send to one host does not move the IDs another host
// sees (an idle scan through us learns nothing) and nobody can tell which
// destinations share a counter. Each use also adds a secret step smaller
// than the milliseconds the counter sat idle, so probing one counter over
// time does not count the datagrams sent to others that share it. Atomic
// datagrams (DF, unfragmented) take IDs from the same counters: RFC 6864
// allows any value there, and one rule for all keeps the code single.
#include <array>
#include <cstddef>
#include <cstdint>

#include "stack/base/rng.hpp"
#include "stack/base/siphash.hpp"
#include "stack/base/time.hpp"
#include "stack/wire/address.hpp"

namespace tapstack::net {

class Ipv4IdGenerator {
 public:
  explicit Ipv4IdGenerator(Rng& rng);

  /// Reserves `count` consecutive IDs (a super-segment takes one per
  /// segment the link cuts) and returns the first.
  std::uint16_t reserve(wire::Ipv4Address src, wire::Ipv4Address dst, std::uint8_t protocol,
                        std::uint16_t count, Instant now);

 private:
  static constexpr std::size_t kCounters = 2048;
  struct Counter {
    std::uint16_t next = 0;
    Instant last_used;
  };

  SipKey key_;
  std::array<Counter, kCounters> counters_;
};

}  // namespace tapstack::net
