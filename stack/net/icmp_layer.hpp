#pragma once
// ICMP for a host (RFC 792, RFC 1122 §3.2.2): answers echo requests, sends
// rate-limited destination unreachable and time exceeded errors, hands
// received errors to the transport whose datagram they quote, and sends
// echo requests of its own (`tapstack ping`), matching the replies.
#include <cstddef>
#include <cstdint>
#include <map>
#include <vector>

#include "stack/base/result.hpp"
#include "stack/base/time.hpp"
#include "stack/counters.hpp"
#include "stack/net/token_bucket.hpp"
#include "stack/net/transport.hpp"
#include "stack/wire/icmp.hpp"
#include "stack/wire/ipv4.hpp"

namespace tapstack::net {

class Ipv4Layer;

struct IcmpSettings {
  std::uint32_t error_rate_per_second = 100;  // token bucket for generated errors
  std::uint32_t error_burst = 50;
  std::size_t max_outstanding_pings = 1024;   // echo requests awaiting a reply
  Duration ping_timeout = std::chrono::seconds{60};  // forgotten after this
};

/// A reply to an echo request the stack sent with IcmpLayer::ping.
struct PingReply {
  std::uint16_t ident = 0;
  std::uint16_t seq = 0;
  wire::Ipv4Address from;
  std::uint8_t ttl = 0;
  std::size_t payload_size = 0;
  Instant sent_at;
  Instant received_at;  // for host_unreachable: when ARP gave up
  /// No reply can come: ARP failed to resolve the next hop (`from` is our
  /// own address, as iputils' "From 10.0.0.2 … Destination Host Unreachable").
  bool host_unreachable = false;
};

class IcmpLayer {
 public:
  IcmpLayer(const IcmpSettings& settings, Ipv4Layer& ipv4);

  /// One ICMP message addressed to us, inside `datagram`.
  void receive(const wire::Ipv4View& datagram, const Ipv4PacketInfo& info, Instant now);

  /// Destination unreachable about a received datagram, unless RFC 1122
  /// §3.2.2 forbids it (ICMP error, broadcast, non-first fragment, source
  /// not a single host) or the rate limit says no.
  void send_unreachable(wire::UnreachableCode code, const wire::Ipv4View& datagram,
                        bool broadcast, Instant now);
  /// Time exceeded, code 1 (RFC 792): `quote` is the expired datagram's first
  /// fragment header and 8 bytes of data.
  void send_reassembly_timeout(Bytes quote, Instant now);

  /// Sends an echo request to `dst` and remembers when, to match the reply.
  /// Returns the sequence number sent.
  Result<std::uint16_t> ping(wire::Ipv4Address dst, std::uint16_t ident, std::uint16_t seq,
                             Bytes payload, Instant now);
  /// ARP gave up on `datagram` (one we sent): an echo request of ours is
  /// answered with a host_unreachable PingReply.
  void on_unresolved(const wire::Ipv4View& datagram, Instant now);
  /// True while echo request (ident, seq) waits for ARP.
  bool awaiting_resolution(std::uint16_t ident, std::uint16_t seq) const;
  /// Replies matched since the last call, oldest first.
  std::vector<PingReply> drain_ping_replies() { return std::exchange(replies_, {}); }

  const IcmpCounters& counters() const { return counters_; }

 private:
  struct Outstanding {
    wire::Ipv4Address dst;
    Instant sent_at;
  };

  void on_echo_request(const wire::IcmpView& icmp, const Ipv4PacketInfo& info);
  void on_echo_reply(const wire::IcmpView& icmp, const Ipv4PacketInfo& info, Instant now);
  void on_error(const wire::IcmpView& icmp, Instant now);
  bool may_send_error(const wire::Ipv4View& original, bool broadcast, Instant now);
  void send_error(wire::IcmpType type, std::uint8_t code, const wire::Ipv4View& original);

  IcmpSettings settings_;
  Ipv4Layer& ipv4_;
  TokenBucket bucket_;
  std::map<std::uint32_t, Outstanding> outstanding_;  // (ident << 16 | seq)
  std::vector<PingReply> replies_;
  std::vector<std::uint8_t> scratch_;
  IcmpCounters counters_;
};

}  // namespace tapstack::net
