#pragma once
// IPv4 for a host (RFC 791, RFC 1122 §3.2.1, §3.3): validates and accepts
// datagrams for our address and broadcasts, reassembles fragments, hands
// payloads to the registered transports (ICMP to the ICMP layer), and sends:
// route (on-link or gateway), fragment to the path MTU, resolve with ARP.
#include <array>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "stack/base/rng.hpp"
#include "stack/counters.hpp"
#include "stack/net/arp_cache.hpp"
#include "stack/net/interface.hpp"
#include "stack/net/ipv4_id.hpp"
#include "stack/net/reassembler.hpp"
#include "stack/net/transport.hpp"
#include "stack/wire/ipv4.hpp"

namespace tapstack::net {

class IcmpLayer;

struct Ipv4Settings {
  std::uint8_t ttl = 64;  // RFC 1122 §3.2.1.7 (RFC 1700 recommends 64)
  ReassemblySettings reassembly;
  Duration path_mtu_timeout = std::chrono::minutes{10};  // RFC 1191 §6.3
  std::size_t path_mtu_entries = 64;
};

/// RFC 1191 §5: the largest RFC 1191 "plateau" below `total_length`, to guess a
/// next-hop MTU when an old router reports 0.
std::size_t plateau_below(std::size_t total_length);

class Ipv4Layer final : public Ipv4Output {
 public:
  /// Path MTUs are never lowered below this (RFC 1191 §3 and RFC 879's 576,
  /// less 24 as Linux's min_pmtu), so forged ICMP cannot shrink segments.
  static constexpr std::size_t kMinPathMtu = 552;

  Ipv4Layer(const Ipv4Settings& settings, std::optional<wire::Ipv4Address> gateway,
            Interface& interface, ArpCache& arp, Rng& rng);

  /// Links the ICMP layer, which receives protocol 1 and sends errors.
  void attach_icmp(IcmpLayer& icmp) { icmp_ = &icmp; }
  void register_transport(IpProtocol protocol, TransportProtocol& transport);
  TransportProtocol* transport(std::uint8_t protocol) const { return transports_[protocol]; }

  /// The latest time the stack was told; sends that do not carry a time
  /// (Ipv4Output::send_ipv4) use it for ARP and path-MTU aging.
  void set_now(Instant now) { now_ = now; }

  /// One received IPv4 datagram (the Ethernet payload, padding included).
  /// `checksum_trusted`: the link vouches for the transport checksum of an
  /// unfragmented datagram (see Ipv4PacketInfo); the header checksum is
  /// still verified.
  void receive(Bytes packet, bool link_broadcast, Instant now, bool checksum_trusted = false);
  /// Expires reassembly; sends time exceeded for datagrams whose first fragment came.
  void poll(Instant now);
  Instant next_deadline() const { return reassembler_.next_deadline(); }

  /// Hands an ICMP error (or ARP failure) about a datagram we sent, quoted
  /// in `original`, to the transport of that datagram. False when no
  /// transport is registered for it.
  bool deliver_error(IcmpErrorInfo::Kind kind, std::uint8_t type, std::uint8_t code,
                     std::uint16_t next_hop_mtu, const wire::Ipv4View& original, Instant now);

  /// True while datagrams to `dst` wait for ARP to resolve its next hop.
  bool resolving(wire::Ipv4Address dst) const;

  /// True for the limited broadcast, our subnet broadcast and multicast.
  bool is_broadcast(wire::Ipv4Address a) const;

  // Ipv4Output
  Result<void> send_ipv4(wire::Ipv4Address src, wire::Ipv4Address dst, IpProtocol protocol,
                         Bytes payload, const Ipv4SendOptions& options) override;
  std::size_t path_mtu(wire::Ipv4Address dst) const override;
  std::size_t link_mtu() const override;
  void note_path_mtu(wire::Ipv4Address dst, std::size_t mtu) override;
  wire::Ipv4Address local_address() const override { return interface_.address().address; }
  bool is_local_address(wire::Ipv4Address a) const override;

  const Ipv4Counters& counters() const { return counters_; }
  const Reassembler& reassembler() const { return reassembler_; }

 private:
  struct Route {
    wire::Ipv4Address next_hop;
    std::optional<wire::MacAddress> mac;  // set for broadcast and multicast
  };
  struct PathMtu {
    wire::Ipv4Address destination;
    std::size_t mtu = 0;
    Instant expires;
  };

  bool acceptable_source(wire::Ipv4Address src) const;
  void deliver(const wire::Ipv4View& datagram, bool broadcast, bool checksum_trusted, Instant now);
  /// The route to `dst`, if any; counts nothing (a question, not a send).
  std::optional<Route> lookup(wire::Ipv4Address dst) const;
  /// lookup() for a datagram being sent: no route counts tx_dropped_no_route.
  Result<Route> route(wire::Ipv4Address dst);
  void output(const Route& route, Bytes datagram);
  Result<void> send_segmented(const Route& route, wire::Ipv4Header header, Bytes payload,
                              std::uint16_t segment_size);
  void on_unresolved(Bytes datagram, Instant now);

  Ipv4Settings settings_;
  std::optional<wire::Ipv4Address> gateway_;
  Interface& interface_;
  ArpCache& arp_;
  IcmpLayer* icmp_ = nullptr;
  std::array<TransportProtocol*, 256> transports_{};
  Reassembler reassembler_;
  std::vector<PathMtu> path_mtus_;
  std::vector<std::uint8_t> scratch_;
  std::vector<std::uint8_t> super_datagram_;  // send_segmented, grown on first use
  Ipv4IdGenerator ids_;
  Instant now_{};
  Ipv4Counters counters_;
};

}  // namespace tapstack::net
