#pragma once
// ICMP messages (RFC 792): an 8-byte header whose last four bytes depend on
// the type, then a body. The checksum covers the whole message.
#include <cstddef>
#include <cstdint>
#include <optional>

#include "stack/base/bytes.hpp"

namespace tapstack::wire {

enum class IcmpType : std::uint8_t {
  EchoReply = 0,
  DestUnreachable = 3,
  SourceQuench = 4,
  Redirect = 5,
  EchoRequest = 8,
  TimeExceeded = 11,
  ParameterProblem = 12,
};

/// Destination unreachable codes (RFC 792, RFC 1122 §3.2.2.1, RFC 1812 §5.2.7.1).
enum class UnreachableCode : std::uint8_t {
  Net = 0,
  Host = 1,
  Protocol = 2,
  Port = 3,
  FragmentationNeeded = 4,
  SourceRouteFailed = 5,
  NetProhibited = 9,
  HostProhibited = 10,
  AdminProhibited = 13,
};

/// Time exceeded codes (RFC 792).
enum class TimeExceededCode : std::uint8_t { TtlExceeded = 0, ReassemblyTimeout = 1 };

inline constexpr std::size_t kIcmpHeaderSize = 8;

/// True for the error types a host must never answer with another error
/// (RFC 1122 §3.2.2: destination unreachable, redirect, source quench, time
/// exceeded, parameter problem).
bool is_icmp_error_type(std::uint8_t type);

/// A checked view of an ICMP message.
class IcmpView {
 public:
  /// Requires the 8-byte header; the checksum is checked by checksum_valid().
  static std::optional<IcmpView> parse(Bytes bytes);

  std::uint8_t type() const { return bytes_[0]; }
  std::uint8_t code() const { return bytes_[1]; }
  std::uint16_t checksum() const { return load_be16(bytes_, 2); }
  /// Echo request/reply identifier and sequence number (bytes 4..7).
  std::uint16_t ident() const { return load_be16(bytes_, 4); }
  std::uint16_t sequence() const { return load_be16(bytes_, 6); }
  /// Next-hop MTU of a fragmentation-needed message (RFC 1191 §4); 0 from old routers.
  std::uint16_t next_hop_mtu() const { return load_be16(bytes_, 6); }
  /// The four type-specific bytes after the checksum.
  std::uint32_t rest_of_header() const { return load_be32(bytes_, 4); }
  /// Echo data, or the quoted datagram of an error.
  Bytes body() const { return bytes_.subspan(kIcmpHeaderSize); }
  bool checksum_valid() const;

 private:
  explicit IcmpView(Bytes bytes) : bytes_(bytes) {}
  Bytes bytes_;
};

/// An ICMP header as a value.
struct IcmpHeader {
  std::uint8_t type = 0;
  std::uint8_t code = 0;
  std::uint32_t rest_of_header = 0;

  static IcmpHeader decode(const IcmpView& view);
  static IcmpHeader echo(IcmpType type, std::uint16_t ident, std::uint16_t sequence);
  static constexpr std::size_t wire_size() { return kIcmpHeaderSize; }
  /// `message` is the whole ICMP message with its body already at
  /// message[8..]; writes the header and the checksum over all of it.
  void emit(MutableBytes message) const;
};

}  // namespace tapstack::wire
