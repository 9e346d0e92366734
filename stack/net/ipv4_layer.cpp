#include "stack/net/ipv4_layer.hpp"

#include <algorithm>

#include "stack/net/icmp_layer.hpp"

namespace tapstack::net {
namespace {

// RFC 1112 §6.4: 01:00:5e followed by the low 23 bits of the group address.
wire::MacAddress multicast_mac(wire::Ipv4Address group) {
  const auto v = group.value();
  return wire::MacAddress{{0x01, 0x00, 0x5e, static_cast<std::uint8_t>((v >> 16) & 0x7f),
                           static_cast<std::uint8_t>(v >> 8), static_cast<std::uint8_t>(v)}};
}

}  // namespace

std::size_t plateau_below(std::size_t total_length) {
  static constexpr std::array<std::size_t, 11> kPlateaus{65535, 32000, 17914, 8166, 4352, 2002,
                                                         1492,  1006,  508,   296,  68};
  for (const auto p : kPlateaus) {
    if (p < total_length) return p;
  }
  return kPlateaus.back();
}

Ipv4Layer::Ipv4Layer(const Ipv4Settings& settings, std::optional<wire::Ipv4Address> gateway,
                     Interface& interface, ArpCache& arp, Rng& rng)
    : settings_(settings),
      gateway_(gateway),
      interface_(interface),
      arp_(arp),
      reassembler_(settings.reassembly, rng),
      scratch_(interface.mtu()),
      ids_(rng) {
  arp_.set_unresolved_handler([this](Bytes datagram, Instant now) { on_unresolved(datagram, now); });
}

void Ipv4Layer::register_transport(IpProtocol protocol, TransportProtocol& transport) {
  transports_[static_cast<std::uint8_t>(protocol)] = &transport;
}

bool Ipv4Layer::is_broadcast(wire::Ipv4Address a) const {
  const auto& cidr = interface_.address();
  // A /31 or /32 has no subnet broadcast address (RFC 3021).
  const bool subnet_broadcast = cidr.prefix_len < 31 && a == cidr.subnet_broadcast();
  return a.is_broadcast() || a.is_multicast() || subnet_broadcast;
}

bool Ipv4Layer::is_local_address(wire::Ipv4Address a) const {
  return a == local_address() || a.is_broadcast() ||
         (interface_.address().prefix_len < 31 && a == interface_.address().subnet_broadcast());
}

bool Ipv4Layer::acceptable_source(wire::Ipv4Address src) const {
  // RFC 1122 §3.2.1.3: a broadcast, multicast or loopback source is discarded.
  return !is_broadcast(src) && !src.is_loopback();
}

void Ipv4Layer::receive(Bytes packet, bool link_broadcast, Instant now, bool checksum_trusted) {
  ++counters_.rx_packets;
  const auto view = wire::Ipv4View::parse(packet);
  if (!view) {
    ++counters_.rx_dropped_malformed;
    return;
  }
  if (!view->checksum_valid()) {  // RFC 1122 §3.2.1.2: MUST verify, silently discard
    ++counters_.rx_dropped_bad_checksum;
    return;
  }
  // We are a host, not a router (RFC 1122 §3.3.4.2 style): only our address
  // and broadcasts are ours; multicast groups are not joined.
  if (!is_local_address(view->destination())) {
    ++counters_.rx_dropped_not_for_us;
    return;
  }
  if (!acceptable_source(view->source())) {
    ++counters_.rx_dropped_bad_source;
    return;
  }
  const bool broadcast = link_broadcast || view->destination() != local_address();
  if (!view->is_fragment()) {
    deliver(*view, broadcast, checksum_trusted, now);
    return;
  }
  ++counters_.rx_fragments;
  const auto whole = reassembler_.add(*view, now);
  if (!whole) return;
  // The link's word covers the frame it handed over, never a reassembled whole.
  if (const auto datagram = wire::Ipv4View::parse(*whole)) deliver(*datagram, broadcast, false, now);
}

void Ipv4Layer::deliver(const wire::Ipv4View& datagram, bool broadcast, bool checksum_trusted,
                        Instant now) {
  const Ipv4PacketInfo info{datagram.source(), datagram.destination(), datagram.ttl(),
                            datagram.tos(), broadcast, checksum_trusted};
  if (datagram.protocol() == static_cast<std::uint8_t>(IpProtocol::Icmp) && icmp_ != nullptr) {
    ++counters_.rx_delivered;
    icmp_->receive(datagram, info, now);
    return;
  }
  TransportProtocol* transport = transports_[datagram.protocol()];
  if (transport == nullptr) {
    // RFC 1122 §3.2.2.1: protocol unreachable for an unknown transport.
    ++counters_.rx_dropped_no_protocol;
    if (icmp_ != nullptr) icmp_->send_unreachable(wire::UnreachableCode::Protocol, datagram, broadcast, now);
    return;
  }
  if (transport->on_ipv4_packet(info, datagram.payload(), now) == TransportProtocol::Delivery::NoListener) {
    ++counters_.rx_dropped_no_listener;
    if (icmp_ != nullptr) icmp_->send_unreachable(wire::UnreachableCode::Port, datagram, broadcast, now);
    return;
  }
  ++counters_.rx_delivered;
}

void Ipv4Layer::poll(Instant now) {
  now_ = now;
  for (const auto& quote : reassembler_.expire(now)) {
    if (icmp_ != nullptr) icmp_->send_reassembly_timeout(quote, now);
  }
}

bool Ipv4Layer::deliver_error(IcmpErrorInfo::Kind kind, std::uint8_t type, std::uint8_t code,
                              std::uint16_t next_hop_mtu, const wire::Ipv4View& original,
                              Instant now) {
  TransportProtocol* transport = transports_[original.protocol()];
  if (transport == nullptr) return false;
  IcmpErrorInfo info;
  info.kind = kind;
  info.type = type;
  info.code = code;
  info.next_hop_mtu = next_hop_mtu;
  info.original_src = original.source();
  info.original_dst = original.destination();
  info.protocol = static_cast<IpProtocol>(original.protocol());
  info.transport_header = original.payload();
  transport->on_icmp_error(info, now);
  return true;
}

void Ipv4Layer::on_unresolved(Bytes datagram, Instant now) {
  // One report per datagram: only its first fragment carries the transport header.
  const auto view = wire::Ipv4View::parse(datagram);
  if (!view || view->fragment_offset() != 0) return;
  if (view->protocol() == static_cast<std::uint8_t>(IpProtocol::Icmp)) {
    if (icmp_ != nullptr) icmp_->on_unresolved(*view, now);
    return;
  }
  // RFC 1122 §2.3.2.2 lets ARP failures surface like ICMP host unreachable.
  deliver_error(IcmpErrorInfo::Kind::HostUnreachable,
                static_cast<std::uint8_t>(wire::IcmpType::DestUnreachable),
                static_cast<std::uint8_t>(wire::UnreachableCode::Host), 0, *view, now);
}

bool Ipv4Layer::resolving(wire::Ipv4Address dst) const {
  const auto r = lookup(dst);
  return r && !r->mac && arp_.resolving(r->next_hop);
}

std::optional<Ipv4Layer::Route> Ipv4Layer::lookup(wire::Ipv4Address dst) const {
  if (dst.is_broadcast() || (interface_.address().prefix_len < 31 &&
                             dst == interface_.address().subnet_broadcast())) {
    return Route{dst, wire::MacAddress::broadcast()};
  }
  if (dst.is_multicast()) return Route{dst, multicast_mac(dst)};
  if (interface_.address().contains(dst)) return Route{dst, std::nullopt};
  if (gateway_) return Route{*gateway_, std::nullopt};
  return std::nullopt;
}

Result<Ipv4Layer::Route> Ipv4Layer::route(wire::Ipv4Address dst) {
  if (auto r = lookup(dst)) return *r;
  ++counters_.tx_dropped_no_route;
  return Errc::NetworkUnreachable;
}

void Ipv4Layer::output(const Route& r, Bytes datagram) {
  if (r.mac) {
    interface_.transmit(*r.mac, wire::EtherType::Ipv4, datagram);
  } else {
    arp_.send_ipv4(r.next_hop, datagram, now_);
  }
}

Result<void> Ipv4Layer::send_ipv4(wire::Ipv4Address src, wire::Ipv4Address dst,
                                  IpProtocol protocol, Bytes payload,
                                  const Ipv4SendOptions& options) {
  if (src.is_unspecified()) src = local_address();
  if (src != local_address() || dst.is_unspecified() || dst.is_loopback()) {
    ++counters_.tx_dropped_bad_address;
    return src != local_address() ? Errc::AddressNotAvailable : Errc::InvalidArgument;
  }
  const auto r = route(dst);
  if (!r) return r.error();
  const std::size_t header = wire::Ipv4Header::wire_size();
  const std::size_t mtu = r->mac ? interface_.mtu() : path_mtu(dst);
  // RFC 791: offsets count 8-byte units, so every fragment but the last
  // carries a multiple of 8 bytes.
  const std::size_t chunk = mtu > header ? (mtu - header) & ~std::size_t{7} : 0;
  const bool fits = header + payload.size() <= mtu;
  const bool segmented = !fits && options.segment_size != 0 && protocol == IpProtocol::Tcp;
  if (header + payload.size() > wire::kIpv4MaxDatagramSize ||
      (!fits && !segmented && options.dont_fragment) || chunk == 0) {
    ++counters_.tx_dropped_too_big;
    return Errc::MessageTooLong;
  }
  wire::Ipv4Header h;
  h.tos = static_cast<std::uint8_t>((options.tos & ~3u) | static_cast<unsigned>(options.ecn));
  // A super-segment takes one ID per segment the link cuts from it.
  const std::size_t ids =
      segmented ? (payload.size() + options.segment_size - 1) / options.segment_size : 1;
  h.identification = ids_.reserve(src, dst, static_cast<std::uint8_t>(protocol),
                                  static_cast<std::uint16_t>(ids), now_);
  h.dont_fragment = options.dont_fragment;
  h.ttl = options.ttl != 0 ? options.ttl : settings_.ttl;
  h.protocol = static_cast<std::uint8_t>(protocol);
  h.source = src;
  h.destination = dst;
  if (segmented) return send_segmented(*r, h, payload, options.segment_size);
  const std::size_t step = fits ? payload.size() : chunk;
  std::size_t offset = 0;
  do {
    const std::size_t size = std::min(step, payload.size() - offset);
    h.fragment_offset = static_cast<std::uint16_t>(offset);
    h.more_fragments = offset + size < payload.size();
    h.payload_length = static_cast<std::uint16_t>(size);
    const MutableBytes out = MutableBytes(scratch_).first(header + size);
    h.emit(out);
    const auto part = payload.subspan(offset, size);
    std::copy(part.begin(), part.end(), out.subspan(header).begin());
    output(*r, out);
    offset += size;
    if (!fits) ++counters_.tx_fragments;
  } while (offset < payload.size());
  ++counters_.tx_packets;
  if (!fits) ++counters_.tx_fragmented_datagrams;
  return {};
}

// The link cuts the datagram into segments that each fit the MTU, as DF
// datagrams with consecutive ids (send_ipv4 reserved one per segment). It needs the next hop's MAC now: a
// super-frame does not wait in the ARP queue (TCP sends it again, cut).
Result<void> Ipv4Layer::send_segmented(const Route& r, wire::Ipv4Header h, Bytes payload,
                                       std::uint16_t segment_size) {
  const auto mac = r.mac ? r.mac : arp_.lookup(r.next_hop);
  if (!mac) {
    ++counters_.tx_dropped_offload_unresolved;
    return Errc::WouldBlock;
  }
  h.dont_fragment = true;
  h.payload_length = static_cast<std::uint16_t>(payload.size());
  const std::size_t header = wire::Ipv4Header::wire_size();
  super_datagram_.resize(header + payload.size());
  const MutableBytes out(super_datagram_);
  h.emit(out);
  std::copy(payload.begin(), payload.end(), out.subspan(header).begin());
  interface_.transmit_segmented(*mac, out, segment_size);
  ++counters_.tx_packets;
  return {};
}

std::size_t Ipv4Layer::link_mtu() const { return interface_.mtu(); }

std::size_t Ipv4Layer::path_mtu(wire::Ipv4Address dst) const {
  for (const auto& p : path_mtus_) {
    if (p.destination == dst && p.expires > now_) return p.mtu;
  }
  return interface_.mtu();
}

void Ipv4Layer::note_path_mtu(wire::Ipv4Address dst, std::size_t mtu) {
  mtu = std::clamp(mtu, kMinPathMtu, std::max(kMinPathMtu, interface_.mtu()));
  if (mtu >= path_mtu(dst)) return;  // RFC 1191 §6.3: only ever lowered by a report
  ++counters_.path_mtu_updates;
  const Instant expires = now_ + settings_.path_mtu_timeout;
  auto it = std::find_if(path_mtus_.begin(), path_mtus_.end(),
                         [&](const PathMtu& p) { return p.destination == dst || p.expires <= now_; });
  if (it == path_mtus_.end() && path_mtus_.size() < settings_.path_mtu_entries) {
    path_mtus_.push_back({dst, mtu, expires});
    return;
  }
  if (it == path_mtus_.end()) {
    it = std::min_element(path_mtus_.begin(), path_mtus_.end(),
                          [](const PathMtu& a, const PathMtu& b) { return a.expires < b.expires; });
  }
  if (it != path_mtus_.end()) *it = {dst, mtu, expires};
}

}  // namespace tapstack::net
