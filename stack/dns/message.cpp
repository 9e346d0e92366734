#include "stack/dns/message.hpp"

#include <utility>

namespace tapstack::dns {
namespace {

constexpr std::uint16_t kFlagResponse = 0x8000;
constexpr std::uint16_t kFlagAuthoritative = 0x0400;
constexpr std::uint16_t kFlagTruncated = 0x0200;
constexpr std::uint16_t kFlagRecursionDesired = 0x0100;
constexpr std::uint16_t kFlagRecursionAvailable = 0x0080;
constexpr std::size_t kRecordFixedLen = 10;  // type, class, TTL, RDLENGTH
constexpr std::size_t kSoaFixedLen = 20;     // serial, refresh, retry, expire, minimum

Header parse_header(Bytes m) {
  Header h;
  h.id = load_be16(m, 0);
  const std::uint16_t flags = load_be16(m, 2);
  h.response = (flags & kFlagResponse) != 0;
  h.opcode = static_cast<std::uint8_t>((flags >> 11) & 0xf);
  h.authoritative = (flags & kFlagAuthoritative) != 0;
  h.truncated = (flags & kFlagTruncated) != 0;
  h.recursion_desired = (flags & kFlagRecursionDesired) != 0;
  h.recursion_available = (flags & kFlagRecursionAvailable) != 0;
  h.rcode = static_cast<std::uint8_t>(flags & 0xf);
  h.question_count = load_be16(m, 4);
  h.answer_count = load_be16(m, 6);
  h.authority_count = load_be16(m, 8);
  h.additional_count = load_be16(m, 10);
  return h;
}

std::uint32_t read_ttl(Bytes m, std::size_t at) {
  const std::uint32_t ttl = load_be32(m, at);
  return (ttl & 0x80000000u) != 0 ? 0 : ttl;  // RFC 2181 §8
}

/// Reads one question at `pos`; advances `pos`.
ParseError parse_question(Bytes m, std::size_t& pos, Message& out) {
  auto name = read_name(m, pos);
  if (name.error != ParseError::Ok) return name.error;
  if (name.next + 4 > m.size()) return ParseError::Truncated;
  out.questions.push_back({std::move(name.name), load_be16(m, name.next), load_be16(m, name.next + 2)});
  pos = name.next + 4;
  return ParseError::Ok;
}

enum class Section : std::uint8_t { Answer, Authority, Additional };

ParseError parse_soa(Bytes m, std::string owner, std::uint32_t ttl, std::size_t rdata,
                     std::size_t rdata_end, Message& out) {
  const auto mname = read_name(m, rdata);
  if (mname.error != ParseError::Ok) return mname.error;
  const auto rname = read_name(m, mname.next);
  if (rname.error != ParseError::Ok) return rname.error;
  if (mname.next > rdata_end || rname.next + kSoaFixedLen != rdata_end) {
    return ParseError::BadRecordData;
  }
  const std::uint32_t minimum = load_be32(m, rname.next + 16);
  out.soa = SoaRecord{std::move(owner), ttl, minimum};
  return ParseError::Ok;
}

/// Reads one resource record at `pos`; keeps what the resolver needs.
ParseError parse_record(Bytes m, std::size_t& pos, Section section, Message& out) {
  auto owner = read_name(m, pos);
  if (owner.error != ParseError::Ok) return owner.error;
  const std::size_t fixed = owner.next;
  if (fixed + kRecordFixedLen > m.size()) return ParseError::Truncated;
  const std::uint16_t type = load_be16(m, fixed);
  const std::uint16_t klass = load_be16(m, fixed + 2);
  const std::uint32_t ttl = read_ttl(m, fixed + 4);
  const std::size_t rdata = fixed + kRecordFixedLen;
  const std::size_t rdata_end = rdata + load_be16(m, fixed + 8);
  if (rdata_end > m.size()) return ParseError::Truncated;
  pos = rdata_end;
  if (klass != kClassIn) return ParseError::Ok;
  if (section == Section::Answer && type == kTypeA) {
    if (rdata_end - rdata != 4) return ParseError::BadRecordData;
    out.addresses.push_back({std::move(owner.name), wire::Ipv4Address{load_be32(m, rdata)}, ttl});
  } else if (section == Section::Answer && type == kTypeCname) {
    auto target = read_name(m, rdata);
    if (target.error != ParseError::Ok) return target.error;
    if (target.next != rdata_end) return ParseError::BadRecordData;
    out.cnames.push_back({std::move(owner.name), std::move(target.name), ttl});
  } else if (section == Section::Authority && type == kTypeSoa) {
    return parse_soa(m, std::move(owner.name), ttl, rdata, rdata_end, out);
  }
  return ParseError::Ok;
}

}  // namespace

std::vector<std::uint8_t> build_query(std::uint16_t id, std::string_view name,
                                      std::uint16_t type) {
  std::vector<std::uint8_t> out(kHeaderLen, 0);
  const MutableBytes header(out);
  store_be16(header, 0, id);
  store_be16(header, 2, kFlagRecursionDesired);
  store_be16(header, 4, 1);  // QDCOUNT
  encode_name(name, out);
  const std::size_t tail = out.size();
  out.resize(tail + 4);
  store_be16(out, tail, type);
  store_be16(out, tail + 2, kClassIn);
  return out;
}

ParseError parse_message(Bytes message, Message& out) {
  out = Message{};
  if (message.size() < kHeaderLen) return ParseError::Truncated;
  out.header = parse_header(message);
  std::size_t pos = kHeaderLen;
  for (std::uint16_t i = 0; i < out.header.question_count; ++i) {
    if (auto e = parse_question(message, pos, out); e != ParseError::Ok) return e;
  }
  if (out.header.truncated) return ParseError::Ok;
  const std::pair<std::uint16_t, Section> sections[] = {
      {out.header.answer_count, Section::Answer},
      {out.header.authority_count, Section::Authority},
      {out.header.additional_count, Section::Additional},
  };
  for (const auto& [count, section] : sections) {
    for (std::uint16_t i = 0; i < count; ++i) {
      if (auto e = parse_record(message, pos, section, out); e != ParseError::Ok) return e;
    }
  }
  return ParseError::Ok;
}

}  // namespace tapstack::dns
