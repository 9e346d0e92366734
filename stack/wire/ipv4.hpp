#pragma once
// The IPv4 header (RFC 791 §3.1). Options are carried but not interpreted:
// a host may ignore the ones it does not implement (RFC 1122 §3.2.1.8).
#include <cstddef>
#include <cstdint>
#include <optional>

#include "stack/base/bytes.hpp"
#include "stack/wire/address.hpp"

namespace tapstack::wire {

inline constexpr std::size_t kIpv4MinHeaderSize = 20;
inline constexpr std::size_t kIpv4MaxDatagramSize = 65535;

/// A checked view of an IPv4 datagram.
class Ipv4View {
 public:
  /// Checks version 4, IHL >= 5, IHL*4 <= total length <= buffer size. Bytes
  /// past the total length (Ethernet padding) are excluded from the view.
  /// The checksum is not checked here: see checksum_valid().
  static std::optional<Ipv4View> parse(Bytes bytes);
  /// For the datagram quoted in an ICMP error (RFC 792): the quote is usually
  /// cut short, so the total length may exceed the buffer. Checks version 4,
  /// IHL >= 5, the whole header present and total length >= IHL*4; payload()
  /// is whatever part of the payload was quoted.
  static std::optional<Ipv4View> parse_quoted(Bytes bytes);

  std::uint8_t version() const { return bytes_[0] >> 4; }
  std::size_t header_length() const { return std::size_t{bytes_[0] & 0x0fu} * 4; }
  std::uint8_t tos() const { return bytes_[1]; }
  std::uint16_t total_length() const { return load_be16(bytes_, 2); }
  std::uint16_t identification() const { return load_be16(bytes_, 4); }
  bool dont_fragment() const { return (bytes_[6] & 0x40) != 0; }
  bool more_fragments() const { return (bytes_[6] & 0x20) != 0; }
  /// The fragment offset in bytes (the field counts 8-byte units).
  std::size_t fragment_offset() const { return std::size_t{load_be16(bytes_, 6) & 0x1fffu} * 8; }
  /// True for any fragment: MF set or a non-zero offset.
  bool is_fragment() const { return more_fragments() || fragment_offset() != 0; }
  std::uint8_t ttl() const { return bytes_[8]; }
  std::uint8_t protocol() const { return bytes_[9]; }
  std::uint16_t header_checksum() const { return load_be16(bytes_, 10); }
  Ipv4Address source() const { return Ipv4Address{load_be32(bytes_, 12)}; }
  Ipv4Address destination() const { return Ipv4Address{load_be32(bytes_, 16)}; }
  /// True when the header checksum verifies (RFC 791 §3.1 "Header Checksum").
  bool checksum_valid() const;

  Bytes header() const { return bytes_.first(header_length()); }
  Bytes options() const { return header().subspan(kIpv4MinHeaderSize); }
  Bytes payload() const { return bytes_.subspan(header_length()); }
  /// Header and payload, without trailing padding.
  Bytes bytes() const { return bytes_; }

 private:
  explicit Ipv4View(Bytes bytes) : bytes_(bytes) {}
  Bytes bytes_;
};

/// An option-less IPv4 header as a value; emit() fills in the checksum.
struct Ipv4Header {
  std::uint8_t tos = 0;
  std::uint16_t identification = 0;
  bool dont_fragment = false;
  bool more_fragments = false;
  std::uint16_t fragment_offset = 0;  // bytes, a multiple of 8
  std::uint8_t ttl = 64;
  std::uint8_t protocol = 0;
  Ipv4Address source;
  Ipv4Address destination;
  std::uint16_t payload_length = 0;

  /// Decodes the fixed fields (options are dropped).
  static Ipv4Header decode(const Ipv4View& view);
  static constexpr std::size_t wire_size() { return kIpv4MinHeaderSize; }
  /// Writes exactly wire_size() bytes with a correct header checksum.
  void emit(MutableBytes out) const;
};

/// Rewrites total length, flags/offset and checksum of the header at the
/// start of `datagram` in place (used to rebuild a reassembled datagram).
void ipv4_rewrite_length_and_fragment(MutableBytes datagram, std::uint16_t total_length,
                                      std::uint16_t flags_and_offset);

}  // namespace tapstack::wire
