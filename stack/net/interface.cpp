#include "stack/net/interface.hpp"

#include <algorithm>

namespace tapstack::net {

Interface::Interface(wire::MacAddress mac, wire::Ipv4Cidr address, std::size_t mtu,
                     FrameSink& sink)
    : mac_(mac),
      address_(address),
      mtu_(mtu),
      sink_(sink),
      scratch_(std::max(wire::kEthernetHeaderSize + mtu, wire::kEthernetMinFrameSize)) {}

std::optional<AcceptedFrame> Interface::accept(Bytes frame, bool offloaded) {
  ++counters_.rx_frames;
  const auto view = wire::EthernetView::parse(frame);
  if (!view) {
    ++counters_.rx_dropped_truncated;
    return std::nullopt;
  }
  const auto destination = view->destination();
  const bool broadcast = destination.is_broadcast();
  if (!broadcast && destination != mac_) {
    ++counters_.rx_dropped_not_for_us;
    return std::nullopt;
  }
  if (view->payload().size() > mtu_) {
    if (!offloaded) {
      ++counters_.rx_dropped_oversize;
      return std::nullopt;
    }
    ++counters_.rx_offloaded;
  }
  switch (static_cast<wire::EtherType>(view->ether_type())) {
    case wire::EtherType::Ipv4:
    case wire::EtherType::Arp:
      return AcceptedFrame{static_cast<wire::EtherType>(view->ether_type()), view->source(),
                           broadcast, view->payload()};
    case wire::EtherType::Vlan:
      ++counters_.rx_dropped_vlan;
      return std::nullopt;
  }
  ++counters_.rx_dropped_unknown_type;
  return std::nullopt;
}

void Interface::transmit(const wire::MacAddress& destination, wire::EtherType type,
                         Bytes payload) {
  if (payload.size() > mtu_) {
    ++counters_.tx_dropped_oversize;
    return;
  }
  const MutableBytes out(scratch_);
  wire::EthernetHeader{destination, mac_, static_cast<std::uint16_t>(type)}.emit(out);
  std::copy(payload.begin(), payload.end(), out.subspan(wire::kEthernetHeaderSize).begin());
  std::size_t size = wire::kEthernetHeaderSize + payload.size();
  if (size < wire::kEthernetMinFrameSize) {
    const auto padding = out.subspan(size, wire::kEthernetMinFrameSize - size);
    std::fill(padding.begin(), padding.end(), std::uint8_t{0});
    size = wire::kEthernetMinFrameSize;
    ++counters_.tx_padded;
  }
  ++counters_.tx_frames;
  sink_.transmit(Bytes(out).first(size));
}

void Interface::transmit_segmented(const wire::MacAddress& destination, Bytes datagram,
                                   std::uint16_t segment_size) {
  super_frame_.resize(wire::kEthernetHeaderSize + datagram.size());
  const MutableBytes out(super_frame_);
  wire::EthernetHeader{destination, mac_, static_cast<std::uint16_t>(wire::EtherType::Ipv4)}
      .emit(out);
  std::copy(datagram.begin(), datagram.end(), out.subspan(wire::kEthernetHeaderSize).begin());
  ++counters_.tx_frames;
  ++counters_.tx_offloaded;
  sink_.transmit_segmented(out, segment_size);
}

}  // namespace tapstack::net
