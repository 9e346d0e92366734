#pragma once
// The resolver's answer cache: positive answers for their TTL, negative ones
// (NXDOMAIN, no address) for the SOA-derived negative TTL (RFC 2308 §5).
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "stack/base/time.hpp"
#include "stack/dns/error.hpp"
#include "stack/wire/address.hpp"

namespace tapstack::dns {

struct CacheEntry {
  DnsError error = DnsError::Ok;  // Ok, NoSuchName or NoAddress
  std::vector<wire::Ipv4Address> addresses;
  std::string canonical_name;
  Instant expires;
};

/// A bounded map from normalized name to answer. When full, the entry that
/// expires soonest makes room.
class Cache {
 public:
  explicit Cache(std::size_t capacity) : capacity_(capacity) {}

  /// Stores an entry; a TTL of 0 (expires <= now) is not cached (RFC 1035 §3.2.1).
  void put(const std::string& name, CacheEntry entry, Instant now);
  /// The live entry for `name`; expired entries are removed on the way.
  std::optional<CacheEntry> get(const std::string& name, Instant now);
  std::size_t size() const { return entries_.size(); }
  void clear() { entries_.clear(); }

 private:
  std::size_t capacity_;
  std::map<std::string, CacheEntry> entries_;
};

/// Seconds left until `expires` (rounded down, 0 when past).
std::uint32_t seconds_left(Instant expires, Instant now);

}  // namespace tapstack::dns
