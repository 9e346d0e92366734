#pragma once
// UDP sockets (RFC 768, RFC 1122 §4.1): binding and ephemeral ports, demux of
// received datagrams to bounded per-socket queues, connected-socket filtering,
// ICMP error delivery, broadcast opt-in. Sans-I/O: datagrams go out through
// Ipv4Output, readiness goes to the EventQueue.
#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <unordered_map>
#include <vector>

#include "stack/base/bytes.hpp"
#include "stack/base/result.hpp"
#include "stack/base/rng.hpp"
#include "stack/events.hpp"
#include "stack/net/transport.hpp"
#include "stack/wire/address.hpp"

namespace tapstack::net {

struct UdpSettings {
  /// Ephemeral range, Linux's default ip_local_port_range (RFC 6056 §3.2).
  std::uint16_t ephemeral_low = 32768;
  std::uint16_t ephemeral_high = 60999;
  std::size_t recv_queue_datagrams = 256;
  std::size_t recv_queue_bytes = 256 * 1024;
};

/// One received datagram as a socket hands it out.
struct UdpDatagram {
  wire::Ipv4Address from;
  std::uint16_t from_port = 0;
  std::vector<std::uint8_t> data;
};

/// A socket's state for introspection (`tapstack sockets`).
struct UdpSocketInfo {
  SocketId id;
  wire::Ipv4Address local_address;
  std::uint16_t local_port = 0;  // 0: not bound yet
  wire::Ipv4Address remote_address;
  std::uint16_t remote_port = 0;  // 0: not connected
  bool broadcast = false;
  std::size_t queued_datagrams = 0;
  std::size_t queued_bytes = 0;
  std::uint64_t rx_datagrams = 0;
  std::uint64_t tx_datagrams = 0;
  std::uint64_t drops = 0;  // queue overflow or read side shut down
};

/// Layer-wide counters, visited by name for `tapstack counters`.
struct UdpCounters {
  std::uint64_t rx_datagrams = 0;        // delivered to a socket queue
  std::uint64_t rx_bytes = 0;
  std::uint64_t tx_datagrams = 0;
  std::uint64_t tx_bytes = 0;
  std::uint64_t tx_errors = 0;           // Ipv4Output refused the datagram
  std::uint64_t rx_too_short = 0;
  std::uint64_t rx_bad_length = 0;
  std::uint64_t rx_bad_checksum = 0;
  std::uint64_t rx_no_checksum = 0;      // accepted, sender sent checksum 0
  std::uint64_t rx_no_port = 0;          // unicast to a closed port: ICMP port unreachable
  std::uint64_t rx_broadcast_no_port = 0;  // broadcast nobody asked for: dropped silently
  std::uint64_t rx_queue_overflow = 0;
  std::uint64_t rx_shut_down = 0;        // dropped: the socket's read side is shut down
  std::uint64_t icmp_errors_delivered = 0;
  std::uint64_t icmp_errors_ignored = 0;  // soft errors, no socket concerned, or not connected

  template <typename F>
  void for_each(F&& f) const {
    f("rx_datagrams", rx_datagrams);
    f("rx_bytes", rx_bytes);
    f("tx_datagrams", tx_datagrams);
    f("tx_bytes", tx_bytes);
    f("tx_errors", tx_errors);
    f("rx_too_short", rx_too_short);
    f("rx_bad_length", rx_bad_length);
    f("rx_bad_checksum", rx_bad_checksum);
    f("rx_no_checksum", rx_no_checksum);
    f("rx_no_port", rx_no_port);
    f("rx_broadcast_no_port", rx_broadcast_no_port);
    f("rx_queue_overflow", rx_queue_overflow);
    f("rx_shut_down", rx_shut_down);
    f("icmp_errors_delivered", icmp_errors_delivered);
    f("icmp_errors_ignored", icmp_errors_ignored);
  }
};

class UdpLayer final : public TransportProtocol {
 public:
  UdpLayer(Ipv4Output& ip, Rng& rng, EventQueue& events, const UdpSettings& settings);

