#pragma once
// ARP for IPv4 over Ethernet (RFC 826). Other hardware or protocol types are
// rejected by parse().
#include <cstddef>
#include <cstdint>
#include <optional>

#include "stack/base/bytes.hpp"
#include "stack/wire/address.hpp"

namespace tapstack::wire {

enum class ArpOperation : std::uint16_t { Request = 1, Reply = 2 };

inline constexpr std::size_t kArpPacketSize = 28;

/// A checked view of an Ethernet/IPv4 ARP packet.
class ArpView {
 public:
  /// Requires 28 bytes, hardware type 1 (Ethernet), protocol 0x0800, hlen 6, plen 4.
  /// Trailing bytes (Ethernet padding) are ignored.
  static std::optional<ArpView> parse(Bytes bytes);

  /// The raw opcode; compare with ArpOperation values.
  std::uint16_t operation() const { return load_be16(bytes_, 6); }
  MacAddress sender_mac() const;
  Ipv4Address sender_ip() const { return Ipv4Address{load_be32(bytes_, 14)}; }
  MacAddress target_mac() const;
  Ipv4Address target_ip() const { return Ipv4Address{load_be32(bytes_, 24)}; }

 private:
  explicit ArpView(Bytes bytes) : bytes_(bytes) {}
  Bytes bytes_;
};

/// An Ethernet/IPv4 ARP packet as a value.
struct ArpPacket {
  ArpOperation operation = ArpOperation::Request;
  MacAddress sender_mac;
  Ipv4Address sender_ip;
  MacAddress target_mac;
  Ipv4Address target_ip;

  /// nullopt for an opcode other than request or reply.
  static std::optional<ArpPacket> decode(const ArpView& view);
  static constexpr std::size_t wire_size() { return kArpPacketSize; }
  /// Writes exactly wire_size() bytes.
  void emit(MutableBytes out) const;
};

}  // namespace tapstack::wire
