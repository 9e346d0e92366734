#pragma once
// Domain names: checking a host name before it is queried, and reading a
// possibly compressed name out of a hostile message (RFC 1035 §3.1, §4.1.4).
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "stack/base/bytes.hpp"

namespace tapstack::dns {

inline constexpr std::size_t kMaxLabelLen = 63;   // RFC 1035 §2.3.4
inline constexpr std::size_t kMaxNameWire = 255;  // octets on the wire, root label included
/// Compression pointers followed within one name. Each must also point
/// before every position visited so far, which alone rules out loops.
inline constexpr int kMaxPointerHops = 32;

/// Why a host name cannot be queried.
enum class NameError : std::uint8_t {
  Ok,
  Empty,
  EmptyLabel,     // "a..b" or a leading dot
  LabelTooLong,   // more than 63 characters between dots
  NameTooLong,    // more than 255 octets in wire form
  BadCharacter,   // outside letters, digits, '-' and '_'
  BadHyphen,      // a label starting or ending with '-' (RFC 1123 §2.1)
};

const char* describe(NameError e);

/// Checks a host name to query: LDH labels (RFC 1123 §2.1; '_' tolerated as
/// resolvers do), 1..63 octets each, at most 255 octets in wire form. One
/// trailing dot (a fully qualified name) is allowed.
NameError check_host_name(std::string_view name);

/// Lower case without the trailing dot: the form names are compared and
/// cached in (DNS names are case-insensitive, RFC 4343).
std::string normalize_name(std::string_view name);

/// Appends the wire form of a name that passed check_host_name.
void encode_name(std::string_view name, std::vector<std::uint8_t>& out);

/// Why a received message was rejected.
enum class ParseError : std::uint8_t {
  Ok,
  Truncated,        // a field or record runs past the end of the message
  BadLabelType,     // label length octet with top bits 01 or 10 (RFC 6891 §5)
  NameTooLong,      // more than 255 octets once decompressed
  PointerPastEnd,   // compression pointer beyond the message
  ForwardPointer,   // pointer not strictly before the positions already read
  TooManyPointers,  // more than kMaxPointerHops in one name
  BadRecordData,    // RDATA inconsistent with its type (A not 4 octets, ...)
};

const char* describe(ParseError e);

/// A name read from a message.
struct NameRead {
  ParseError error = ParseError::Ok;
  std::string name;      // dotted, no trailing dot ("" for the root)
  std::size_t next = 0;  // offset just past the name where it started
};

/// Reads the name at `offset`, following compression pointers (RFC 1035
/// §4.1.4). Octets outside printable ASCII, '.' and '\' inside a label are
/// escaped as in master files (RFC 1035 §5.1), so a label can never pose as
/// two labels.
NameRead read_name(Bytes message, std::size_t offset);

}  // namespace tapstack::dns
