#include "stack/dns/name.hpp"

#include <cctype>

namespace tapstack::dns {
namespace {

bool is_host_char(char c) {
  const auto u = static_cast<unsigned char>(c);
  return std::isalnum(u) != 0 || c == '-' || c == '_';
}

std::string_view without_trailing_dot(std::string_view name) {
  if (!name.empty() && name.back() == '.') name.remove_suffix(1);
  return name;
}

void append_escaped(std::string& out, Bytes label) {
  for (const std::uint8_t b : label) {
    if (b == '.' || b == '\\') {
      out.push_back('\\');
      out.push_back(static_cast<char>(b));
    } else if (b < 0x21 || b > 0x7e) {
      out.push_back('\\');
      out.push_back(static_cast<char>('0' + b / 100));
      out.push_back(static_cast<char>('0' + b / 10 % 10));
      out.push_back(static_cast<char>('0' + b % 10));
    } else {
      out.push_back(static_cast<char>(b));
    }
  }
}

}  // namespace

const char* describe(NameError e) {
  switch (e) {
    case NameError::Ok: return "valid name";
    case NameError::Empty: return "empty name";
    case NameError::EmptyLabel: return "empty label (two dots in a row, or a leading dot)";
    case NameError::LabelTooLong: return "label longer than 63 characters";
    case NameError::NameTooLong: return "name longer than 255 octets";
    case NameError::BadCharacter: return "character other than letters, digits, '-' or '_'";
    case NameError::BadHyphen: return "label starts or ends with '-'";
  }
  return "invalid name";
}

NameError check_host_name(std::string_view name) {
  name = without_trailing_dot(name);
  if (name.empty()) return NameError::Empty;
  // Wire form: one length octet per label plus the root octet.
  if (name.size() + 2 > kMaxNameWire) return NameError::NameTooLong;
  std::size_t start = 0;
  while (start <= name.size()) {
    const std::size_t dot = name.find('.', start);
    const std::size_t end = dot == std::string_view::npos ? name.size() : dot;
    const std::string_view label = name.substr(start, end - start);
    if (label.empty()) return NameError::EmptyLabel;
    if (label.size() > kMaxLabelLen) return NameError::LabelTooLong;
    for (const char c : label) {
      if (!is_host_char(c)) return NameError::BadCharacter;
    }
    if (label.front() == '-' || label.back() == '-') return NameError::BadHyphen;
    start = end + 1;
  }
  return NameError::Ok;
}

std::string normalize_name(std::string_view name) {
  std::string out(without_trailing_dot(name));
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

void encode_name(std::string_view name, std::vector<std::uint8_t>& out) {
  name = without_trailing_dot(name);
  std::size_t start = 0;
  while (start < name.size()) {
    std::size_t end = name.find('.', start);
    if (end == std::string_view::npos) end = name.size();
    out.push_back(static_cast<std::uint8_t>(end - start));
    out.insert(out.end(), name.begin() + static_cast<std::ptrdiff_t>(start),
               name.begin() + static_cast<std::ptrdiff_t>(end));
    start = end + 1;
  }
  out.push_back(0);
}

const char* describe(ParseError e) {
  switch (e) {
    case ParseError::Ok: return "ok";
    case ParseError::Truncated: return "message ends inside a field";
    case ParseError::BadLabelType: return "unsupported label type";
    case ParseError::NameTooLong: return "name longer than 255 octets";
    case ParseError::PointerPastEnd: return "compression pointer past the end";
    case ParseError::ForwardPointer: return "compression pointer does not point backwards";
    case ParseError::TooManyPointers: return "too many compression pointers";
    case ParseError::BadRecordData: return "record data inconsistent with its type";
  }
  return "malformed";
}

NameRead read_name(Bytes message, std::size_t offset) {
  NameRead out;
  std::size_t pos = offset;
  std::size_t limit = offset;  // every pointer must target an offset below this
  std::size_t wire_len = 0;
  bool jumped = false;
  int hops = 0;
  auto fail = [&out](ParseError e) {
    out.error = e;
    out.name.clear();
    return out;
  };
  while (true) {
    if (pos >= message.size()) return fail(ParseError::Truncated);
    const std::uint8_t len = message[pos];
    if ((len & 0xc0) == 0xc0) {
      if (pos + 1 >= message.size()) return fail(ParseError::Truncated);
      const std::size_t target = (std::size_t{len & 0x3fu} << 8) | message[pos + 1];
      if (target >= message.size()) return fail(ParseError::PointerPastEnd);
      if (target >= limit) return fail(ParseError::ForwardPointer);
      if (++hops > kMaxPointerHops) return fail(ParseError::TooManyPointers);
      if (!jumped) out.next = pos + 2;
      jumped = true;
      limit = target;
      pos = target;
      continue;
    }
    if ((len & 0xc0) != 0) return fail(ParseError::BadLabelType);
    wire_len += std::size_t{len} + 1;
    if (wire_len > kMaxNameWire) return fail(ParseError::NameTooLong);
    if (len == 0) break;
    if (pos + 1 + len > message.size()) return fail(ParseError::Truncated);
    if (!out.name.empty()) out.name.push_back('.');
    append_escaped(out.name, message.subspan(pos + 1, len));
    pos += 1 + std::size_t{len};
  }
  if (!jumped) out.next = pos + 1;
  return out;
}

}  // namespace tapstack::dns
