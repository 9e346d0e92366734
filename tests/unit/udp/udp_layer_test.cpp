#include "stack/net/udp_layer.hpp"

#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

#include "unit/udp/fake_ipv4.hpp"

namespace tapstack::net {
namespace {

using testing::FakeIpv4;
using testing::kOurAddress;
using testing::kPeerAddress;
using testing::kSubnetBroadcast;
using testing::packet_info;

std::vector<std::uint8_t> bytes_of(const std::string& s) { return {s.begin(), s.end()}; }

class UdpLayerTest : public ::testing::Test {
 protected:
  /// Delivers a datagram as the IPv4 layer would.
  TransportProtocol::Delivery inject(wire::Ipv4Address src, std::uint16_t src_port,
                                     wire::Ipv4Address dst, std::uint16_t dst_port,
                                     const std::vector<std::uint8_t>& data) {
    const auto datagram = wire::build_udp(src, dst, src_port, dst_port, data);
    return udp.on_ipv4_packet(packet_info(src, dst), datagram, Instant{});
  }
  SocketId bound(std::uint16_t port, wire::Ipv4Address address = wire::Ipv4Address::any()) {
    const auto id = udp.open();
    EXPECT_TRUE(id.ok());
    EXPECT_TRUE(udp.bind(*id, address, port).ok());
    return *id;
  }
  IcmpErrorInfo port_unreachable(std::uint16_t our_port, wire::Ipv4Address peer,
                                 std::uint16_t peer_port) {
    header_ = wire::build_udp(kOurAddress, peer, our_port, peer_port, {});
    IcmpErrorInfo e;
    e.kind = IcmpErrorInfo::Kind::PortUnreachable;
    e.type = 3;
    e.code = 3;
    e.original_src = kOurAddress;
    e.original_dst = peer;
    e.protocol = IpProtocol::Udp;
    e.transport_header = header_;
    return e;
  }

  FakeIpv4 ip;
  SeededRng rng{42};
  EventQueue events;
  UdpSettings settings;
  UdpLayer udp{ip, rng, events, settings};

