#pragma once
// DNS messages (RFC 1035 §4): building an A query, and parsing a response
// treated as hostile input — every length checked before it is used.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "stack/base/bytes.hpp"
#include "stack/dns/name.hpp"
#include "stack/wire/address.hpp"

namespace tapstack::dns {

inline constexpr std::size_t kHeaderLen = 12;
inline constexpr std::uint16_t kTypeA = 1;
inline constexpr std::uint16_t kTypeCname = 5;
inline constexpr std::uint16_t kTypeSoa = 6;
inline constexpr std::uint16_t kClassIn = 1;
inline constexpr std::uint16_t kDnsPort = 53;

/// RCODE values (RFC 1035 §4.1.1).
enum class Rcode : std::uint8_t {
  NoError = 0,
  FormatError = 1,
  ServerFailure = 2,
  NameError = 3,  // NXDOMAIN
  NotImplemented = 4,
  Refused = 5,
};

struct Header {
  std::uint16_t id = 0;
  bool response = false;
  std::uint8_t opcode = 0;
  bool authoritative = false;
  bool truncated = false;
  bool recursion_desired = false;
  bool recursion_available = false;
  std::uint8_t rcode = 0;
  std::uint16_t question_count = 0;
  std::uint16_t answer_count = 0;
  std::uint16_t authority_count = 0;
  std::uint16_t additional_count = 0;
};

struct Question {
  std::string name;
  std::uint16_t type = 0;
  std::uint16_t klass = 0;
};

struct AddressRecord {
  std::string name;
  wire::Ipv4Address address;
  std::uint32_t ttl = 0;
};

struct CnameRecord {
  std::string name;
  std::string target;
  std::uint32_t ttl = 0;
};

/// The authority section's SOA, whose MINIMUM bounds negative caching.
struct SoaRecord {
  std::string zone;
  std::uint32_t ttl = 0;
  std::uint32_t minimum = 0;
};

/// What the resolver needs from a response: A and CNAME answers of class IN,
/// and the SOA from the authority section. Other records are checked for
/// structure and skipped.
struct Message {
  Header header;
  std::vector<Question> questions;
  std::vector<AddressRecord> addresses;
  std::vector<CnameRecord> cnames;
  std::optional<SoaRecord> soa;
};

/// A recursive (RD) query for `name` (which passed check_host_name).
std::vector<std::uint8_t> build_query(std::uint16_t id, std::string_view name,
                                      std::uint16_t type = kTypeA);

/// Parses a message. Counts must match the records present; reading never
/// leaves `message`. With TC set only the header and question are parsed,
/// since the rest may be cut short (RFC 1035 §4.1.1). TTLs with the top bit
/// set read as 0 (RFC 2181 §8).
ParseError parse_message(Bytes message, Message& out);

}  // namespace tapstack::dns
