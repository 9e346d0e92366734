#pragma once
// The seam between IPv4 and the transports (UDP, TCP). The IPv4 layer
// implements Ipv4Output; each transport implements TransportProtocol and is
// registered with the IPv4 layer by protocol number.
#include <cstddef>
#include <cstdint>

#include "stack/base/bytes.hpp"
#include "stack/base/result.hpp"
#include "stack/base/time.hpp"
#include "stack/wire/address.hpp"

namespace tapstack::net {

enum class IpProtocol : std::uint8_t { Icmp = 1, Tcp = 6, Udp = 17 };

/// The ECN field, the two low bits of the IPv4 TOS octet (RFC 3168 §5).
enum class Ecn : std::uint8_t { NotEct = 0, Ect1 = 1, Ect0 = 2, Ce = 3 };
constexpr Ecn ecn_of(std::uint8_t tos) { return static_cast<Ecn>(tos & 3); }

/// What a transport learns about a received datagram besides its payload.
struct Ipv4PacketInfo {
  wire::Ipv4Address src;
  wire::Ipv4Address dst;
  std::uint8_t ttl = 0;
  std::uint8_t tos = 0;  // as received, the ECN field included
  bool link_broadcast = false;  // sent to the Ethernet broadcast or an IP broadcast/multicast address
  /// The link verified the transport checksum, or it is partial (the sender's
  /// kernel left it to offload): the transport skips verifying it.
  bool checksum_trusted = false;

  Ecn ecn() const { return ecn_of(tos); }
};

struct Ipv4SendOptions {
  bool dont_fragment = false;
  std::uint8_t ttl = 0;  // 0: the configured default
  std::uint8_t tos = 0;  // its ECN bits are ignored: `ecn` sets them
  Ecn ecn = Ecn::NotEct;
  /// TCP only: a super-segment whose payload the link cuts into segments of
  /// this many bytes (segmentation offload); it is not fragmented. 0: none.
  std::uint16_t segment_size = 0;
};

/// An ICMP error (or an ARP failure, reported the same way) concerning a
/// datagram this host sent. `transport_header` holds the first bytes of that
/// datagram's transport header (at least 8 when the ICMP message carried them).
struct IcmpErrorInfo {
  enum class Kind : std::uint8_t {
    NetUnreachable,
    HostUnreachable,
    ProtocolUnreachable,
    PortUnreachable,
    FragmentationNeeded,
    AdminProhibited,
    TimeExceeded,
    ParameterProblem,
    SourceRoute,
    Other,
  };
  Kind kind = Kind::Other;
  std::uint8_t type = 0;
  std::uint8_t code = 0;
  std::uint16_t next_hop_mtu = 0;  // FragmentationNeeded only (RFC 1191); 0 when absent
  wire::Ipv4Address original_src;
  wire::Ipv4Address original_dst;
  IpProtocol protocol = IpProtocol::Udp;
  Bytes transport_header;
};

/// Implemented by the IPv4 layer: sends a transport payload in IPv4 (routing,
/// ARP resolution, fragmentation). The payload is copied before returning.
class Ipv4Output {
 public:
  virtual ~Ipv4Output() = default;
  virtual Result<void> send_ipv4(wire::Ipv4Address src, wire::Ipv4Address dst, IpProtocol protocol,
                                 Bytes payload, const Ipv4SendOptions& options) = 0;
  /// The largest IPv4 datagram toward `dst` that needs no fragmentation
  /// (interface MTU, lowered by path-MTU discoveries).
  virtual std::size_t path_mtu(wire::Ipv4Address dst) const = 0;
  /// The interface MTU: the largest datagram this host can receive, which
  /// the MSS it offers is made from (RFC 9293 §3.7.1 MMS_R).
  virtual std::size_t link_mtu() const = 0;
  /// Lowers the path MTU toward `dst` (RFC 1191). The layer clamps it from
  /// below so a forged ICMP message cannot shrink segments to nothing;
  /// callers act only on messages that quote a flow of theirs.
  virtual void note_path_mtu(wire::Ipv4Address dst, std::size_t mtu) = 0;
  /// The interface's own address; a transport uses it as the source for
  /// sockets bound to 0.0.0.0.
  virtual wire::Ipv4Address local_address() const = 0;
  /// True for addresses this host accepts as destinations (own, broadcast).
  virtual bool is_local_address(wire::Ipv4Address a) const = 0;
};

/// Implemented by UDP and TCP.
class TransportProtocol {
 public:
  enum class Delivery { Delivered, NoListener };
  virtual ~TransportProtocol() = default;
  /// A datagram for this protocol addressed to us. NoListener makes the IPv4
  /// layer answer with ICMP port unreachable (UDP); TCP answers with RST itself.
  virtual Delivery on_ipv4_packet(const Ipv4PacketInfo& info, Bytes payload, Instant now) = 0;
  virtual void on_icmp_error(const IcmpErrorInfo& error, Instant now) = 0;
  /// Runs due timers. Called by Stack::poll.
  virtual void poll(Instant now) = 0;
  /// The earliest time poll() has work to do, or Instant::max() for none.
  virtual Instant next_deadline() const = 0;
};

}  // namespace tapstack::net