 private:
  std::vector<std::uint8_t> header_;
};

TEST_F(UdpLayerTest, BindConflicts) {
  bound(5353);
  const auto other = *udp.open();
  EXPECT_EQ(udp.bind(other, wire::Ipv4Address::any(), 5353).error(), Errc::AddressInUse);
  EXPECT_EQ(udp.bind(other, kOurAddress, 5353).error(), Errc::AddressInUse);
  EXPECT_EQ(udp.bind(other, wire::Ipv4Address{192, 168, 1, 1}, 6000).error(),
            Errc::AddressNotAvailable);
  EXPECT_TRUE(udp.bind(other, kOurAddress, 6000).ok());
  EXPECT_EQ(udp.bind(other, kOurAddress, 6001).error(), Errc::InvalidArgument);  // already bound
}

TEST_F(UdpLayerTest, SpecificAndWildcardConflictBothWays) {
  bound(53, kOurAddress);
  const auto other = *udp.open();
  EXPECT_EQ(udp.bind(other, wire::Ipv4Address::any(), 53).error(), Errc::AddressInUse);
}

TEST_F(UdpLayerTest, ClosingFreesThePortAndStaleIdsFail) {
  const auto id = bound(9000);
  ASSERT_TRUE(udp.close(id).ok());
  EXPECT_EQ(udp.close(id).error(), Errc::BadDescriptor);
  EXPECT_EQ(udp.recv_from(id).error(), Errc::BadDescriptor);
  const auto reused = bound(9000);  // same slot, new generation
  EXPECT_NE(reused, id);
  EXPECT_EQ(udp.send(id, {}).error(), Errc::BadDescriptor);
  EXPECT_EQ(udp.recv_from(SocketId{}).error(), Errc::BadDescriptor);
}

TEST_F(UdpLayerTest, EphemeralPortsAreRandomAndInRange) {
  std::vector<std::uint16_t> ports;
  for (int i = 0; i < 50; ++i) {
    const auto id = bound(0);
    ports.push_back((*udp.info(id)).local_port);
  }
  std::set<std::uint16_t> unique(ports.begin(), ports.end());
  EXPECT_EQ(unique.size(), ports.size());
  int sequential = 0;
  for (std::size_t i = 0; i < ports.size(); ++i) {
    EXPECT_GE(ports[i], settings.ephemeral_low);
    EXPECT_LE(ports[i], settings.ephemeral_high);
    if (i > 0 && ports[i] == ports[i - 1] + 1) ++sequential;
  }
  EXPECT_LT(sequential, 3);
}

TEST_F(UdpLayerTest, EphemeralRangeExhaustion) {
  settings.ephemeral_low = 40000;
  settings.ephemeral_high = 40002;
  UdpLayer small{ip, rng, events, settings};
  std::set<std::uint16_t> ports;
  for (int i = 0; i < 3; ++i) {
    const auto id = *small.open();
    ASSERT_TRUE(small.bind(id, wire::Ipv4Address::any(), 0).ok());
    ports.insert((*small.info(id)).local_port);
  }
  EXPECT_EQ(ports, (std::set<std::uint16_t>{40000, 40001, 40002}));
  const auto id = *small.open();
  EXPECT_EQ(small.bind(id, wire::Ipv4Address::any(), 0).error(), Errc::NoPorts);
}

TEST_F(UdpLayerTest, SendToAutoBindsAndComputesChecksum) {
  const auto id = *udp.open();
  const auto data = bytes_of("ping");
  ASSERT_EQ(*udp.send_to(id, kPeerAddress, 7, data), 4u);
  ASSERT_EQ(ip.sent.size(), 1u);
  const auto& out = ip.sent[0];
  EXPECT_EQ(out.protocol, IpProtocol::Udp);
  EXPECT_EQ(out.src, kOurAddress);
  EXPECT_EQ(out.dst, kPeerAddress);
  const auto parsed = wire::parse_udp(out.payload, out.src, out.dst);
  ASSERT_EQ(parsed.status, wire::UdpParseStatus::Ok);
  EXPECT_TRUE(parsed.repr.had_checksum);
  EXPECT_EQ(parsed.repr.src_port, (*udp.info(id)).local_port);
  EXPECT_EQ(parsed.repr.dst_port, 7);
  EXPECT_EQ(udp.counters().tx_datagrams, 1u);
}

TEST_F(UdpLayerTest, SendLimitsAndErrors) {
  const auto id = *udp.open();
  std::vector<std::uint8_t> big(wire::kUdpMaxPayload + 1);
  EXPECT_EQ(udp.send_to(id, kPeerAddress, 9, big).error(), Errc::MessageTooLong);
  big.pop_back();
  EXPECT_EQ(*udp.send_to(id, kPeerAddress, 9, big), wire::kUdpMaxPayload);
  EXPECT_EQ(udp.send_to(id, kPeerAddress, 0, {}).error(), Errc::InvalidArgument);
  EXPECT_EQ(udp.send(id, {}).error(), Errc::NotConnected);
  ip.fail_with = Errc::HostUnreachable;
  EXPECT_EQ(udp.send_to(id, kPeerAddress, 9, {}).error(), Errc::HostUnreachable);
  EXPECT_EQ(udp.counters().tx_errors, 1u);
}

TEST_F(UdpLayerTest, ClosedPortIsNoListener) {
  EXPECT_EQ(inject(kPeerAddress, 1234, kOurAddress, 4000, bytes_of("x")),
            TransportProtocol::Delivery::NoListener);
  EXPECT_EQ(udp.counters().rx_no_port, 1u);
}

TEST_F(UdpLayerTest, ReceivesAndQueuesInOrder) {
  const auto id = bound(4000);
  EXPECT_EQ(udp.recv_from(id).error(), Errc::WouldBlock);
  EXPECT_EQ(inject(kPeerAddress, 1234, kOurAddress, 4000, bytes_of("one")),
            TransportProtocol::Delivery::Delivered);
  inject(kPeerAddress, 1235, kOurAddress, 4000, bytes_of("two"));
  const auto ev = events.drain();
  ASSERT_EQ(ev.size(), 1u);  // one Readable when the queue became non-empty
  EXPECT_EQ(ev[0].id, id);
  EXPECT_EQ(ev[0].protocol, IpProtocol::Udp);
  EXPECT_EQ(ev[0].kind, SocketEventKind::Readable);
  EXPECT_EQ(udp.pending(id), 2u);
  EXPECT_EQ(udp.next_datagram_size(id), 3u);
  auto first = *udp.recv_from(id);
  EXPECT_EQ(first.from, kPeerAddress);
  EXPECT_EQ(first.from_port, 1234);
  EXPECT_EQ(first.data, bytes_of("one"));
  EXPECT_EQ((*udp.recv_from(id)).data, bytes_of("two"));
  EXPECT_EQ(udp.recv_from(id).error(), Errc::WouldBlock);
}

TEST_F(UdpLayerTest, ZeroLengthDatagramsAreDatagrams) {
  const auto id = bound(4000);
  inject(kPeerAddress, 1234, kOurAddress, 4000, {});
  ASSERT_EQ(udp.pending(id), 1u);
  const auto d = udp.recv_from(id);
  ASSERT_TRUE(d.ok());
  EXPECT_TRUE(d->data.empty());
  ASSERT_EQ(*udp.send_to(id, kPeerAddress, 1234, {}), 0u);
  EXPECT_EQ(ip.sent.at(0).payload.size(), wire::kUdpHeaderLen);
}

TEST_F(UdpLayerTest, MalformedDatagramsAreCountedNotDelivered) {
  const auto id = bound(4000);
  auto datagram = wire::build_udp(kPeerAddress, kOurAddress, 1, 4000, bytes_of("abc"));
  datagram[9] ^= 0x01;
  EXPECT_EQ(udp.on_ipv4_packet(packet_info(kPeerAddress, kOurAddress), datagram, Instant{}),
            TransportProtocol::Delivery::Delivered);
  EXPECT_EQ(udp.counters().rx_bad_checksum, 1u);
  const std::vector<std::uint8_t> short_one{0, 1, 0};
  (void)udp.on_ipv4_packet(packet_info(kPeerAddress, kOurAddress), short_one, Instant{});
  EXPECT_EQ(udp.counters().rx_too_short, 1u);
  EXPECT_EQ(udp.pending(id), 0u);
}

TEST_F(UdpLayerTest, ConnectFiltersOtherPeers) {
  const auto id = *udp.open();
  ASSERT_TRUE(udp.connect(id, kPeerAddress, 53).ok());
  const auto port = (*udp.info(id)).local_port;
  EXPECT_NE(port, 0);
  EXPECT_EQ(inject(kPeerAddress, 54, kOurAddress, port, bytes_of("wrong port")),
            TransportProtocol::Delivery::NoListener);
  EXPECT_EQ(inject(wire::Ipv4Address{10, 0, 0, 9}, 53, kOurAddress, port, bytes_of("wrong host")),
            TransportProtocol::Delivery::NoListener);
  inject(kPeerAddress, 53, kOurAddress, port, bytes_of("right"));
  EXPECT_EQ((*udp.recv_from(id)).data, bytes_of("right"));
  ASSERT_TRUE(udp.send(id, bytes_of("q")).ok());
  EXPECT_EQ(ip.sent.back().dst, kPeerAddress);
  ASSERT_TRUE(udp.disconnect(id).ok());
  inject(kPeerAddress, 54, kOurAddress, port, bytes_of("any"));
  EXPECT_EQ(udp.pending(id), 1u);
}

TEST_F(UdpLayerTest, SocketBoundToAddressOnlyGetsThatAddress) {
  const auto specific = bound(6000, kOurAddress);
  inject(kPeerAddress, 1, kOurAddress, 6000, bytes_of("b"));
  EXPECT_EQ(udp.pending(specific), 1u);
  // A broadcast to the same port does not match the unicast binding.
  ASSERT_TRUE(udp.set_broadcast(specific, true).ok());
  inject(kPeerAddress, 1, kSubnetBroadcast, 6000, bytes_of("c"));
  EXPECT_EQ(udp.pending(specific), 1u);
}

TEST_F(UdpLayerTest, IcmpPortUnreachableReachesConnectedSocket) {
  const auto id = *udp.open();
  ASSERT_TRUE(udp.connect(id, kPeerAddress, 53).ok());
  const auto port = (*udp.info(id)).local_port;
  events.drain();
  udp.on_icmp_error(port_unreachable(port, kPeerAddress, 53), Instant{});
  const auto ev = events.drain();
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].error, Errc::ConnectionRefused);
  EXPECT_EQ(udp.recv_from(id).error(), Errc::ConnectionRefused);
  EXPECT_EQ(udp.recv_from(id).error(), Errc::WouldBlock);  // reported once
  udp.on_icmp_error(port_unreachable(port, kPeerAddress, 53), Instant{});
  EXPECT_EQ(udp.send(id, bytes_of("x")).error(), Errc::ConnectionRefused);
  EXPECT_TRUE(udp.send(id, bytes_of("x")).ok());
  EXPECT_EQ(udp.counters().icmp_errors_delivered, 2u);
}

