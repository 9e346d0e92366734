#pragma once
// Counters per layer, as plain structs of uint64_t. Every drop path in the
// layer increments one reason counter. for_each(fn) calls fn(name, value)
// for every field so the CLI can print them the way `netstat -s` does.
#include <cstdint>
#include <string_view>

namespace tapstack {

/// Ethernet demux and transmit (stack/net/interface).
struct EthernetCounters {
  std::uint64_t rx_frames = 0;
  std::uint64_t rx_dropped_truncated = 0;
  std::uint64_t rx_dropped_not_for_us = 0;   // unicast to another MAC, or multicast
  std::uint64_t rx_dropped_vlan = 0;         // 802.1Q tagged
  std::uint64_t rx_dropped_unknown_type = 0;
  std::uint64_t rx_dropped_oversize = 0;     // payload above the MTU, not from an offloading link
  std::uint64_t rx_offloaded = 0;            // payload above the MTU from an offloading link (GSO)
  std::uint64_t tx_frames = 0;
  std::uint64_t tx_padded = 0;
  std::uint64_t tx_dropped_oversize = 0;
  std::uint64_t tx_offloaded = 0;  // TCP super-frames handed to the link to cut (GSO)

  template <typename Fn>
  void for_each(Fn&& fn) const {
    fn(std::string_view{"rx_frames"}, rx_frames);
    fn(std::string_view{"rx_dropped_truncated"}, rx_dropped_truncated);
    fn(std::string_view{"rx_dropped_not_for_us"}, rx_dropped_not_for_us);
    fn(std::string_view{"rx_dropped_vlan"}, rx_dropped_vlan);
    fn(std::string_view{"rx_dropped_unknown_type"}, rx_dropped_unknown_type);
    fn(std::string_view{"rx_dropped_oversize"}, rx_dropped_oversize);
    fn(std::string_view{"rx_offloaded"}, rx_offloaded);
    fn(std::string_view{"tx_frames"}, tx_frames);
    fn(std::string_view{"tx_padded"}, tx_padded);
    fn(std::string_view{"tx_dropped_oversize"}, tx_dropped_oversize);
    fn(std::string_view{"tx_offloaded"}, tx_offloaded);
  }
};

/// ARP (stack/net/arp_cache).
struct ArpCounters {
  std::uint64_t rx_packets = 0;
  std::uint64_t rx_requests = 0;
  std::uint64_t rx_replies = 0;
  std::uint64_t rx_dropped_malformed = 0;
  std::uint64_t rx_dropped_bad_sender = 0;       // broadcast/multicast sender MAC
  std::uint64_t rx_address_conflicts = 0;        // someone else claims our address
  std::uint64_t rx_not_learned = 0;              // to us from an unknown sender: a reply, or not on-link
  std::uint64_t tx_requests = 0;
  std::uint64_t tx_replies = 0;
  std::uint64_t tx_gratuitous = 0;
  std::uint64_t entries_learned = 0;
  std::uint64_t entries_updated = 0;
  std::uint64_t mac_changes = 0;                 // a known address's MAC replaced
  std::uint64_t mac_changes_refused = 0;         // within ArpSettings::mac_lock (1 s) of the last update
  std::uint64_t entries_expired = 0;
  std::uint64_t entries_evicted = 0;
  std::uint64_t resolution_failures = 0;
  std::uint64_t queue_dropped_overflow = 0;      // pending queue of an entry was full
  std::uint64_t queue_dropped_unresolved = 0;    // resolution failed
  std::uint64_t queue_dropped_table_full = 0;    // no entry could be made

