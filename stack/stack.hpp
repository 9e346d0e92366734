#pragma once
// The stack as one object the daemon drives: frames in with receive(), due
// timers run by poll(), next_deadline() says when to call again, frames out
// through the FrameSink. Single-threaded, sans-I/O, never reads a clock.
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "stack/base/bytes.hpp"
#include "stack/base/rng.hpp"
#include "stack/base/time.hpp"
#include "stack/events.hpp"
#include "stack/link/frame_sink.hpp"
#include "stack/net/arp_cache.hpp"
#include "stack/net/icmp_layer.hpp"
#include "stack/net/interface.hpp"
#include "stack/net/ipv4_layer.hpp"
#include "stack/net/transport.hpp"
#include "stack/wire/address.hpp"

namespace tapstack {

/// Plain values; the daemon fills it from config::Config.
struct StackConfig {
  wire::MacAddress mac;
  wire::Ipv4Cidr address;
  std::optional<wire::Ipv4Address> gateway;
  std::size_t mtu = 1500;
  net::ArpSettings arp;
  net::Ipv4Settings ip;
  net::IcmpSettings icmp;
};

class Stack {
 public:
  Stack(const StackConfig& config, FrameSink& sink, Rng& rng);
  Stack(const Stack&) = delete;
  Stack& operator=(const Stack&) = delete;

  /// Announces our address with a gratuitous ARP.
  void start(Instant now);
  /// One Ethernet frame from the TAP. Its bytes are not kept after return.
  void receive(Bytes frame, Instant now);
  /// Runs due timers: ARP retries and aging, reassembly expiry, transports.
  void poll(Instant now);
  /// When poll() next has work; Instant::max() when nothing is due.
  Instant next_deadline() const;

  net::Ipv4Layer& ipv4() { return ipv4_; }
  net::IcmpLayer& icmp() { return icmp_; }
  const net::ArpCache& arp() const { return arp_; }

  /// Plugs a transport (UDP, TCP) into IPv4; poll() and next_deadline() include it.
  void register_transport(net::IpProtocol protocol, net::TransportProtocol& transport);

  EventQueue& events() { return events_; }
  std::vector<SocketEvent> drain_events() { return events_.drain(); }

  /// Every counter of every layer as ("ip.rx_dropped_bad_checksum", n) pairs.
  std::vector<std::pair<std::string, std::uint64_t>> counters() const;
  const StackConfig& config() const { return config_; }

 private:
  StackConfig config_;
  net::Interface interface_;
  net::ArpCache arp_;
  net::Ipv4Layer ipv4_;
  net::IcmpLayer icmp_;
  std::vector<net::TransportProtocol*> transports_;
  EventQueue events_;
};

}  // namespace tapstack
