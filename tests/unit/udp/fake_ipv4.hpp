#pragma once
// A fake IPv4 layer for transport tests: captures what the transport sends
// and builds datagrams to inject as if the IPv4 layer had received them.
#include <cstdint>
#include <vector>

#include "stack/net/transport.hpp"
#include "stack/wire/udp.hpp"

namespace tapstack::testing {

inline constexpr wire::Ipv4Address kOurAddress{10, 0, 0, 2};
inline constexpr wire::Ipv4Address kSubnetBroadcast{10, 0, 0, 255};
inline constexpr wire::Ipv4Address kPeerAddress{10, 0, 0, 1};

struct SentIpv4 {
  wire::Ipv4Address src;
  wire::Ipv4Address dst;
  net::IpProtocol protocol;
  std::vector<std::uint8_t> payload;
};

class FakeIpv4 final : public net::Ipv4Output {
 public:
  Result<void> send_ipv4(wire::Ipv4Address src, wire::Ipv4Address dst, net::IpProtocol protocol,
                         Bytes payload, const net::Ipv4SendOptions&) override {
    if (fail_with != Errc::Ok) return fail_with;
    sent.push_back({src, dst, protocol, {payload.begin(), payload.end()}});
    return {};
  }
  std::size_t path_mtu(wire::Ipv4Address) const override { return mtu; }
  std::size_t link_mtu() const override { return link; }
  void note_path_mtu(wire::Ipv4Address dst, std::size_t value) override {
    noted_mtu_for = dst;
    mtu = value;
  }
  wire::Ipv4Address local_address() const override { return kOurAddress; }
  bool is_local_address(wire::Ipv4Address a) const override {
    return a == kOurAddress || a == kSubnetBroadcast || a.is_broadcast();
  }

  std::vector<SentIpv4> sent;
  Errc fail_with = Errc::Ok;
  std::size_t mtu = 1500;   // toward the peer
  std::size_t link = 1500;  // the interface's
  wire::Ipv4Address noted_mtu_for;
};

/// Header information for a datagram from `src` to `dst`.
inline net::Ipv4PacketInfo packet_info(wire::Ipv4Address src, wire::Ipv4Address dst) {
  net::Ipv4PacketInfo info;
  info.src = src;
  info.dst = dst;
  info.ttl = 64;
  info.link_broadcast = dst.is_broadcast() || dst == kSubnetBroadcast;
  return info;
}

}  // namespace tapstack::testing
