#pragma once
// ARP (RFC 826) with a neighbour cache in the style of RFC 1122 §2.3.2.1:
// entries are incomplete (resolving), reachable (fresh) or stale (still used,
// removed when their time runs out). Datagrams wait in a bounded queue per
// incomplete entry; if resolution fails they are handed to a callback so the
// transport that sent them learns "host unreachable".
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <optional>
#include <unordered_map>
#include <utility>
#include <vector>

#include "stack/base/bytes.hpp"
#include "stack/base/time.hpp"
#include "stack/counters.hpp"
#include "stack/net/interface.hpp"
#include "stack/wire/address.hpp"

namespace tapstack::net {

struct ArpSettings {
  Duration reachable_time = std::chrono::seconds{30};  // reachable → stale
  Duration stale_time = std::chrono::seconds{60};      // stale → removed
  Duration retry_interval = std::chrono::seconds{1};   // between requests while incomplete
  std::uint32_t max_retries = 3;                       // requests sent before giving up
  std::size_t queue_per_entry = 16;                    // datagrams held while resolving
  std::size_t max_entries = 1024;
};

enum class ArpState : std::uint8_t { Incomplete, Reachable, Stale };

/// "incomplete", "reachable", "stale".
const char* to_string(ArpState state);

/// One cache entry as `tapstack arp` shows it. For an incomplete entry the
/// MAC is zero and `expires` is when the next request goes out.
struct ArpEntryInfo {
  wire::Ipv4Address ip;
  wire::MacAddress mac;
  ArpState state = ArpState::Incomplete;
  Instant expires;
};

class ArpCache {
 public:
  /// Receives each queued IPv4 datagram dropped because resolution failed.
  using UnresolvedHandler = std::function<void(Bytes datagram, Instant now)>;

  ArpCache(const ArpSettings& settings, Interface& interface);

  void set_unresolved_handler(UnresolvedHandler handler) { on_unresolved_ = std::move(handler); }

  /// Broadcasts a gratuitous ARP request for our own address (RFC 5227 §3
  /// "ARP Announcement"), so neighbours update stale entries.
  void announce();

  /// One received ARP packet (the Ethernet payload).
  void receive(Bytes packet, Instant now);

  /// Sends an IPv4 datagram to `next_hop`: at once when its MAC is known,
  /// else queued behind an ARP request.
  void send_ipv4(wire::Ipv4Address next_hop, Bytes datagram, Instant now);

  /// The MAC of a reachable or stale entry.
  std::optional<wire::MacAddress> lookup(wire::Ipv4Address ip) const;

  /// True while `ip` is being resolved (an incomplete entry).
  bool resolving(wire::Ipv4Address ip) const;

  /// Retries requests, fails resolutions, ages entries.
  void poll(Instant now);
  Instant next_deadline() const;

  std::vector<ArpEntryInfo> entries() const;
  const ArpCounters& counters() const { return counters_; }

 private:
  struct Entry {
    wire::MacAddress mac;
    ArpState state = ArpState::Incomplete;
    Instant expires;  // incomplete: next retry or failure; else: next state change
    std::uint32_t requests_sent = 0;
    std::deque<std::vector<std::uint8_t>> pending;
  };

  void send_request(wire::Ipv4Address target);
  void send_reply(const wire::MacAddress& mac, wire::Ipv4Address ip);
  void make_reachable(Entry& entry, const wire::MacAddress& mac, Instant now);
  bool make_room();
  void learn(wire::Ipv4Address ip, const wire::MacAddress& mac, Instant now);
  void queue(Entry& entry, Bytes datagram);

  ArpSettings settings_;
  Interface& interface_;
  UnresolvedHandler on_unresolved_;
  std::unordered_map<std::uint32_t, Entry> entries_;
  ArpCounters counters_;
};

}  // namespace tapstack::net