TEST_F(UdpLayerTest, IcmpErrorIgnoredForUnconnectedOrOtherPeer) {
  const auto unconnected = bound(7000);
  udp.on_icmp_error(port_unreachable(7000, kPeerAddress, 53), Instant{});
  EXPECT_EQ(udp.recv_from(unconnected).error(), Errc::WouldBlock);
  const auto id = *udp.open();
  ASSERT_TRUE(udp.connect(id, kPeerAddress, 53).ok());
  const auto port = (*udp.info(id)).local_port;
  udp.on_icmp_error(port_unreachable(port, kPeerAddress, 54), Instant{});
  auto soft = port_unreachable(port, kPeerAddress, 53);
  soft.kind = IcmpErrorInfo::Kind::HostUnreachable;  // soft error: not reported (Linux default)
  udp.on_icmp_error(soft, Instant{});
  EXPECT_EQ(udp.recv_from(id).error(), Errc::WouldBlock);
  EXPECT_EQ(udp.counters().icmp_errors_ignored, 3u);
}

TEST_F(UdpLayerTest, FragmentationNeededLowersPathMtu) {
  const auto id = *udp.open();
  ASSERT_TRUE(udp.connect(id, kPeerAddress, 53).ok());
  auto e = port_unreachable((*udp.info(id)).local_port, kPeerAddress, 53);
  e.kind = IcmpErrorInfo::Kind::FragmentationNeeded;
  e.next_hop_mtu = 1280;
  udp.on_icmp_error(e, Instant{});
  EXPECT_EQ(ip.mtu, 1280u);
  EXPECT_EQ(ip.noted_mtu_for, kPeerAddress);
}

