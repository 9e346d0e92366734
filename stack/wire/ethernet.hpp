#pragma once
// Ethernet II framing (IEEE 802.3 with EtherType). Frames from a TAP carry no
// preamble and no FCS: 14 bytes of header, then the payload (maybe padded).
#include <cstddef>
#include <cstdint>
#include <optional>

#include "stack/base/bytes.hpp"
#include "stack/wire/address.hpp"

namespace tapstack::wire {

/// EtherType values this stack knows about.
enum class EtherType : std::uint16_t { Ipv4 = 0x0800, Arp = 0x0806, Vlan = 0x8100 };

inline constexpr std::size_t kEthernetHeaderSize = 14;
/// Minimum frame size without FCS (64 on the wire minus 4); shorter frames are padded.
inline constexpr std::size_t kEthernetMinFrameSize = 60;

/// A checked view of a received Ethernet frame.
class EthernetView {
 public:
  /// Succeeds for any frame holding at least the 14-byte header.
  static std::optional<EthernetView> parse(Bytes frame);

  MacAddress destination() const;
  MacAddress source() const;
  /// The raw EtherType; compare with EtherType values.
  std::uint16_t ether_type() const { return load_be16(bytes_, 12); }
  /// Everything after the header, including any padding.
  Bytes payload() const { return bytes_.subspan(kEthernetHeaderSize); }

 private:
  explicit EthernetView(Bytes bytes) : bytes_(bytes) {}
  Bytes bytes_;
};

/// The Ethernet II header as a value.
struct EthernetHeader {
  MacAddress destination;
  MacAddress source;
  std::uint16_t ether_type = 0;

  static EthernetHeader decode(const EthernetView& view);
  static constexpr std::size_t wire_size() { return kEthernetHeaderSize; }
  /// Writes exactly wire_size() bytes; `out` must hold at least that many.
  void emit(MutableBytes out) const;
};

/// Reads six bytes at `at` as a MAC address (the caller checked the length).
MacAddress load_mac(Bytes b, std::size_t at);
/// Writes a MAC address as six bytes at `at` (the caller checked the length).
void store_mac(MutableBytes b, std::size_t at, const MacAddress& mac);

}  // namespace tapstack::wire
