#pragma once
// IPv4 fragment reassembly (RFC 791 §3.2 "Fragmentation and Reassembly",
// RFC 815 hole accounting by byte count). Fragments may arrive in any order;
// a datagram with overlapping fragments is discarded whole (RFC 5722 §4,
// applied to IPv4 as Linux does); exact duplicates are dropped silently.
// Memory is bounded per datagram and in total.
#include <compare>
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <vector>

#include "stack/base/time.hpp"
#include "stack/counters.hpp"
#include "stack/wire/ipv4.hpp"

namespace tapstack::net {

struct ReassemblySettings {
  Duration timeout = std::chrono::seconds{30};  // from the first fragment (RFC 1122 §3.3.2)
  std::size_t max_datagrams = 64;               // in progress at once; the oldest is evicted
  std::size_t max_bytes = 4 * 1024 * 1024;      // payload held across all datagrams
  std::size_t max_fragments_per_datagram = 64;
};

class Reassembler {
 public:
  explicit Reassembler(const ReassemblySettings& settings) : settings_(settings) {}

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
    friend auto operator<=>(const Key&, const Key&) = default;
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
  };
  using Map = std::map<Key, Datagram>;

  enum class Verdict { Accept, Duplicate, Overlap, Inconsistent };
  static Verdict check(const Datagram& d, std::size_t start, std::size_t end, bool last);
  Map::iterator find_or_create(const Key& key, Instant now);
  bool reserve(std::size_t bytes, const Map::iterator& keep);
  void discard(Map::iterator it);
  std::vector<std::uint8_t> assemble(const Datagram& d) const;

  ReassemblySettings settings_;
  Map datagrams_;
  std::size_t bytes_held_ = 0;
  ReassemblyCounters counters_;
};

}  // namespace tapstack::net
