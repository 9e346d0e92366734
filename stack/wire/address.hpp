#pragma once
// Addresses as values: IPv4 addresses, IPv4 prefixes (CIDR) and MAC addresses,
// with parsing from and formatting to their usual text forms.
#include <array>
#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace tapstack::wire {

class Ipv4Address {
 public:
  constexpr Ipv4Address() = default;
  constexpr explicit Ipv4Address(std::uint32_t host_order) : value_(host_order) {}
  constexpr Ipv4Address(std::uint8_t a, std::uint8_t b, std::uint8_t c, std::uint8_t d)
      : value_((std::uint32_t{a} << 24) | (std::uint32_t{b} << 16) | (std::uint32_t{c} << 8) | d) {}

  /// Dotted quad, exactly four decimal parts 0..255 without leading junk.
  static std::optional<Ipv4Address> parse(std::string_view text);

  constexpr std::uint32_t value() const { return value_; }
  constexpr bool is_unspecified() const { return value_ == 0; }
  constexpr bool is_broadcast() const { return value_ == 0xffffffffu; }
  constexpr bool is_multicast() const { return (value_ >> 28) == 0xe; }
  constexpr bool is_loopback() const { return (value_ >> 24) == 127; }
  std::string to_string() const;

  static constexpr Ipv4Address any() { return Ipv4Address{}; }
  static constexpr Ipv4Address broadcast() { return Ipv4Address{0xffffffffu}; }

  friend constexpr auto operator<=>(Ipv4Address, Ipv4Address) = default;

 private:
  std::uint32_t value_ = 0;
};

/// An address with its prefix length, as in "10.0.0.2/24".
struct Ipv4Cidr {
  Ipv4Address address;
  std::uint8_t prefix_len = 32;

  static std::optional<Ipv4Cidr> parse(std::string_view text);

  constexpr std::uint32_t netmask() const {
    return prefix_len == 0 ? 0u : ~std::uint32_t{0} << (32 - prefix_len);
  }
  constexpr Ipv4Address network() const { return Ipv4Address{address.value() & netmask()}; }
  constexpr Ipv4Address subnet_broadcast() const {
    return Ipv4Address{address.value() | ~netmask()};
  }
  constexpr bool contains(Ipv4Address a) const {
    return (a.value() & netmask()) == (address.value() & netmask());
  }
  std::string to_string() const;

  friend constexpr bool operator==(const Ipv4Cidr&, const Ipv4Cidr&) = default;
};

class MacAddress {
 public:
  using Octets = std::array<std::uint8_t, 6>;
  constexpr MacAddress() = default;
  constexpr explicit MacAddress(const Octets& octets) : octets_(octets) {}

  /// "02:00:00:00:00:01" (colons or dashes, case-insensitive).
  static std::optional<MacAddress> parse(std::string_view text);

  constexpr const Octets& octets() const { return octets_; }
  constexpr bool is_broadcast() const {
    for (auto o : octets_) if (o != 0xff) return false;
    return true;
  }
  constexpr bool is_multicast() const { return (octets_[0] & 0x01) != 0; }
  constexpr bool is_zero() const {
    for (auto o : octets_) if (o != 0) return false;
    return true;
  }
  std::string to_string() const;

  static constexpr MacAddress broadcast() { return MacAddress{{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}}; }

  friend constexpr auto operator<=>(const MacAddress&, const MacAddress&) = default;

 private:
  Octets octets_{};
};

}  // namespace tapstack::wire
