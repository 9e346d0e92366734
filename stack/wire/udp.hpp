#pragma once
// UDP header view and builder (RFC 768). Parsing checks lengths and the
// checksum before anything else looks at the datagram.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "stack/base/bytes.hpp"
#include "stack/wire/address.hpp"

namespace tapstack::wire {

inline constexpr std::size_t kUdpHeaderLen = 8;
/// The largest UDP payload in one IPv4 datagram: 65535 - 20 (IPv4) - 8 (UDP).
inline constexpr std::size_t kUdpMaxPayload = 65507;
inline constexpr std::uint8_t kUdpProtocolNumber = 17;

/// Why a received datagram was rejected.
enum class UdpParseStatus : std::uint8_t {
  Ok,
  TooShort,     // fewer than 8 bytes: no complete header
  BadLength,    // length field below 8 or beyond the IPv4 payload
  BadChecksum,  // nonzero checksum that does not verify
};

/// A decoded UDP datagram. `payload` points into the parsed buffer.
struct UdpRepr {
  std::uint16_t src_port = 0;
  std::uint16_t dst_port = 0;
  bool had_checksum = false;  // false when the sender sent 0 (no checksum)
  Bytes payload;
};

struct UdpParsed {
  UdpParseStatus status = UdpParseStatus::Ok;
  UdpRepr repr;
};

/// Parses the IPv4 payload `datagram` sent from `src` to `dst`. RFC 768: the
/// length field covers header and data; bytes beyond it (IPv4 padding) are
/// ignored. A checksum of 0 means the sender computed none (RFC 768,
/// RFC 1122 §4.1.3.4); any other value must verify over the pseudo-header,
/// unless `verify_checksum` is false (the link vouched for it).
UdpParsed parse_udp(Bytes datagram, Ipv4Address src, Ipv4Address dst, bool verify_checksum = true);

/// The checksum field value for a datagram whose checksum field is zero:
/// RFC 768 sends a computed 0 as 0xffff, since 0 means "no checksum".
std::uint16_t udp_checksum(Bytes datagram, Ipv4Address src, Ipv4Address dst);

/// Builds a complete UDP datagram (header + payload) with its checksum.
/// The caller keeps payload.size() <= kUdpMaxPayload.
std::vector<std::uint8_t> build_udp(Ipv4Address src, Ipv4Address dst, std::uint16_t src_port,
                                    std::uint16_t dst_port, Bytes payload);

}  // namespace tapstack::wire
