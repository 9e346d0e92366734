#include "stack/net/udp_layer.hpp"

#include <algorithm>
#include <utility>

#include "stack/wire/udp.hpp"

namespace tapstack::net {
namespace {

// SocketId layout: low 20 bits slot + 1, high 12 bits generation.
constexpr std::uint32_t kSlotBits = 20;
constexpr std::size_t kMaxSlots = (std::size_t{1} << kSlotBits) - 1;
constexpr std::uint32_t kGenerationMask = (std::uint32_t{1} << (32 - kSlotBits)) - 1;

/// The error a connected socket reports for an ICMP message, or Ok for the
/// "soft" errors Linux does not report without IP_RECVERR (its
/// icmp_err_convert table; RFC 1122 §4.1.3.3 leaves reporting to us).
Errc hard_error(IcmpErrorInfo::Kind kind) {
  switch (kind) {
    case IcmpErrorInfo::Kind::PortUnreachable:
    case IcmpErrorInfo::Kind::ProtocolUnreachable:
      return Errc::ConnectionRefused;
    case IcmpErrorInfo::Kind::AdminProhibited:
      return Errc::HostUnreachable;
    default:
      return Errc::Ok;
  }
}

}  // namespace

UdpLayer::UdpLayer(Ipv4Output& ip, Rng& rng, EventQueue& events, const UdpSettings& settings)
    : ip_(ip), rng_(rng), events_(events), settings_(settings) {
  if (settings_.ephemeral_low > settings_.ephemeral_high) {
    std::swap(settings_.ephemeral_low, settings_.ephemeral_high);
  }
  settings_.ephemeral_low = std::max<std::uint16_t>(settings_.ephemeral_low, 1);
  settings_.ephemeral_high = std::max(settings_.ephemeral_high, settings_.ephemeral_low);
}

Result<SocketId> UdpLayer::open() {
  std::size_t slot = 0;
  if (!free_slots_.empty()) {
    slot = free_slots_.back();
    free_slots_.pop_back();
  } else {
    if (slots_.size() >= kMaxSlots) return Errc::TooManySockets;
    slot = slots_.size();
    slots_.emplace_back();
  }
  slots_[slot].socket.emplace();
  return id_of(slot);
}

std::size_t UdpLayer::slot_of(SocketId id) {
  // Slot bits 0 (no slot) wrap to SIZE_MAX, which no slot index reaches.
  return std::size_t{id.value & ((std::uint32_t{1} << kSlotBits) - 1)} - 1;
}

SocketId UdpLayer::id_of(std::size_t slot) const {
  return SocketId{(slots_[slot].generation << kSlotBits) | static_cast<std::uint32_t>(slot + 1)};
}

UdpLayer::Socket* UdpLayer::find(SocketId id) {
  return const_cast<Socket*>(std::as_const(*this).find(id));
}

const UdpLayer::Socket* UdpLayer::find(SocketId id) const {
  const std::size_t index = slot_of(id);
  if (index >= slots_.size()) return nullptr;
  const Slot& slot = slots_[index];
  if (!slot.socket || (id.value >> kSlotBits) != slot.generation) return nullptr;
  return &*slot.socket;
}

bool UdpLayer::port_conflicts(wire::Ipv4Address address, std::uint16_t port) const {
  const auto it = by_port_.find(port);
  if (it == by_port_.end()) return false;
  return std::any_of(it->second.begin(), it->second.end(), [&](std::size_t slot) {
    const auto other = slots_[slot].socket->local_address;
    return other.is_unspecified() || address.is_unspecified() || other == address;
  });
}

Result<std::uint16_t> UdpLayer::pick_ephemeral_port() const {
  // RFC 6056 §3.3.1 (Algorithm 1): a random starting point, then the next
  // free port, so consecutive binds are not predictable.
  const std::uint32_t count =
      std::uint32_t{settings_.ephemeral_high} - settings_.ephemeral_low + 1;
  const std::uint32_t offset = rng_.uniform(0, count - 1);
  for (std::uint32_t i = 0; i < count; ++i) {
    const auto port = static_cast<std::uint16_t>(settings_.ephemeral_low + (offset + i) % count);
    if (!by_port_.contains(port)) return port;
  }
  return Errc::NoPorts;
}

Result<void> UdpLayer::bind_socket(std::size_t slot, wire::Ipv4Address address,
                                   std::uint16_t port) {
  if (port == 0) {
    const auto picked = pick_ephemeral_port();
    if (!picked) return picked.error();
    port = *picked;
  } else if (port_conflicts(address, port)) {
    return Errc::AddressInUse;
  }
  Socket& s = *slots_[slot].socket;
  s.local_address = address;
  s.local_port = port;
  by_port_[port].push_back(slot);
  return {};
}

Result<void> UdpLayer::bind(SocketId id, wire::Ipv4Address address, std::uint16_t port) {
  const Socket* s = find(id);
  if (s == nullptr) return Errc::BadDescriptor;
  if (s->local_port != 0) return Errc::InvalidArgument;  // EINVAL, as Linux: already bound
  if (!address.is_unspecified() && !ip_.is_local_address(address)) {
    return Errc::AddressNotAvailable;
  }
  return bind_socket(slot_of(id), address, port);
}

Result<void> UdpLayer::ensure_bound(SocketId id) {
  const Socket* s = find(id);
  if (s->local_port != 0) return {};
  return bind_socket(slot_of(id),
                     wire::Ipv4Address::any(), 0);
}

bool UdpLayer::is_broadcast_destination(wire::Ipv4Address address) const {
  // A local address other than the interface's own is its subnet broadcast.
  return address.is_broadcast() || address.is_multicast() ||
         (ip_.is_local_address(address) && address != ip_.local_address());
}

Result<void> UdpLayer::connect(SocketId id, wire::Ipv4Address address, std::uint16_t port) {
  Socket* s = find(id);
  if (s == nullptr) return Errc::BadDescriptor;
  if (address.is_unspecified() || port == 0) return Errc::InvalidArgument;
  if (is_broadcast_destination(address) && !s->broadcast) return Errc::PermissionDenied;
  if (auto r = ensure_bound(id); !r) return r;
  s->remote_address = address;
  s->remote_port = port;
  s->pending_error = Errc::Ok;
  return {};
}

Result<void> UdpLayer::disconnect(SocketId id) {
  Socket* s = find(id);
  if (s == nullptr) return Errc::BadDescriptor;
  s->remote_address = wire::Ipv4Address::any();
  s->remote_port = 0;
  return {};
}

Result<std::size_t> UdpLayer::send_to(SocketId id, wire::Ipv4Address address,
                                      std::uint16_t port, Bytes data) {
  Socket* s = find(id);
  if (s == nullptr) return Errc::BadDescriptor;
  if (s->pending_error != Errc::Ok) return std::exchange(s->pending_error, Errc::Ok);
  if (s->write_shut) return Errc::Shutdown;
  if (data.size() > wire::kUdpMaxPayload) return Errc::MessageTooLong;
  if (address.is_unspecified() || port == 0) return Errc::InvalidArgument;
  if (is_broadcast_destination(address) && !s->broadcast) return Errc::PermissionDenied;
  if (auto r = ensure_bound(id); !r) return r.error();
  // RFC 1122 §4.1.3.5: the source is the bound address, or ours when bound
  // to the wildcard (or to a broadcast address, which may not be a source).
  const wire::Ipv4Address src =
      s->local_address.is_unspecified() || is_broadcast_destination(s->local_address)
          ? ip_.local_address()
          : s->local_address;
  const auto datagram = wire::build_udp(src, address, s->local_port, port, data);
  if (auto r = ip_.send_ipv4(src, address, IpProtocol::Udp, datagram, {}); !r) {
    ++counters_.tx_errors;
    return r.error();
  }
  ++s->tx_datagrams;
  ++counters_.tx_datagrams;
  counters_.tx_bytes += data.size();
  return data.size();
}

Result<std::size_t> UdpLayer::send(SocketId id, Bytes data) {
  const Socket* s = find(id);
  if (s == nullptr) return Errc::BadDescriptor;
  if (!s->connected()) return Errc::NotConnected;
  return send_to(id, s->remote_address, s->remote_port, data);
}

Result<UdpDatagram> UdpLayer::recv_from(SocketId id) {
  Socket* s = find(id);
  if (s == nullptr) return Errc::BadDescriptor;
  if (s->pending_error != Errc::Ok) return std::exchange(s->pending_error, Errc::Ok);
  if (s->queue.empty()) return s->read_shut ? Errc::Shutdown : Errc::WouldBlock;
  UdpDatagram d = std::move(s->queue.front());
  s->queue.pop_front();
  s->queued_bytes -= d.data.size();
  return d;
}

Result<void> UdpLayer::set_broadcast(SocketId id, bool enabled) {
  Socket* s = find(id);
  if (s == nullptr) return Errc::BadDescriptor;
  s->broadcast = enabled;
  return {};
}

Result<void> UdpLayer::shutdown(SocketId id, bool read, bool write) {
  Socket* s = find(id);
  if (s == nullptr) return Errc::BadDescriptor;
  s->read_shut = s->read_shut || read;
  s->write_shut = s->write_shut || write;
  // Wake a reader blocked on the socket so it sees end of file.
  if (read) events_.push({IpProtocol::Udp, id, SocketEventKind::Readable, Errc::Ok});
  if (!s->connected()) return Errc::NotConnected;
  return {};
}

Result<void> UdpLayer::close(SocketId id) {
  if (find(id) == nullptr) return Errc::BadDescriptor;
  const std::size_t slot = slot_of(id);
  Slot& entry = slots_[slot];
  if (const std::uint16_t port = entry.socket->local_port; port != 0) {
    auto& bound = by_port_[port];
    std::erase(bound, slot);
    if (bound.empty()) by_port_.erase(port);
  }
  entry.socket.reset();
  entry.generation = (entry.generation + 1) & kGenerationMask;
  if (entry.generation == 0) entry.generation = 1;
  free_slots_.push_back(slot);
  return {};
}

std::size_t UdpLayer::pending(SocketId id) const {
  const Socket* s = find(id);
  return s == nullptr ? 0 : s->queue.size();
}

std::size_t UdpLayer::next_datagram_size(SocketId id) const {
  const Socket* s = find(id);
  return (s == nullptr || s->queue.empty()) ? 0 : s->queue.front().data.size();
}

Result<UdpSocketInfo> UdpLayer::info(SocketId id) const {
  const Socket* s = find(id);
  if (s == nullptr) return Errc::BadDescriptor;
  UdpSocketInfo out;
  out.id = id;
  out.local_address = s->local_address;
  out.local_port = s->local_port;
  out.remote_address = s->remote_address;
  out.remote_port = s->remote_port;
  out.broadcast = s->broadcast;
  out.queued_datagrams = s->queue.size();
  out.queued_bytes = s->queued_bytes;
  out.rx_datagrams = s->rx_datagrams;
  out.tx_datagrams = s->tx_datagrams;
  out.drops = s->drops;
  return out;
}

std::vector<UdpSocketInfo> UdpLayer::list() const {
  std::vector<UdpSocketInfo> out;
  for (std::size_t slot = 0; slot < slots_.size(); ++slot) {
    if (slots_[slot].socket) out.push_back(*info(id_of(slot)));
  }
  return out;
}

std::vector<std::size_t> UdpLayer::matching_sockets(const Ipv4PacketInfo& info,
                                                    std::uint16_t src_port,
                                                    std::uint16_t dst_port) const {
  std::vector<std::size_t> out;
  const auto it = by_port_.find(dst_port);
  if (it == by_port_.end()) return out;
  const bool broadcast = info.link_broadcast || is_broadcast_destination(info.dst);
  int best_score = -1;
  for (const std::size_t slot : it->second) {
    const Socket& s = *slots_[slot].socket;
    if (!s.local_address.is_unspecified() && s.local_address != info.dst) continue;
    if (s.connected() && (s.remote_address != info.src || s.remote_port != src_port)) continue;
    if (broadcast) {
      // Broadcasts go to every socket that asked for them, and no other.
      if (s.broadcast) out.push_back(slot);
      continue;
    }
    // Unicast: the most specific socket wins (connected, then bound address).
    const int score = (s.connected() ? 2 : 0) + (s.local_address.is_unspecified() ? 0 : 1);
    if (score > best_score) {
      best_score = score;
      out.assign(1, slot);
    }
  }
  return out;
}

void UdpLayer::enqueue(std::size_t slot, const Ipv4PacketInfo& info, std::uint16_t src_port,
                       Bytes data) {
  Socket& s = *slots_[slot].socket;
  if (s.read_shut) {
    ++s.drops;
    ++counters_.rx_shut_down;
    return;
  }
  // Bounded queue; one datagram larger than the byte bound still fits into an
  // empty queue so it can be read at all.
  const bool full = s.queue.size() >= settings_.recv_queue_datagrams ||
                    (!s.queue.empty() && s.queued_bytes + data.size() > settings_.recv_queue_bytes);
  if (full) {
    ++s.drops;
    ++counters_.rx_queue_overflow;
    return;
  }
  const bool was_empty = s.queue.empty();
  s.queue.push_back(UdpDatagram{info.src, src_port, {data.begin(), data.end()}});
  s.queued_bytes += data.size();
  ++s.rx_datagrams;
  ++counters_.rx_datagrams;
  counters_.rx_bytes += data.size();
  if (was_empty) events_.push({IpProtocol::Udp, id_of(slot), SocketEventKind::Readable, Errc::Ok});
}

TransportProtocol::Delivery UdpLayer::on_ipv4_packet(const Ipv4PacketInfo& info, Bytes payload,
                                                     Instant /*now*/) {
  const auto parsed = wire::parse_udp(payload, info.src, info.dst, !info.checksum_trusted);
  switch (parsed.status) {
    case wire::UdpParseStatus::Ok: break;
    case wire::UdpParseStatus::TooShort: ++counters_.rx_too_short; return Delivery::Delivered;
    case wire::UdpParseStatus::BadLength: ++counters_.rx_bad_length; return Delivery::Delivered;
    case wire::UdpParseStatus::BadChecksum: ++counters_.rx_bad_checksum; return Delivery::Delivered;
  }
  const wire::UdpRepr& udp = parsed.repr;
  if (!udp.had_checksum) ++counters_.rx_no_checksum;
  const auto targets = matching_sockets(info, udp.src_port, udp.dst_port);
  if (targets.empty()) {
    // RFC 1122 §3.2.2: never an ICMP error for a broadcast or multicast.
    if (info.link_broadcast || is_broadcast_destination(info.dst)) {
      ++counters_.rx_broadcast_no_port;
      return Delivery::Delivered;
    }
    ++counters_.rx_no_port;  // RFC 1122 §4.1.3.1: port unreachable
    return Delivery::NoListener;
  }
  for (const std::size_t slot : targets) enqueue(slot, info, udp.src_port, udp.payload);
  return Delivery::Delivered;
}

void UdpLayer::on_icmp_error(const IcmpErrorInfo& error, Instant /*now*/) {
  if (error.protocol != IpProtocol::Udp || error.transport_header.size() < 4) {
    ++counters_.icmp_errors_ignored;
    return;
  }
  const std::uint16_t src_port = load_be16(error.transport_header, 0);
  const std::uint16_t dst_port = load_be16(error.transport_header, 2);
  const auto owner = error_owner(error, src_port, dst_port);
  if (!owner) {
    ++counters_.icmp_errors_ignored;  // quotes a datagram no socket of ours sent
    return;
  }
  if (error.kind == IcmpErrorInfo::Kind::FragmentationNeeded && error.next_hop_mtu != 0) {
    ip_.note_path_mtu(error.original_dst, error.next_hop_mtu);  // RFC 1191, RFC 8201 §4
  }
  // Only a connected socket learns of the error (BSD/Linux behaviour): an
  // unconnected one cannot tell which of its peers the error concerns.
  Socket& s = *slots_[*owner].socket;
  const Errc reported = hard_error(error.kind);
  if (reported == Errc::Ok || !s.connected()) {
    ++counters_.icmp_errors_ignored;
    return;
  }
  s.pending_error = reported;
  ++counters_.icmp_errors_delivered;
  events_.push({IpProtocol::Udp, id_of(*owner), SocketEventKind::Readable, reported});
}

std::optional<std::size_t> UdpLayer::error_owner(const IcmpErrorInfo& error,
                                                 std::uint16_t src_port,
                                                 std::uint16_t dst_port) const {
  // The socket that could have sent the quoted datagram: bound to its source
  // port and address, and if connected, connected to its destination; a
  // connected match wins over an unconnected one.
  const auto it = by_port_.find(src_port);
  if (it == by_port_.end()) return std::nullopt;
  std::optional<std::size_t> unconnected;
  for (const std::size_t slot : it->second) {
    const Socket& s = *slots_[slot].socket;
    if (!s.local_address.is_unspecified() && s.local_address != error.original_src) continue;
    if (!s.connected()) {
      if (!unconnected) unconnected = slot;
      continue;
    }
    if (s.remote_address == error.original_dst && s.remote_port == dst_port) return slot;
  }
  return unconnected;
}

void UdpLayer::poll(Instant /*now*/) {}

Instant UdpLayer::next_deadline() const { return Instant::max(); }

}  // namespace tapstack::net