  template <typename Fn>
  void for_each(Fn&& fn) const {
    fn(std::string_view{"rx_packets"}, rx_packets);
    fn(std::string_view{"rx_requests"}, rx_requests);
    fn(std::string_view{"rx_replies"}, rx_replies);
    fn(std::string_view{"rx_dropped_malformed"}, rx_dropped_malformed);
    fn(std::string_view{"rx_dropped_bad_sender"}, rx_dropped_bad_sender);
    fn(std::string_view{"rx_address_conflicts"}, rx_address_conflicts);
    fn(std::string_view{"rx_not_learned"}, rx_not_learned);
    fn(std::string_view{"tx_requests"}, tx_requests);
    fn(std::string_view{"tx_replies"}, tx_replies);
    fn(std::string_view{"tx_gratuitous"}, tx_gratuitous);
    fn(std::string_view{"entries_learned"}, entries_learned);
    fn(std::string_view{"entries_updated"}, entries_updated);
    fn(std::string_view{"mac_changes"}, mac_changes);
    fn(std::string_view{"mac_changes_refused"}, mac_changes_refused);
    fn(std::string_view{"entries_expired"}, entries_expired);
    fn(std::string_view{"entries_evicted"}, entries_evicted);
    fn(std::string_view{"resolution_failures"}, resolution_failures);
    fn(std::string_view{"queue_dropped_overflow"}, queue_dropped_overflow);
    fn(std::string_view{"queue_dropped_unresolved"}, queue_dropped_unresolved);
    fn(std::string_view{"queue_dropped_table_full"}, queue_dropped_table_full);
  }
};

/// IPv4 input and output (stack/net/ipv4_layer).
struct Ipv4Counters {
  std::uint64_t rx_packets = 0;
  std::uint64_t rx_delivered = 0;
  std::uint64_t rx_dropped_malformed = 0;
  std::uint64_t rx_dropped_bad_checksum = 0;
  std::uint64_t rx_dropped_not_for_us = 0;
  std::uint64_t rx_dropped_bad_source = 0;
  std::uint64_t rx_dropped_no_protocol = 0;
  std::uint64_t rx_dropped_no_listener = 0;
  std::uint64_t rx_fragments = 0;
  std::uint64_t tx_packets = 0;
  std::uint64_t tx_fragments = 0;
  std::uint64_t tx_fragmented_datagrams = 0;
  std::uint64_t tx_dropped_no_route = 0;
  std::uint64_t tx_dropped_too_big = 0;
  std::uint64_t tx_dropped_bad_address = 0;
  std::uint64_t tx_dropped_offload_unresolved = 0;  // a super-segment, the next hop's MAC unknown
  std::uint64_t path_mtu_updates = 0;

  template <typename Fn>
  void for_each(Fn&& fn) const {
    fn(std::string_view{"rx_packets"}, rx_packets);
    fn(std::string_view{"rx_delivered"}, rx_delivered);
    fn(std::string_view{"rx_dropped_malformed"}, rx_dropped_malformed);
    fn(std::string_view{"rx_dropped_bad_checksum"}, rx_dropped_bad_checksum);
    fn(std::string_view{"rx_dropped_not_for_us"}, rx_dropped_not_for_us);
    fn(std::string_view{"rx_dropped_bad_source"}, rx_dropped_bad_source);
    fn(std::string_view{"rx_dropped_no_protocol"}, rx_dropped_no_protocol);
    fn(std::string_view{"rx_dropped_no_listener"}, rx_dropped_no_listener);
    fn(std::string_view{"rx_fragments"}, rx_fragments);
    fn(std::string_view{"tx_packets"}, tx_packets);
    fn(std::string_view{"tx_fragments"}, tx_fragments);
    fn(std::string_view{"tx_fragmented_datagrams"}, tx_fragmented_datagrams);
    fn(std::string_view{"tx_dropped_no_route"}, tx_dropped_no_route);
    fn(std::string_view{"tx_dropped_too_big"}, tx_dropped_too_big);
    fn(std::string_view{"tx_dropped_bad_address"}, tx_dropped_bad_address);
    fn(std::string_view{"tx_dropped_offload_unresolved"}, tx_dropped_offload_unresolved);
    fn(std::string_view{"path_mtu_updates"}, path_mtu_updates);
  }
};

/// Fragment reassembly (stack/net/reassembler).
struct ReassemblyCounters {
  std::uint64_t fragments = 0;
  std::uint64_t reassembled = 0;
  std::uint64_t dropped_duplicate = 0;        // an exact duplicate fragment
  std::uint64_t dropped_overlap = 0;          // RFC 5722: whole datagram discarded
  std::uint64_t dropped_too_big = 0;          // would exceed 65535 bytes
  std::uint64_t dropped_bad_length = 0;       // non-final fragment not a multiple of 8, or empty
  std::uint64_t dropped_inconsistent = 0;     // data past the end, or two different ends
  std::uint64_t dropped_too_many_fragments = 0;
  std::uint64_t dropped_no_memory = 0;        // total byte bound
  std::uint64_t dropped_evicted = 0;          // oldest datagram evicted for a new one
  std::uint64_t dropped_source_share = 0;     // its source's oldest, evicted: one address's share is full
  std::uint64_t dropped_timeout = 0;