TEST_F(UdpLayerTest, FragmentationNeededForNoSocketOfOursLeavesPathMtu) {
  const auto id = *udp.open();
  ASSERT_TRUE(udp.connect(id, kPeerAddress, 53).ok());
  const std::uint16_t port = (*udp.info(id)).local_port;
  // Quotes a port nobody bound, then our port toward another peer port.
  for (const auto& [src, dst] : {std::pair<std::uint16_t, std::uint16_t>{port + 1, 53}, {port, 54}}) {
    auto e = port_unreachable(src, kPeerAddress, dst);
    e.kind = IcmpErrorInfo::Kind::FragmentationNeeded;
    e.next_hop_mtu = 600;
    udp.on_icmp_error(e, Instant{});
  }
  EXPECT_EQ(ip.mtu, 1500u);
  EXPECT_EQ(udp.counters().icmp_errors_ignored, 2u);
}

TEST_F(UdpLayerTest, QueueOverflowIsCounted) {
  settings.recv_queue_datagrams = 3;
  UdpLayer small{ip, rng, events, settings};
  const auto id = *small.open();
  ASSERT_TRUE(small.bind(id, wire::Ipv4Address::any(), 4000).ok());
  const auto datagram = wire::build_udp(kPeerAddress, kOurAddress, 1, 4000, bytes_of("x"));
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(small.on_ipv4_packet(packet_info(kPeerAddress, kOurAddress), datagram, Instant{}),
              TransportProtocol::Delivery::Delivered);
  }
  EXPECT_EQ(small.pending(id), 3u);
  EXPECT_EQ(small.counters().rx_queue_overflow, 2u);
  EXPECT_EQ((*small.info(id)).drops, 2u);
}

TEST_F(UdpLayerTest, QueueByteBound) {
  settings.recv_queue_bytes = 10;
  UdpLayer small{ip, rng, events, settings};
  const auto id = *small.open();
  ASSERT_TRUE(small.bind(id, wire::Ipv4Address::any(), 4000).ok());
  const std::vector<std::uint8_t> big(20, 0xaa);
  auto deliver = [&](const std::vector<std::uint8_t>& data) {
    const auto datagram = wire::build_udp(kPeerAddress, kOurAddress, 1, 4000, data);
    (void)small.on_ipv4_packet(packet_info(kPeerAddress, kOurAddress), datagram, Instant{});
  };
  deliver(big);  // an empty queue takes one oversized datagram
  deliver(bytes_of("a"));
  EXPECT_EQ(small.pending(id), 1u);
  EXPECT_EQ(small.counters().rx_queue_overflow, 1u);
}

