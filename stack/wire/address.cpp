#include "stack/wire/address.hpp"

#include <charconv>

namespace tapstack::wire {
namespace {

// Parses a decimal number in [0, max] that spans the whole of `text`.
std::optional<unsigned> parse_decimal(std::string_view text, unsigned max) {
  if (text.empty() || text.size() > 3) return std::nullopt;
  unsigned value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc{} || end != text.data() + text.size() || value > max) return std::nullopt;
  return value;
}

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

std::optional<Ipv4Address> Ipv4Address::parse(std::string_view text) {
  std::uint32_t value = 0;
  for (int part = 0; part < 4; ++part) {
    const auto dot = text.find('.');
    const bool last = part == 3;
    if (last != (dot == std::string_view::npos)) return std::nullopt;
    const auto piece = last ? text : text.substr(0, dot);
    const auto octet = parse_decimal(piece, 255);
    if (!octet) return std::nullopt;
    value = (value << 8) | *octet;
    if (!last) text.remove_prefix(dot + 1);
  }
  return Ipv4Address{value};
}

std::string Ipv4Address::to_string() const {
  std::string out;
  for (int shift = 24; shift >= 0; shift -= 8) {
    if (shift != 24) out += '.';
    out += std::to_string((value_ >> shift) & 0xff);
  }
  return out;
}

std::optional<Ipv4Cidr> Ipv4Cidr::parse(std::string_view text) {
  const auto slash = text.find('/');
  if (slash == std::string_view::npos) return std::nullopt;
  const auto address = Ipv4Address::parse(text.substr(0, slash));
  const auto prefix = parse_decimal(text.substr(slash + 1), 32);
  if (!address || !prefix) return std::nullopt;
  return Ipv4Cidr{*address, static_cast<std::uint8_t>(*prefix)};
}

std::string Ipv4Cidr::to_string() const {
  return address.to_string() + "/" + std::to_string(prefix_len);
}

std::optional<MacAddress> MacAddress::parse(std::string_view text) {
  if (text.size() != 17) return std::nullopt;
  Octets octets{};
  for (std::size_t i = 0; i < 6; ++i) {
    const int hi = hex_digit(text[i * 3]);
    const int lo = hex_digit(text[i * 3 + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    if (i < 5 && text[i * 3 + 2] != ':' && text[i * 3 + 2] != '-') return std::nullopt;
    octets[i] = static_cast<std::uint8_t>(hi * 16 + lo);
  }
  return MacAddress{octets};
}

std::string MacAddress::to_string() const {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (std::size_t i = 0; i < octets_.size(); ++i) {
    if (i != 0) out += ':';
    out += kHex[octets_[i] >> 4];
    out += kHex[octets_[i] & 0xf];
  }
  return out;
}

}  // namespace tapstack::wire
