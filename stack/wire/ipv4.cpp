#include "stack/wire/ipv4.hpp"

#include "stack/wire/checksum.hpp"

namespace tapstack::wire {
namespace {

// The fields both parse() flavours check: version, IHL, header present.
bool header_plausible(Bytes bytes) {
  if (bytes.size() < kIpv4MinHeaderSize) return false;
  const std::size_t ihl = std::size_t{bytes[0] & 0x0fu} * 4;
  return (bytes[0] >> 4) == 4 && ihl >= kIpv4MinHeaderSize && ihl <= bytes.size() &&
         load_be16(bytes, 2) >= ihl;
}

}  // namespace

std::optional<Ipv4View> Ipv4View::parse(Bytes bytes) {
  if (!header_plausible(bytes)) return std::nullopt;
  const std::size_t total = load_be16(bytes, 2);
  if (total > bytes.size()) return std::nullopt;
  return Ipv4View{bytes.first(total)};
}

std::optional<Ipv4View> Ipv4View::parse_quoted(Bytes bytes) {
  if (!header_plausible(bytes)) return std::nullopt;
  const std::size_t total = load_be16(bytes, 2);
  return Ipv4View{bytes.first(total < bytes.size() ? total : bytes.size())};
}

bool Ipv4View::checksum_valid() const { return internet_checksum(header()) == 0; }

Ipv4Header Ipv4Header::decode(const Ipv4View& view) {
  return {view.tos(),
          view.identification(),
          view.dont_fragment(),
          view.more_fragments(),
          static_cast<std::uint16_t>(view.fragment_offset()),
          view.ttl(),
          view.protocol(),
          view.source(),
          view.destination(),
          static_cast<std::uint16_t>(view.total_length() - view.header_length())};
}

void Ipv4Header::emit(MutableBytes out) const {
  out[0] = 0x45;  // version 4, IHL 5: no options
  out[1] = tos;
  store_be16(out, 2, static_cast<std::uint16_t>(wire_size() + payload_length));
  store_be16(out, 4, identification);
  const std::uint16_t flags = static_cast<std::uint16_t>((dont_fragment ? 0x4000 : 0) |
                                                         (more_fragments ? 0x2000 : 0));
  store_be16(out, 6, static_cast<std::uint16_t>(flags | ((fragment_offset / 8) & 0x1fff)));
  out[8] = ttl;
  out[9] = protocol;
  store_be16(out, 10, 0);
  store_be32(out, 12, source.value());
  store_be32(out, 16, destination.value());
  store_be16(out, 10, internet_checksum(Bytes(out).first(wire_size())));
}

void ipv4_rewrite_length_and_fragment(MutableBytes datagram, std::uint16_t total_length,
                                      std::uint16_t flags_and_offset) {
  const std::size_t ihl = std::size_t{datagram[0] & 0x0fu} * 4;
  store_be16(datagram, 2, total_length);
  store_be16(datagram, 6, flags_and_offset);
  store_be16(datagram, 10, 0);
  store_be16(datagram, 10, internet_checksum(Bytes(datagram).first(ihl)));
}

}  // namespace tapstack::wire
