#include "stack/net/icmp_layer.hpp"

#include <algorithm>
#include <utility>

#include "stack/net/ipv4_layer.hpp"

namespace tapstack::net {
namespace {

using Kind = IcmpErrorInfo::Kind;

// RFC 792 and RFC 1122 §3.2.2.1 destination unreachable codes → what a transport sees.
Kind unreachable_kind(std::uint8_t code) {
  switch (code) {
    case 0: case 6: case 11: return Kind::NetUnreachable;
    case 1: case 7: case 12: return Kind::HostUnreachable;
    case 2: return Kind::ProtocolUnreachable;
    case 3: return Kind::PortUnreachable;
    case 4: return Kind::FragmentationNeeded;
    case 5: return Kind::SourceRoute;
    case 9: case 10: case 13: return Kind::AdminProhibited;
    default: return Kind::Other;
  }
}

std::uint32_t ping_key(std::uint16_t ident, std::uint16_t seq) {
  return (std::uint32_t{ident} << 16) | seq;
}

}  // namespace

IcmpLayer::IcmpLayer(const IcmpSettings& settings, Ipv4Layer& ipv4)
    : settings_(settings), ipv4_(ipv4), bucket_(settings.error_rate_per_second, settings.error_burst) {}

void IcmpLayer::receive(const wire::Ipv4View& datagram, const Ipv4PacketInfo& info, Instant now) {
  ++counters_.rx_messages;
  const auto icmp = wire::IcmpView::parse(datagram.payload());
  if (!icmp) {
    ++counters_.rx_dropped_malformed;
    return;
  }
  if (!icmp->checksum_valid()) {  // RFC 1122 §3.2.2: silently discard on a bad checksum
    ++counters_.rx_dropped_bad_checksum;
    return;
  }
  switch (static_cast<wire::IcmpType>(icmp->type())) {
    case wire::IcmpType::EchoRequest: on_echo_request(*icmp, info); return;
    case wire::IcmpType::EchoReply: on_echo_reply(*icmp, info, now); return;
    case wire::IcmpType::DestUnreachable:
      ++counters_.rx_dest_unreachable;
      on_error(*icmp, now);
      return;
    case wire::IcmpType::TimeExceeded:
      ++counters_.rx_time_exceeded;
      on_error(*icmp, now);
      return;
    case wire::IcmpType::ParameterProblem: on_error(*icmp, now); return;
    case wire::IcmpType::SourceQuench:  // RFC 6633: hosts ignore it
    case wire::IcmpType::Redirect:      // we route only to our one gateway
      break;
  }
  ++counters_.rx_dropped_other_type;
}

void IcmpLayer::on_echo_request(const wire::IcmpView& icmp, const Ipv4PacketInfo& info) {
  ++counters_.rx_echo_requests;
  if (info.link_broadcast) {  // RFC 1122 §3.2.2.6: MAY be silently discarded (Linux default)
    ++counters_.rx_echo_dropped_broadcast;
    return;
  }
  // RFC 792: the reply carries the request's identifier, sequence and data.
  const Bytes body = icmp.body();
  scratch_.resize(wire::kIcmpHeaderSize + body.size());
  std::copy(body.begin(), body.end(), scratch_.begin() + wire::kIcmpHeaderSize);
  wire::IcmpHeader::echo(wire::IcmpType::EchoReply, icmp.ident(), icmp.sequence()).emit(scratch_);
  if (ipv4_.send_ipv4(ipv4_.local_address(), info.src, IpProtocol::Icmp, scratch_, {})) {
    ++counters_.tx_echo_replies;
  } else {
    ++counters_.tx_failed;
  }
}

void IcmpLayer::on_echo_reply(const wire::IcmpView& icmp, const Ipv4PacketInfo& info, Instant now) {
  ++counters_.rx_echo_replies;
  const auto it = outstanding_.find(ping_key(icmp.ident(), icmp.sequence()));
  const bool matches = it != outstanding_.end() &&
                       (it->second.dst == info.src || ipv4_.is_broadcast(it->second.dst));
  if (!matches) {
    ++counters_.rx_echo_replies_unmatched;
    return;
  }
  replies_.push_back({icmp.ident(), icmp.sequence(), info.src, info.ttl, icmp.body().size(),
                      it->second.sent_at, now});
  // A broadcast ping may draw many replies; keep it until it times out.
  if (!ipv4_.is_broadcast(it->second.dst)) outstanding_.erase(it);
}

void IcmpLayer::on_unresolved(const wire::Ipv4View& datagram, Instant now) {
  // The first fragment carries the echo header; the checksum covers all
  // fragments, so the fields are read directly.
  const Bytes icmp = datagram.payload();
  if (icmp.size() < wire::kIcmpHeaderSize ||
      icmp[0] != static_cast<std::uint8_t>(wire::IcmpType::EchoRequest)) {
    return;
  }
  const auto ident = static_cast<std::uint16_t>((icmp[4] << 8) | icmp[5]);
  const auto seq = static_cast<std::uint16_t>((icmp[6] << 8) | icmp[7]);
  const auto it = outstanding_.find(ping_key(ident, seq));
  if (it == outstanding_.end() || it->second.dst != datagram.destination()) return;
  ++counters_.tx_echo_unresolved;
  PingReply reply{ident, seq, ipv4_.local_address(), 0, 0, it->second.sent_at, now};
  reply.host_unreachable = true;
  replies_.push_back(reply);
  outstanding_.erase(it);
}

bool IcmpLayer::awaiting_resolution(std::uint16_t ident, std::uint16_t seq) const {
  const auto it = outstanding_.find(ping_key(ident, seq));
  return it != outstanding_.end() && ipv4_.resolving(it->second.dst);
}

void IcmpLayer::on_error(const wire::IcmpView& icmp, Instant now) {
  // RFC 792: the body quotes the original IP header and 64 bits of its data.
  const auto original = wire::Ipv4View::parse_quoted(icmp.body());
  if (!original || original->payload().size() < 8) {
    ++counters_.rx_errors_dropped_malformed;
    return;
  }
  if (original->source() != ipv4_.local_address()) {
    ++counters_.rx_errors_dropped_not_ours;
    return;
  }
  Kind kind = Kind::Other;
  std::uint16_t mtu = 0;
  switch (static_cast<wire::IcmpType>(icmp.type())) {
    case wire::IcmpType::DestUnreachable: kind = unreachable_kind(icmp.code()); break;
    case wire::IcmpType::TimeExceeded: kind = Kind::TimeExceeded; break;
    default: kind = Kind::ParameterProblem; break;
  }
  if (kind == Kind::FragmentationNeeded) {
    // RFC 1191 §4: next-hop MTU, or §5's plateau guess when a router says 0.
    // Only the transport that owns the quoted flow may act on it (RFC 5927
    // §7.2, RFC 8201 §4): any host on the link can send this message.
    mtu = icmp.next_hop_mtu();
    if (mtu == 0) mtu = static_cast<std::uint16_t>(plateau_below(original->total_length()));
  }
  if (!ipv4_.deliver_error(kind, icmp.type(), icmp.code(), mtu, *original, now)) {
    ++counters_.rx_errors_dropped_no_transport;
  }
}

bool IcmpLayer::may_send_error(const wire::Ipv4View& original, bool broadcast, Instant now) {
  // RFC 1122 §3.2.2: never about an ICMP error, a broadcast or multicast
  // datagram, a non-first fragment, or a source that is not a single host.
  const Bytes data = original.payload();
  const bool about_icmp_error = original.protocol() == static_cast<std::uint8_t>(IpProtocol::Icmp) &&
                                (data.empty() || wire::is_icmp_error_type(data[0]));
  const auto src = original.source();
  if (about_icmp_error || broadcast || ipv4_.is_broadcast(original.destination()) ||
      original.fragment_offset() != 0 || src.is_unspecified() || ipv4_.is_broadcast(src) ||
      src.is_loopback()) {
    ++counters_.tx_errors_suppressed;
    return false;
  }
  if (!bucket_.take(now)) {
    ++counters_.tx_errors_rate_limited;
    return false;
  }
  return true;
}

void IcmpLayer::send_error(wire::IcmpType type, std::uint8_t code, const wire::Ipv4View& original) {
  // RFC 792: the original header plus the first 64 bits of its data.
  const Bytes quote = original.bytes().first(
      std::min(original.bytes().size(), original.header_length() + 8));
  scratch_.resize(wire::kIcmpHeaderSize + quote.size());
  std::copy(quote.begin(), quote.end(), scratch_.begin() + wire::kIcmpHeaderSize);
  wire::IcmpHeader{static_cast<std::uint8_t>(type), code, 0}.emit(scratch_);
  if (ipv4_.send_ipv4(ipv4_.local_address(), original.source(), IpProtocol::Icmp, scratch_, {})) {
    ++(type == wire::IcmpType::TimeExceeded ? counters_.tx_time_exceeded
                                            : counters_.tx_dest_unreachable);
  } else {
    ++counters_.tx_failed;
  }
}

void IcmpLayer::send_unreachable(wire::UnreachableCode code, const wire::Ipv4View& datagram,
                                 bool broadcast, Instant now) {
  if (!may_send_error(datagram, broadcast, now)) return;
  send_error(wire::IcmpType::DestUnreachable, static_cast<std::uint8_t>(code), datagram);
}

void IcmpLayer::send_reassembly_timeout(Bytes quote, Instant now) {
  const auto original = wire::Ipv4View::parse_quoted(quote);
  if (!original || !may_send_error(*original, false, now)) return;
  send_error(wire::IcmpType::TimeExceeded,
             static_cast<std::uint8_t>(wire::TimeExceededCode::ReassemblyTimeout), *original);
}

Result<std::uint16_t> IcmpLayer::ping(wire::Ipv4Address dst, std::uint16_t ident,
                                      std::uint16_t seq, Bytes payload, Instant now) {
  std::erase_if(outstanding_, [&](const auto& entry) {
    return entry.second.sent_at + settings_.ping_timeout <= now;
  });
  if (outstanding_.size() >= settings_.max_outstanding_pings) return Errc::NoBufferSpace;
  scratch_.resize(wire::kIcmpHeaderSize + payload.size());
  std::copy(payload.begin(), payload.end(), scratch_.begin() + wire::kIcmpHeaderSize);
  wire::IcmpHeader::echo(wire::IcmpType::EchoRequest, ident, seq).emit(scratch_);
  ipv4_.set_now(now);
  if (const auto sent = ipv4_.send_ipv4(wire::Ipv4Address::any(), dst, IpProtocol::Icmp, scratch_, {});
      !sent) {
    ++counters_.tx_failed;
    return sent.error();
  }
  ++counters_.tx_echo_requests;
  outstanding_[ping_key(ident, seq)] = {dst, now};
  return seq;
}

}  // namespace tapstack::net