  template <typename Fn>
  void for_each(Fn&& fn) const {
    fn(std::string_view{"fragments"}, fragments);
    fn(std::string_view{"reassembled"}, reassembled);
    fn(std::string_view{"dropped_duplicate"}, dropped_duplicate);
    fn(std::string_view{"dropped_overlap"}, dropped_overlap);
    fn(std::string_view{"dropped_too_big"}, dropped_too_big);
    fn(std::string_view{"dropped_bad_length"}, dropped_bad_length);
    fn(std::string_view{"dropped_inconsistent"}, dropped_inconsistent);
    fn(std::string_view{"dropped_too_many_fragments"}, dropped_too_many_fragments);
    fn(std::string_view{"dropped_no_memory"}, dropped_no_memory);
    fn(std::string_view{"dropped_evicted"}, dropped_evicted);
    fn(std::string_view{"dropped_source_share"}, dropped_source_share);
    fn(std::string_view{"dropped_timeout"}, dropped_timeout);
  }
};

/// ICMP (stack/net/icmp_layer).
struct IcmpCounters {
  std::uint64_t rx_messages = 0;
  std::uint64_t rx_dropped_malformed = 0;
  std::uint64_t rx_dropped_bad_checksum = 0;
  std::uint64_t rx_echo_requests = 0;
  std::uint64_t rx_echo_dropped_broadcast = 0;   // RFC 1122 §3.2.2.6 MAY ignore
  std::uint64_t rx_echo_replies = 0;
  std::uint64_t rx_echo_replies_unmatched = 0;
  std::uint64_t rx_dest_unreachable = 0;
  std::uint64_t rx_time_exceeded = 0;
  std::uint64_t rx_errors_dropped_malformed = 0;  // quoted datagram unreadable
  std::uint64_t rx_errors_dropped_not_ours = 0;   // quoted datagram not sent by us
  std::uint64_t rx_errors_dropped_no_transport = 0;
  std::uint64_t rx_dropped_other_type = 0;
  std::uint64_t tx_echo_requests = 0;
  std::uint64_t tx_echo_unresolved = 0;          // ARP gave up: answered host unreachable
  std::uint64_t tx_echo_replies = 0;
  std::uint64_t tx_dest_unreachable = 0;
  std::uint64_t tx_time_exceeded = 0;
  std::uint64_t tx_errors_rate_limited = 0;
  std::uint64_t tx_errors_suppressed = 0;        // RFC 1122 §3.2.2 "never in reply to"
  std::uint64_t tx_failed = 0;

  template <typename Fn>
  void for_each(Fn&& fn) const {
    fn(std::string_view{"rx_messages"}, rx_messages);
    fn(std::string_view{"rx_dropped_malformed"}, rx_dropped_malformed);
    fn(std::string_view{"rx_dropped_bad_checksum"}, rx_dropped_bad_checksum);
    fn(std::string_view{"rx_echo_requests"}, rx_echo_requests);
    fn(std::string_view{"rx_echo_dropped_broadcast"}, rx_echo_dropped_broadcast);
    fn(std::string_view{"rx_echo_replies"}, rx_echo_replies);
    fn(std::string_view{"rx_echo_replies_unmatched"}, rx_echo_replies_unmatched);
    fn(std::string_view{"rx_dest_unreachable"}, rx_dest_unreachable);
    fn(std::string_view{"rx_time_exceeded"}, rx_time_exceeded);
    fn(std::string_view{"rx_errors_dropped_malformed"}, rx_errors_dropped_malformed);
    fn(std::string_view{"rx_errors_dropped_not_ours"}, rx_errors_dropped_not_ours);
    fn(std::string_view{"rx_errors_dropped_no_transport"}, rx_errors_dropped_no_transport);
    fn(std::string_view{"rx_dropped_other_type"}, rx_dropped_other_type);
    fn(std::string_view{"tx_echo_requests"}, tx_echo_requests);
    fn(std::string_view{"tx_echo_unresolved"}, tx_echo_unresolved);
    fn(std::string_view{"tx_echo_replies"}, tx_echo_replies);
    fn(std::string_view{"tx_dest_unreachable"}, tx_dest_unreachable);
    fn(std::string_view{"tx_time_exceeded"}, tx_time_exceeded);
    fn(std::string_view{"tx_errors_rate_limited"}, tx_errors_rate_limited);
    fn(std::string_view{"tx_errors_suppressed"}, tx_errors_suppressed);
    fn(std::string_view{"tx_failed"}, tx_failed);
  }
};

}  // namespace tapstack
