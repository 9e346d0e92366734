#include "stack/wire/arp.hpp"

#include "stack/wire/ethernet.hpp"

namespace tapstack::wire {
namespace {

constexpr std::uint16_t kHardwareEthernet = 1;
constexpr std::uint16_t kProtocolIpv4 = 0x0800;

}  // namespace

std::optional<ArpView> ArpView::parse(Bytes bytes) {
  if (bytes.size() < kArpPacketSize) return std::nullopt;
  if (load_be16(bytes, 0) != kHardwareEthernet || load_be16(bytes, 2) != kProtocolIpv4 ||
      bytes[4] != 6 || bytes[5] != 4) {
    return std::nullopt;
  }
  return ArpView{bytes.first(kArpPacketSize)};
}

MacAddress ArpView::sender_mac() const { return load_mac(bytes_, 8); }
MacAddress ArpView::target_mac() const { return load_mac(bytes_, 18); }

std::optional<ArpPacket> ArpPacket::decode(const ArpView& view) {
  const auto op = view.operation();
  if (op != static_cast<std::uint16_t>(ArpOperation::Request) &&
      op != static_cast<std::uint16_t>(ArpOperation::Reply)) {
    return std::nullopt;
  }
  return ArpPacket{static_cast<ArpOperation>(op), view.sender_mac(), view.sender_ip(),
                   view.target_mac(), view.target_ip()};
}

void ArpPacket::emit(MutableBytes out) const {
  store_be16(out, 0, kHardwareEthernet);
  store_be16(out, 2, kProtocolIpv4);
  out[4] = 6;
  out[5] = 4;
  store_be16(out, 6, static_cast<std::uint16_t>(operation));
  store_mac(out, 8, sender_mac);
  store_be32(out, 14, sender_ip.value());
  store_mac(out, 18, target_mac);
  store_be32(out, 24, target_ip.value());
}

}  // namespace tapstack::wire
