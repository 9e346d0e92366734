#pragma once
// ARP (RFC 826) with a neighbour cache in the style of RFC 1122 §2.3.2.1:
// entries are incomplete (resolving), reachable (fresh) or stale (still used,
// removed when their time runs out). Datagrams wait in a bounded queue per
// incomplete entry; if resolution fails they are handed to a callback so the
// transport that sent them learns "host unreachable".
//
// What a packet may change (RFC 826's merge rule, hardened as Linux does):
// any packet from a known sender may update its entry, but a different MAC
// only once `mac_lock` has passed since the MAC was last set or confirmed
// (Linux's arp locktime), so a spoofer cannot flip an entry the owner keeps
// confirming, yet a gratuitous ARP after a failover gets through. A new
// entry comes only from a request to our address by a host we would send to
// directly (on-link or the gateway), and starts stale: the request shows
// the sender exists, not that it hears us. An unsolicited reply creates
// nothing.
//
// Nothing a frame triggers scans the table: entries are found by a keyed
// hash, and each state keeps its entries ordered by expiry, so the next
// deadline, the due entries and the eviction victim are at the fronts.
#include <array>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <optional>
#include <set>
#include <unordered_map>
#include <utility>
#include <vector>

#include "stack/base/bytes.hpp"
#include "stack/base/rng.hpp"
#include "stack/base/siphash.hpp"
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
  Duration mac_lock = std::chrono::seconds{1};  // a MAC set or confirmed this recently is kept
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

  /// `gateway`: the one off-link address the stack sends to directly.
  ArpCache(const ArpSettings& settings, Interface& interface,
           std::optional<wire::Ipv4Address> gateway, Rng& rng);

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
    Instant updated;  // when a packet last set or confirmed the MAC
    std::uint32_t requests_sent = 0;
    std::deque<std::vector<std::uint8_t>> pending;
  };
  struct AddressHash {
    SipKey key;
    std::size_t operator()(std::uint32_t address) const;
  };
  using Table = std::unordered_map<std::uint32_t, Entry, AddressHash>;
  using Timers = std::set<std::pair<Instant, std::uint32_t>>;  // (expires, address)

  void send_request(wire::Ipv4Address target);
  void send_reply(const wire::MacAddress& mac, wire::Ipv4Address ip);
  /// Applies a packet from a known sender (RFC 826's merge).
  void merge(Table::iterator it, const wire::MacAddress& mac, bool solicited, Instant now);
  /// Sets the MAC and state, and sends what waited for the address.
  void resolve(Table::iterator it, const wire::MacAddress& mac, ArpState state, Instant now);
  bool talks_to_directly(wire::Ipv4Address ip) const;
  bool make_room();
  void learn(wire::Ipv4Address ip, const wire::MacAddress& mac, Instant now);
  void queue(Entry& entry, Bytes datagram);
  void set_timer(Table::iterator it, ArpState state, Instant expires);
  void erase(Table::iterator it);
  Timers& timers(ArpState state) { return timers_[static_cast<std::size_t>(state)]; }

  ArpSettings settings_;
  Interface& interface_;
  std::optional<wire::Ipv4Address> gateway_;
  UnresolvedHandler on_unresolved_;
  Table entries_;
  std::array<Timers, 3> timers_;  // per ArpState
  ArpCounters counters_;
};

}  // namespace tapstack::net