TEST_F(UdpLayerTest, BroadcastOnlyWhenAsked) {
  const auto plain = bound(67);
  EXPECT_EQ(inject(kPeerAddress, 68, wire::Ipv4Address::broadcast(), 67, bytes_of("dhcp")),
            TransportProtocol::Delivery::Delivered);  // no ICMP for broadcasts
  EXPECT_EQ(udp.pending(plain), 0u);
  EXPECT_EQ(udp.counters().rx_broadcast_no_port, 1u);
  ASSERT_TRUE(udp.set_broadcast(plain, true).ok());
  inject(kPeerAddress, 68, wire::Ipv4Address::broadcast(), 67, bytes_of("dhcp"));
  inject(kPeerAddress, 68, kSubnetBroadcast, 67, bytes_of("subnet"));
  EXPECT_EQ(udp.pending(plain), 2u);
  // Unicast still reaches it.
  inject(kPeerAddress, 68, kOurAddress, 67, bytes_of("unicast"));
  EXPECT_EQ(udp.pending(plain), 3u);
}

TEST_F(UdpLayerTest, BroadcastGoesToEverySocketThatAsked) {
  const auto a = bound(500, kOurAddress);
  const auto b = bound(500, kSubnetBroadcast);
  const auto c = *udp.open();
  ASSERT_TRUE(udp.set_broadcast(b, true).ok());
  ASSERT_TRUE(udp.set_broadcast(c, true).ok());
  inject(kPeerAddress, 1, kSubnetBroadcast, 500, bytes_of("x"));
  EXPECT_EQ(udp.pending(a), 0u);  // bound to the unicast address
  EXPECT_EQ(udp.pending(b), 1u);
}

TEST_F(UdpLayerTest, SendingToBroadcastNeedsOptIn) {
  const auto id = *udp.open();
  EXPECT_EQ(udp.send_to(id, wire::Ipv4Address::broadcast(), 67, {}).error(),
            Errc::PermissionDenied);
  EXPECT_EQ(udp.send_to(id, kSubnetBroadcast, 67, {}).error(), Errc::PermissionDenied);
  EXPECT_EQ(udp.connect(id, kSubnetBroadcast, 67).error(), Errc::PermissionDenied);
  ASSERT_TRUE(udp.set_broadcast(id, true).ok());
  EXPECT_TRUE(udp.send_to(id, wire::Ipv4Address::broadcast(), 67, {}).ok());
  EXPECT_EQ(ip.sent.back().src, kOurAddress);
  // A socket bound to the broadcast address still sends from our own address.
  const auto listener = bound(68, kSubnetBroadcast);
  ASSERT_TRUE(udp.send_to(listener, kPeerAddress, 67, {}).ok());
  EXPECT_EQ(ip.sent.back().src, kOurAddress);
}

TEST_F(UdpLayerTest, ShutdownReadGivesEndOfFileAfterQueue) {
  const auto id = bound(4000);
  inject(kPeerAddress, 1, kOurAddress, 4000, bytes_of("kept"));
  EXPECT_EQ(udp.shutdown(id, true, false).error(), Errc::NotConnected);  // Linux semantics
  inject(kPeerAddress, 1, kOurAddress, 4000, bytes_of("dropped"));
  EXPECT_EQ((*udp.recv_from(id)).data, bytes_of("kept"));
  EXPECT_EQ(udp.recv_from(id).error(), Errc::Shutdown);
  EXPECT_EQ(udp.counters().rx_shut_down, 1u);
}

TEST_F(UdpLayerTest, ShutdownWriteRefusesSends) {
  const auto id = *udp.open();
  ASSERT_TRUE(udp.connect(id, kPeerAddress, 9).ok());
  ASSERT_TRUE(udp.shutdown(id, false, true).ok());
  EXPECT_EQ(udp.send(id, bytes_of("x")).error(), Errc::Shutdown);
}

TEST_F(UdpLayerTest, ListAndCounters) {
  const auto a = bound(1000);
  const auto b = *udp.open();
  ASSERT_TRUE(udp.connect(b, kPeerAddress, 53).ok());
  inject(kPeerAddress, 1, kOurAddress, 1000, bytes_of("abc"));
  const auto all = udp.list();
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].id, a);
  EXPECT_EQ(all[0].local_port, 1000);
  EXPECT_EQ(all[0].queued_datagrams, 1u);
  EXPECT_EQ(all[0].queued_bytes, 3u);
  EXPECT_EQ(all[1].remote_address, kPeerAddress);
  EXPECT_EQ(all[1].remote_port, 53);
  std::vector<std::string> names;
  udp.counters().for_each([&](const char* name, std::uint64_t value) {
    names.emplace_back(name);
    if (std::string(name) == "rx_bytes") {
      EXPECT_EQ(value, 3u);
    }
  });
  EXPECT_GE(names.size(), 10u);
  EXPECT_EQ(udp.next_deadline(), Instant::max());
}

}  // namespace
}  // namespace tapstack::net
