#pragma once
// TCP header view and builder (RFC 9293 §3.1) with the options tapstack
// understands: MSS (§3.2), window scale and timestamps (RFC 7323), and
// SACK-permitted (RFC 2018). Parsing checks lengths and the checksum first;
// option parsing never reads past the header.
#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "stack/base/bytes.hpp"
#include "stack/wire/address.hpp"

namespace tapstack::wire {

inline constexpr std::size_t kTcpHeaderLen = 20;
inline constexpr std::size_t kTcpMaxHeaderLen = 60;
inline constexpr std::uint8_t kTcpProtocolNumber = 6;
/// RFC 7323 §2.3: shifts above 14 are treated as 14.
inline constexpr std::uint8_t kTcpMaxWindowShift = 14;

/// Control bits, as on the wire (byte 13).
namespace tcp_flags {
inline constexpr std::uint8_t Fin = 0x01;
inline constexpr std::uint8_t Syn = 0x02;
inline constexpr std::uint8_t Rst = 0x04;
inline constexpr std::uint8_t Psh = 0x08;
inline constexpr std::uint8_t Ack = 0x10;
inline constexpr std::uint8_t Urg = 0x20;
inline constexpr std::uint8_t Ece = 0x40;
inline constexpr std::uint8_t Cwr = 0x80;
}  // namespace tcp_flags

/// RFC 7323 §3 timestamps option values.
struct TcpTimestamps {
  std::uint32_t value = 0;
  std::uint32_t echo_reply = 0;
  friend bool operator==(const TcpTimestamps&, const TcpTimestamps&) = default;
};

/// One SACK block (RFC 2018 §3): [left, right) in sequence space.
struct SackBlock {
  std::uint32_t left = 0;
  std::uint32_t right = 0;
  friend bool operator==(const SackBlock&, const SackBlock&) = default;
};
inline constexpr std::size_t kMaxSackBlocks = 4;  // 2 + 4*8 = 34 bytes, fits without timestamps

/// The options tapstack reads and writes. Unknown options are skipped.
struct TcpOptions {
  std::optional<std::uint16_t> mss;
  std::optional<std::uint8_t> window_scale;  // already clamped to kTcpMaxWindowShift
  bool sack_permitted = false;
  std::array<SackBlock, kMaxSackBlocks> sack{};  // the first sack_count are valid
  std::uint8_t sack_count = 0;
  std::optional<TcpTimestamps> timestamps;
  bool malformed = false;  // parsing stopped at a bad length; what came before is kept
  friend bool operator==(const TcpOptions&, const TcpOptions&) = default;
};

/// A decoded TCP header. Sequence numbers are raw here; stack/tcp wraps them.
struct TcpHeader {
  std::uint16_t src_port = 0;
  std::uint16_t dst_port = 0;
  std::uint32_t seq = 0;
  std::uint32_t ack = 0;
  std::uint8_t flags = 0;
  std::uint16_t window = 0;
  std::uint16_t urgent = 0;
  TcpOptions options;

  bool has(std::uint8_t flag) const { return (flags & flag) != 0; }
};

enum class TcpParseStatus : std::uint8_t {
  Ok,
  TooShort,       // fewer than 20 bytes
  BadDataOffset,  // data offset below 5 words or beyond the segment
  BadChecksum,
};

struct TcpParsed {
  TcpParseStatus status = TcpParseStatus::Ok;
  TcpHeader header;
  Bytes payload;  // points into the parsed buffer
};

/// Parses the IPv4 payload `segment` sent from `src` to `dst`, verifying the
/// checksum over the pseudo-header (RFC 9293 §3.1) unless `verify_checksum`
/// is false (the link vouched for it).
TcpParsed parse_tcp(Bytes segment, Ipv4Address src, Ipv4Address dst, bool verify_checksum = true);

/// Parses the options area alone (bytes 20..data offset).
TcpOptions parse_tcp_options(Bytes options);

/// Length in bytes of the options `build_tcp` writes for `options` (padded to 4).
std::size_t tcp_options_len(const TcpOptions& options);

/// Builds header + options + payload with the checksum filled in.
std::vector<std::uint8_t> build_tcp(Ipv4Address src, Ipv4Address dst, const TcpHeader& header,
                                    Bytes payload);

/// "SA" style flag letters (S, A, F, R, P, U, E, C) for traces and test output.
std::string tcp_flags_to_string(std::uint8_t flags);

}  // namespace tapstack::wire