  /// A new unbound socket.
  Result<SocketId> open();
  /// Binds to `address` (0.0.0.0 or one of ours) and `port`; port 0 picks an
  /// ephemeral port at random (RFC 6056 §3.3.1). AddressInUse when another
  /// socket holds the port on an overlapping address; InvalidState if bound.
  Result<void> bind(SocketId id, wire::Ipv4Address address, std::uint16_t port);
  /// Sets the default peer and accepts datagrams only from it (RFC 1122
  /// §4.1.3.4 leaves the filter to the application; this is the BSD one).
  /// Binds to an ephemeral port first if needed.
  Result<void> connect(SocketId id, wire::Ipv4Address address, std::uint16_t port);
  /// Forgets the peer (connect with AF_UNSPEC); the binding stays.
  Result<void> disconnect(SocketId id);
  /// Sends one datagram; binds first if needed. MessageTooLong above 65507
  /// bytes; PermissionDenied for a broadcast destination without set_broadcast.
  Result<std::size_t> send_to(SocketId id, wire::Ipv4Address address, std::uint16_t port,
                              Bytes data);
  /// Sends to the connected peer; NotConnected otherwise.
  Result<std::size_t> send(SocketId id, Bytes data);
  /// The oldest queued datagram. A pending ICMP error is returned (and
  /// cleared) first; WouldBlock when empty; Shutdown when empty after
  /// shutdown(read) (the RPC layer reports that as end of file).
  Result<UdpDatagram> recv_from(SocketId id);
  /// SO_BROADCAST: send to and receive from broadcast addresses.
  Result<void> set_broadcast(SocketId id, bool enabled);
  /// Like Linux: the flags are applied even when the socket is not connected,
  /// which is reported as NotConnected.
  Result<void> shutdown(SocketId id, bool read, bool write);
  Result<void> close(SocketId id);

  /// Number of datagrams waiting in the socket's queue (0 for unknown ids).
  std::size_t pending(SocketId id) const;
  /// Size of the next datagram (FIONREAD on a UDP socket), 0 when none.
  std::size_t next_datagram_size(SocketId id) const;
  /// Local address/port of the socket, for getsockname.
  Result<UdpSocketInfo> info(SocketId id) const;
  std::vector<UdpSocketInfo> list() const;
  const UdpCounters& counters() const { return counters_; }

  Delivery on_ipv4_packet(const Ipv4PacketInfo& info, Bytes payload, Instant now) override;
  void on_icmp_error(const IcmpErrorInfo& error, Instant now) override;
  /// UDP keeps no timers.
  void poll(Instant now) override;
  Instant next_deadline() const override;

 private:
  // Defined after the class: clang needs Socket complete (with its default
  // member initializers) before std::optional<Socket> is instantiated.
  struct Socket;
  struct Slot;

  Socket* find(SocketId id);
  const Socket* find(SocketId id) const;
  static std::size_t slot_of(SocketId id);
  SocketId id_of(std::size_t slot) const;
  bool port_conflicts(wire::Ipv4Address address, std::uint16_t port) const;
  Result<std::uint16_t> pick_ephemeral_port() const;
  Result<void> bind_socket(std::size_t slot, wire::Ipv4Address address, std::uint16_t port);
  Result<void> ensure_bound(SocketId id);
  bool is_broadcast_destination(wire::Ipv4Address address) const;
  std::vector<std::size_t> matching_sockets(const Ipv4PacketInfo& info, std::uint16_t src_port,
                                            std::uint16_t dst_port) const;
  void enqueue(std::size_t slot, const Ipv4PacketInfo& info, std::uint16_t src_port, Bytes data);
  /// The socket an ICMP error's quoted datagram came from, if any.
  std::optional<std::size_t> error_owner(const IcmpErrorInfo& error, std::uint16_t src_port,
                                         std::uint16_t dst_port) const;

  Ipv4Output& ip_;
  Rng& rng_;
  EventQueue& events_;
  UdpSettings settings_;
  std::vector<Slot> slots_;
  std::vector<std::size_t> free_slots_;
  std::unordered_map<std::uint16_t, std::vector<std::size_t>> by_port_;  // bound slots per port
  UdpCounters counters_;
};

struct UdpLayer::Socket {
  wire::Ipv4Address local_address;
  std::uint16_t local_port = 0;
  wire::Ipv4Address remote_address;
  std::uint16_t remote_port = 0;
  bool broadcast = false;
  bool read_shut = false;
  bool write_shut = false;
  Errc pending_error = Errc::Ok;
  std::deque<UdpDatagram> queue;
  std::size_t queued_bytes = 0;
  std::uint64_t rx_datagrams = 0;
  std::uint64_t tx_datagrams = 0;
  std::uint64_t drops = 0;

  bool connected() const { return remote_port != 0; }
};
struct UdpLayer::Slot {
  std::uint32_t generation = 1;
  std::optional<Socket> socket;
};

}  // namespace tapstack::net
