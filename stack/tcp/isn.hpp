#pragma once
// Initial sequence numbers (RFC 6528 §3): ISN = M + F(4-tuple, secret), where
// M is a clock ticking every 4 µs and F is SipHash-2-4 keyed with a secret
// drawn from the Rng at construction. SYN cookies reuse the same hash.
#include <cstddef>
#include <cstdint>

#include "stack/base/rng.hpp"
#include "stack/base/siphash.hpp"
#include "stack/base/time.hpp"
#include "stack/wire/address.hpp"

namespace tapstack::tcp {

/// A connection's addresses and ports, local side first.
struct FourTuple {
  wire::Ipv4Address local_addr;
  std::uint16_t local_port = 0;
  wire::Ipv4Address remote_addr;
  std::uint16_t remote_port = 0;
  friend auto operator<=>(const FourTuple&, const FourTuple&) = default;
};

class IsnGenerator {
 public:
  explicit IsnGenerator(Rng& rng) : key_(SipKey::from(rng)) {}

  /// RFC 6528: keyed hash of the 4-tuple plus a 4 µs clock.
  std::uint32_t isn(const FourTuple& t, Instant now) const;
  /// A keyed 32-bit hash of the 4-tuple and an extra word (SYN cookies).
  std::uint32_t hash(const FourTuple& t, std::uint64_t extra) const;
  /// RFC 7323 §7.1: where a connection's TSval clock starts, so TSvals
  /// reveal neither the uptime nor other connections' clocks.
  std::uint32_t timestamp_offset(const FourTuple& t) const;

 private:
  SipKey key_;
};

/// Hashes 4-tuples under the generator's secret key, for tables whose keys
/// a peer chooses (connections, TIME-WAIT records).
struct KeyedTupleHash {
  const IsnGenerator* isn = nullptr;
  std::size_t operator()(const FourTuple& t) const { return isn->hash(t, 0); }
};

}  // namespace tapstack::tcp
