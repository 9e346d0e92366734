#pragma once
// IPv4 fragment reassembly (RFC 791 §3.2 "Fragmentation and Reassembly",
// RFC 815 hole accounting by byte count). Fragments may arrive in any order;
// a datagram with overlapping fragments is discarded whole (RFC 5722 §4,
// applied to IPv4 as Linux does); exact duplicates are dropped silently.
// Memory is bounded per datagram, per source address and in total.
//
// Every operation a frame can trigger is O(1): datagrams are found by a keyed
// hash (a sender cannot aim collisions at one bucket), and the oldest one, in
// total or of one source, is the front of a list in arrival order. Arrival
// order is deadline order because the timeout is one constant and time never
// goes back.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <list>
#include <optional>
#include <unordered_map>
#include <vector>

#include "stack/base/rng.hpp"
#include "stack/base/siphash.hpp"
#include "stack/base/time.hpp"
#include "stack/counters.hpp"
#include "stack/wire/ipv4.hpp"

namespace tapstack::net {

struct ReassemblySettings {
  Duration timeout = std::chrono::seconds{30};  // from the first fragment (RFC 1122 §3.3.2)
  std::size_t max_datagrams = 64;               // in progress at once; the oldest is evicted
  std::size_t max_bytes = 4 * 1024 * 1024;      // payload held across all datagrams
  // One source address may hold a quarter of each bound (at least one
  // datagram, and at least one datagram of the largest size), so fragments
  // from one address, spoofed or not, cannot push out those of others.
  std::size_t source_datagrams() const { return std::max<std::size_t>(1, max_datagrams / 4); }
  std::size_t source_bytes() const {
    return std::max<std::size_t>(max_bytes / 4, wire::kIpv4MaxDatagramSize);
  }
  std::size_t max_fragments_per_datagram = 64;
};

class Reassembler {
 public:
  Reassembler(const ReassemblySettings& settings, Rng& rng);

  /// Adds one fragment (MF set or offset non-zero). Returns the whole
  /// datagram, header included (that of the first fragment, with length,
  /// flags and checksum rewritten), once every byte has arrived.
  std::optional<std::vector<std::uint8_t>> add(const wire::Ipv4View& fragment, Instant now);

  /// Discards datagrams whose time ran out. For each one whose first
  /// fragment had arrived, returns that fragment's header and first 8 data
  /// bytes, for an ICMP time exceeded message (RFC 792, RFC 1122 §3.3.2).
  std::vector<std::vector<std::uint8_t>> expire(Instant now);

  Instant next_deadline() const;
  std::size_t datagrams_in_progress() const { return datagrams_.size(); }
  std::size_t bytes_held() const { return bytes_held_; }
  const ReassemblyCounters& counters() const { return counters_; }

 private:
  // RFC 791: source, destination, protocol and identification name a datagram.
  struct Key {
    std::uint32_t source = 0;
    std::uint32_t destination = 0;
    std::uint16_t identification = 0;
    std::uint8_t protocol = 0;
    friend bool operator==(const Key&, const Key&) = default;
  };
  struct KeyHash {
    SipKey key;
    std::size_t operator()(const Key& k) const;
  };
  struct AddressHash {
    SipKey key;
    std::size_t operator()(std::uint32_t address) const;
  };
  using Age = std::list<Key>;  // oldest first
  struct Source {
    std::size_t bytes = 0;
    Age age;  // this source's datagrams; its size is their number
  };
  struct Fragment {
    std::size_t offset = 0;
    std::vector<std::uint8_t> data;
    std::size_t end() const { return offset + data.size(); }
  };
  struct Datagram {
    Instant deadline;
    std::vector<std::uint8_t> first_header;  // empty until fragment 0 arrives
    std::vector<Fragment> fragments;         // sorted by offset, never overlapping
    std::optional<std::size_t> payload_size;  // known once the last fragment arrives
    std::size_t bytes = 0;
    Age::iterator age;         // in age_
    Source* source = nullptr;  // stable: unordered_map nodes do not move
    Age::iterator source_age;  // in source->age
  };
  using Map = std::unordered_map<Key, Datagram, KeyHash>;

  enum class Verdict { Accept, Duplicate, Overlap, Inconsistent };
  static Verdict check(const Datagram& d, std::size_t start, std::size_t end, bool last);
  Map::iterator find_or_create(const Key& key, Instant now);
  bool reserve(std::size_t bytes, const Map::iterator& keep);
  /// Evicts the oldest datagrams of `age` but `keep` until `fits()`; false
  /// when only `keep` is left and it still does not.
  template <typename Fits>
  bool evict_until(const Age& age, const Map::iterator& keep, std::uint64_t& counter, Fits fits);
  void discard(Map::iterator it);
  std::vector<std::uint8_t> assemble(const Datagram& d) const;

  ReassemblySettings settings_;
  Map datagrams_;
  Age age_;
  std::unordered_map<std::uint32_t, Source, AddressHash> sources_;
  std::size_t bytes_held_ = 0;
  ReassemblyCounters counters_;
};

}  // namespace tapstack::net
