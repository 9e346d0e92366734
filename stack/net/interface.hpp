#pragma once
// The Ethernet interface: our MAC, address and MTU, the receive filter, and
// the one place outgoing frames are framed, padded and handed to the sink.
#include <cstddef>
#include <optional>
#include <vector>

#include "stack/base/bytes.hpp"
#include "stack/counters.hpp"
#include "stack/link/frame_sink.hpp"
#include "stack/wire/address.hpp"
#include "stack/wire/ethernet.hpp"

namespace tapstack::net {

/// A received frame that passed the filter.
struct AcceptedFrame {
  wire::EtherType type = wire::EtherType::Ipv4;  // Ipv4 or Arp
  wire::MacAddress source;
  bool broadcast = false;  // sent to ff:ff:ff:ff:ff:ff
  Bytes payload;
};

class Interface {
 public:
  Interface(wire::MacAddress mac, wire::Ipv4Cidr address, std::size_t mtu, FrameSink& sink);

  /// Accepts frames addressed to our MAC or to broadcast, carrying IPv4 or
  /// ARP. Everything else (other unicast, multicast, 802.1Q tagged, other
  /// EtherTypes, runts, a payload above the MTU) is counted and dropped:
  /// nullopt. `offloaded`: the frame comes from a link doing segmentation
  /// offload, whose TSO super-frames may carry up to a whole IPv4 datagram.
  std::optional<AcceptedFrame> accept(Bytes frame, bool offloaded = false);

  /// Frames `payload` for `destination`, pads it to the 60-byte minimum and
  /// hands it to the sink. A payload over the MTU is counted and dropped.
  void transmit(const wire::MacAddress& destination, wire::EtherType type, Bytes payload);
  /// Frames an IPv4 datagram carrying a TCP super-segment, above the MTU, for
  /// the sink to cut into segments of `segment_size` payload bytes.
  void transmit_segmented(const wire::MacAddress& destination, Bytes datagram,
                          std::uint16_t segment_size);

  const wire::MacAddress& mac() const { return mac_; }
  const wire::Ipv4Cidr& address() const { return address_; }
  std::size_t mtu() const { return mtu_; }
  const EthernetCounters& counters() const { return counters_; }

 private:
  wire::MacAddress mac_;
  wire::Ipv4Cidr address_;
  std::size_t mtu_;
  FrameSink& sink_;
  std::vector<std::uint8_t> scratch_;
  std::vector<std::uint8_t> super_frame_;  // for transmit_segmented, grown on first use
  EthernetCounters counters_;
};

}  // namespace tapstack::net
