#include "stack/wire/udp.hpp"

#include <algorithm>

#include "stack/wire/checksum.hpp"

namespace tapstack::wire {
namespace {

constexpr std::size_t kSrcPort = 0;
constexpr std::size_t kDstPort = 2;
constexpr std::size_t kLength = 4;
constexpr std::size_t kChecksum = 6;

}  // namespace

UdpParsed parse_udp(Bytes datagram, Ipv4Address src, Ipv4Address dst, bool verify_checksum) {
  UdpParsed out;
  if (datagram.size() < kUdpHeaderLen) {
    out.status = UdpParseStatus::TooShort;
    return out;
  }
  const std::uint16_t length = load_be16(datagram, kLength);
  if (length < kUdpHeaderLen || length > datagram.size()) {
    out.status = UdpParseStatus::BadLength;
    return out;
  }
  const Bytes whole = datagram.first(length);
  const std::uint16_t checksum = load_be16(whole, kChecksum);
  if (checksum != 0 && verify_checksum) {
    // Summing the datagram with its checksum field included yields 0 when it
    // verifies; this also accepts 0xffff, the transmitted form of a zero sum.
    InternetChecksum c = pseudo_header_checksum(src, dst, kUdpProtocolNumber, length);
    c.add(whole);
    if (c.finish() != 0) {
      out.status = UdpParseStatus::BadChecksum;
      return out;
    }
  }
  out.repr.src_port = load_be16(whole, kSrcPort);
  out.repr.dst_port = load_be16(whole, kDstPort);
  out.repr.had_checksum = checksum != 0;
  out.repr.payload = whole.subspan(kUdpHeaderLen);
  return out;
}

std::uint16_t udp_checksum(Bytes datagram, Ipv4Address src, Ipv4Address dst) {
  InternetChecksum c = pseudo_header_checksum(src, dst, kUdpProtocolNumber,
                                              static_cast<std::uint16_t>(datagram.size()));
  c.add(datagram);
  const std::uint16_t sum = c.finish();
  return sum == 0 ? 0xffff : sum;  // RFC 768: an all-zero result goes out as all ones
}

std::vector<std::uint8_t> build_udp(Ipv4Address src, Ipv4Address dst, std::uint16_t src_port,
                                    std::uint16_t dst_port, Bytes payload) {
  std::vector<std::uint8_t> out(kUdpHeaderLen + payload.size());
  const MutableBytes bytes(out);
  store_be16(bytes, kSrcPort, src_port);
  store_be16(bytes, kDstPort, dst_port);
  store_be16(bytes, kLength, static_cast<std::uint16_t>(out.size()));
  store_be16(bytes, kChecksum, 0);
  std::copy(payload.begin(), payload.end(), out.begin() + kUdpHeaderLen);
  store_be16(bytes, kChecksum, udp_checksum(out, src, dst));
  return out;
}

}  // namespace tapstack::wire
