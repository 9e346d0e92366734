#pragma once
// The stack as one object the daemon drives: frames in with receive(), due
// timers run by poll(), next_deadline() says when to call again, frames out
// through the FrameSink. Single-threaded, sans-I/O, never reads a clock.
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "stack/applications.hpp"
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
#include "stack/net/udp_layer.hpp"
#include "stack/tcp/tcp_layer.hpp"
#include "stack/trace.hpp"
#include "stack/wire/address.hpp"

namespace tapstack {

/// What the link says about one received frame.
struct ReceiveOptions {
  /// The frame comes from a link doing receive offload (a TAP with a
  /// virtio-net header) that verified its TCP/UDP checksum or left it
  /// partial for offload (VIRTIO_NET_HDR_F_DATA_VALID / F_NEEDS_CSUM): the
  /// checksum is not verified, and the frame may exceed the MTU (a TSO
  /// super-frame of up to one 64 KiB IPv4 datagram).
  bool checksum_trusted = false;
};

/// Plain values; the daemon fills it from config::Config.
struct StackConfig {
  wire::MacAddress mac;
  wire::Ipv4Cidr address;
  std::optional<wire::Ipv4Address> gateway;
  std::size_t mtu = 1500;
  net::ArpSettings arp;
  net::Ipv4Settings ip;
  net::IcmpSettings icmp;
  net::UdpSettings udp;
  tcp::TcpSettings tcp;
  dns::ResolverSettings dns;
  ServiceSettings services;
  /// The line the daytime service sends (RFC 867); the stack has no wall clock.
  std::function<std::string()> daytime_text;
};

class Stack {
 public:
  /// `trace`, when given, receives the TCP machinery's events (no behaviour change).
  Stack(const StackConfig& config, FrameSink& sink, Rng& rng, TraceSink* trace = nullptr);
  Stack(const Stack&) = delete;
  Stack& operator=(const Stack&) = delete;

  /// Announces our address with a gratuitous ARP and opens the built-in
  /// services' sockets (an error names a port that is taken).
  Result<void> start(Instant now);
  /// One Ethernet frame from the TAP. Its bytes are not kept after return.
  void receive(Bytes frame, Instant now, ReceiveOptions options = {});
  /// Runs due timers: ARP retries and aging, reassembly expiry, transports.
  void poll(Instant now);
  /// When poll() next has work; Instant::max() when nothing is due.
  Instant next_deadline() const;

  net::Ipv4Layer& ipv4() { return ipv4_; }
  net::IcmpLayer& icmp() { return icmp_; }
  const net::ArpCache& arp() const { return arp_; }
  net::UdpLayer& udp() { return udp_; }
  tcp::TcpLayer& tcp() { return tcp_; }
  const tcp::TcpLayer& tcp() const { return tcp_; }
  dns::Resolver& resolver() { return applications_.resolver(); }

  /// Plugs a further transport into IPv4 (UDP and TCP are built in); poll()
  /// and next_deadline() include it.
  void register_transport(net::IpProtocol protocol, net::TransportProtocol& transport);

  /// The socket events for the caller's sockets; those of the built-in
  /// applications (resolver, services) are handled inside the stack.
  std::vector<SocketEvent> drain_events(Instant now) {
    run_applications(now);
    return caller_events_.drain();
  }

  /// Every counter of every layer as ("ip.rx_dropped_bad_checksum", n) pairs.
  std::vector<std::pair<std::string, std::uint64_t>> counters() const;
  const StackConfig& config() const { return config_; }

 private:
  /// Hands the applications their events; moves the rest to caller_events_
  /// for drain_events(), so each event is offered to the applications once.
  void run_applications(Instant now);

  StackConfig config_;
  net::Interface interface_;
  net::ArpCache arp_;
  net::Ipv4Layer ipv4_;
  net::IcmpLayer icmp_;
  EventQueue events_;         // from the transports, not yet seen by the applications
  EventQueue caller_events_;  // seen by them, not theirs: for drain_events()
  net::UdpLayer udp_;
  tcp::TcpLayer tcp_;
  Applications applications_;
  std::vector<net::TransportProtocol*> transports_;
};

}  // namespace tapstack
