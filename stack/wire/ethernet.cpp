#include "stack/wire/ethernet.hpp"

#include <algorithm>

namespace tapstack::wire {

MacAddress load_mac(Bytes b, std::size_t at) {
  MacAddress::Octets octets{};
  std::copy_n(b.subspan(at, octets.size()).begin(), octets.size(), octets.begin());
  return MacAddress{octets};
}

void store_mac(MutableBytes b, std::size_t at, const MacAddress& mac) {
  std::copy(mac.octets().begin(), mac.octets().end(), b.subspan(at, mac.octets().size()).begin());
}

std::optional<EthernetView> EthernetView::parse(Bytes frame) {
  if (frame.size() < kEthernetHeaderSize) return std::nullopt;
  return EthernetView{frame};
}

MacAddress EthernetView::destination() const { return load_mac(bytes_, 0); }
MacAddress EthernetView::source() const { return load_mac(bytes_, 6); }

EthernetHeader EthernetHeader::decode(const EthernetView& view) {
  return {view.destination(), view.source(), view.ether_type()};
}

void EthernetHeader::emit(MutableBytes out) const {
  store_mac(out, 0, destination);
  store_mac(out, 6, source);
  store_be16(out, 12, ether_type);
}

}  // namespace tapstack::wire
