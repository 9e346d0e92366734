#include <gtest/gtest.h>

#include "support/stack_harness.hpp"

namespace tapstack::test {
namespace {

using wire::MacAddress;

class Ipv4Test : public ::testing::Test {
 protected:
  Ipv4Test() {
    h.stack.register_transport(net::IpProtocol::Udp, udp);
    h.learn(kPeerIp, kPeerMac);
    h.learn(kGatewayIp, kGatewayMac);
  }
  StackHarness h;
  FakeTransport udp;
};

TEST_F(Ipv4Test, DeliversValidDatagramToTransport) {
  const auto payload = pattern(12);
  h.receive(ipv4_frame({.tos = 0x10}, payload));
  ASSERT_EQ(udp.packets.size(), 1u);
  EXPECT_EQ(udp.packets[0].payload, payload);
  EXPECT_EQ(udp.packets[0].info.src, kPeerIp);
  EXPECT_EQ(udp.packets[0].info.dst, kStackIp);
  EXPECT_EQ(udp.packets[0].info.tos, 0x10);
  EXPECT_FALSE(udp.packets[0].info.link_broadcast);
  EXPECT_EQ(h.counter("ip.rx_delivered"), 1u);
}

TEST_F(Ipv4Test, TheEcnFieldReachesTheTransport) {
  h.receive(ipv4_frame({.tos = 0x28 | 0x03}, pattern(4)));  // a DSCP and CE (RFC 3168 §5)
  ASSERT_EQ(udp.packets.size(), 1u);
  EXPECT_EQ(udp.packets[0].info.ecn(), net::Ecn::Ce);
  EXPECT_EQ(udp.packets[0].info.tos, 0x2b);
}

TEST_F(Ipv4Test, TheTransportChoosesTheEcnCodepoint) {
  // The ECN bits come from `ecn`, not from the TOS octet; unfragmented and fragmented alike.
  for (const std::size_t size : {std::size_t{10}, std::size_t{3000}}) {
    ASSERT_TRUE(h.stack.ipv4().send_ipv4(kStackIp, kPeerIp, net::IpProtocol::Udp, pattern(size),
                                         {.tos = 0x28 | 0x01, .ecn = net::Ecn::Ect0}));
    const auto frames = h.take_frames();
    ASSERT_FALSE(frames.empty());
    for (const auto& f : frames) {
      const auto d = decode_ipv4_frame(f);
      ASSERT_TRUE(d);
      EXPECT_EQ(d->ip.tos, 0x28 | 0x02);
    }
  }
}

TEST_F(Ipv4Test, OptionsAndEthernetPaddingAreSkipped) {
  auto frame = ipv4_frame({.options = {0x01, 0x01, 0x01, 0x00}}, pattern(3));
  frame.resize(60, 0xee);
  h.receive(frame);
  ASSERT_EQ(udp.packets.size(), 1u);
  EXPECT_EQ(udp.packets[0].payload, pattern(3));
}

TEST_F(Ipv4Test, BroadcastsAreAcceptedAndFlagged) {
  h.receive(ipv4_frame({.dst = wire::Ipv4Address::broadcast()}, pattern(4), MacAddress::broadcast()));
  h.receive(ipv4_frame({.dst = wire::Ipv4Address{10, 0, 0, 255}}, pattern(4), MacAddress::broadcast()));
  ASSERT_EQ(udp.packets.size(), 2u);
  EXPECT_TRUE(udp.packets[0].info.link_broadcast);
  EXPECT_TRUE(udp.packets[1].info.link_broadcast);
}

TEST_F(Ipv4Test, ValidationDropsAreCounted) {
  auto bad_checksum = ipv4_frame({}, pattern(8));
  bad_checksum[14 + 10] ^= 0xff;
  h.receive(bad_checksum);
  EXPECT_EQ(h.counter("ip.rx_dropped_bad_checksum"), 1u);

  auto lying = ipv4_frame({}, pattern(8));
  store_be16(lying, 14 + 2, 200);  // total length past the frame
  h.receive(lying);
  auto bad_version = ipv4_frame({}, pattern(8));
  bad_version[14] = 0x65;
  h.receive(bad_version);
  h.receive(ethernet_frame(kStackMac, kPeerMac, 0x0800, pattern(19)));
  EXPECT_EQ(h.counter("ip.rx_dropped_malformed"), 3u);

  h.receive(ipv4_frame({.dst = wire::Ipv4Address{10, 0, 0, 3}}, pattern(8)));
  h.receive(ipv4_frame({.dst = wire::Ipv4Address{224, 0, 0, 1}}, pattern(8)));
  EXPECT_EQ(h.counter("ip.rx_dropped_not_for_us"), 2u);

  h.receive(ipv4_frame({.src = wire::Ipv4Address{127, 0, 0, 1}}, pattern(8)));
  h.receive(ipv4_frame({.src = wire::Ipv4Address::broadcast()}, pattern(8)));
  h.receive(ipv4_frame({.src = wire::Ipv4Address{224, 0, 0, 5}}, pattern(8)));
  EXPECT_EQ(h.counter("ip.rx_dropped_bad_source"), 3u);
  EXPECT_TRUE(udp.packets.empty());
  EXPECT_TRUE(h.take_frames().empty());
}

TEST_F(Ipv4Test, EthernetFilterCountsAndDrops) {
  h.receive(ipv4_frame({}, pattern(8), MacAddress{{0x02, 0, 0, 0, 0, 0x99}}));
  h.receive(ipv4_frame({}, pattern(8), MacAddress{{0x01, 0, 0x5e, 0, 0, 1}}));
  auto vlan = ipv4_frame({}, pattern(8));
  vlan[12] = 0x81;
  vlan[13] = 0x00;
  h.receive(vlan);
  auto ipv6 = ipv4_frame({}, pattern(8));
  ipv6[12] = 0x86;
  ipv6[13] = 0xdd;
  h.receive(ipv6);
  h.receive(Buffer(13, 0));
  EXPECT_EQ(h.counter("eth.rx_dropped_not_for_us"), 2u);
  EXPECT_EQ(h.counter("eth.rx_dropped_vlan"), 1u);
  EXPECT_EQ(h.counter("eth.rx_dropped_unknown_type"), 1u);
  EXPECT_EQ(h.counter("eth.rx_dropped_truncated"), 1u);
  EXPECT_TRUE(udp.packets.empty());
}

TEST_F(Ipv4Test, SendsOnLinkAndViaGateway) {
  ASSERT_TRUE(h.stack.ipv4().send_ipv4(wire::Ipv4Address::any(), kPeerIp, net::IpProtocol::Udp, pattern(10),
                                       {.dont_fragment = true, .ttl = 9, .tos = 4}));
  ASSERT_TRUE(h.stack.ipv4().send_ipv4(kStackIp, kRemoteIp, net::IpProtocol::Udp, pattern(10), {}));
  const auto frames = h.take_frames();
  ASSERT_EQ(frames.size(), 2u);
  const auto a = decode_ipv4_frame(frames[0]);
  ASSERT_TRUE(a);
  EXPECT_EQ(a->eth.destination, kPeerMac);
  EXPECT_EQ(a->ip.source, kStackIp);
  EXPECT_EQ(a->ip.destination, kPeerIp);
  EXPECT_EQ(a->ip.ttl, 9);
  EXPECT_EQ(a->ip.tos, 4);
  EXPECT_TRUE(a->ip.dont_fragment);
  EXPECT_EQ(a->ip.protocol, kProtoUdp);
  const auto b = decode_ipv4_frame(frames[1]);
  ASSERT_TRUE(b);
  EXPECT_EQ(b->eth.destination, kGatewayMac);
  EXPECT_EQ(b->ip.destination, kRemoteIp);
  EXPECT_EQ(b->ip.ttl, 64);  // the configured default
  EXPECT_NE(a->ip.identification, b->ip.identification);
}

TEST(Ipv4Routing, NoGatewayMeansNetworkUnreachable) {
  StackConfig c = default_config();
  c.gateway.reset();
  StackHarness h(c);
  const auto r = h.stack.ipv4().send_ipv4(wire::Ipv4Address::any(), kRemoteIp, net::IpProtocol::Udp, pattern(4), {});
  EXPECT_EQ(r.error(), Errc::NetworkUnreachable);
  EXPECT_EQ(h.counter("ip.tx_dropped_no_route"), 1u);
  EXPECT_EQ(h.stack.ipv4().send_ipv4(wire::Ipv4Address{10, 0, 0, 77}, kPeerIp, net::IpProtocol::Udp, pattern(4), {}).error(),
            Errc::AddressNotAvailable);
}

// Asking whether a destination is being resolved (ping's "Destination Host
// Unreachable") sends nothing, so it counts no drop.
TEST(Ipv4Routing, AskingAboutAnUnroutableAddressCountsNothing) {
  StackConfig c = default_config();
  c.gateway.reset();
  StackHarness h(c);
  EXPECT_FALSE(h.stack.ipv4().resolving(kRemoteIp));
  EXPECT_EQ(h.counter("ip.tx_dropped_no_route"), 0u);
}

TEST_F(Ipv4Test, BroadcastSendNeedsNoArp) {
  ASSERT_TRUE(h.stack.ipv4().send_ipv4(wire::Ipv4Address::any(), wire::Ipv4Address::broadcast(),
                                       net::IpProtocol::Udp, pattern(4), {}));
  const auto frames = h.take_frames();
  ASSERT_EQ(frames.size(), 1u);
  EXPECT_TRUE(decode_ipv4_frame(frames[0])->eth.destination.is_broadcast());
}

TEST_F(Ipv4Test, FragmentsA4000BytePayloadAtMtu1500AndReassemblesIt) {
  const auto payload = pattern(4000, 5);
  ASSERT_TRUE(h.stack.ipv4().send_ipv4(wire::Ipv4Address::any(), kPeerIp, net::IpProtocol::Udp, payload, {}));
  const auto frames = h.take_frames();
  ASSERT_EQ(frames.size(), 3u);
  const std::size_t expected_sizes[] = {1480, 1480, 1040};
  Buffer joined;
  for (std::size_t i = 0; i < frames.size(); ++i) {
    EXPECT_LE(frames[i].size(), 14u + 1500u);
    const auto f = decode_ipv4_frame(frames[i]);
    ASSERT_TRUE(f);
    EXPECT_EQ(f->payload.size(), expected_sizes[i]);
    EXPECT_EQ(f->ip.fragment_offset, i * 1480);
    EXPECT_EQ(f->ip.fragment_offset % 8, 0);
    EXPECT_EQ(f->ip.more_fragments, i + 1 < frames.size());
    joined.insert(joined.end(), f->payload.begin(), f->payload.end());
  }
  EXPECT_EQ(joined, payload);
  EXPECT_EQ(h.counter("ip.tx_fragments"), 3u);

  // Turn our own fragments around (swap the addresses) and feed them back, in reverse.
  for (auto it = frames.rbegin(); it != frames.rend(); ++it) {
    const auto f = decode_ipv4_frame(*it);
    h.receive(ipv4_frame({.src = kPeerIp, .dst = kStackIp, .id = f->ip.identification,
                          .mf = f->ip.more_fragments, .offset = f->ip.fragment_offset},
                         f->payload));
  }
  ASSERT_EQ(udp.packets.size(), 1u);
  EXPECT_EQ(udp.packets[0].payload, payload);
  EXPECT_EQ(h.counter("reasm.reassembled"), 1u);
}

TEST_F(Ipv4Test, DontFragmentAndTooBigIsMessageTooLong) {
  const auto r = h.stack.ipv4().send_ipv4(wire::Ipv4Address::any(), kPeerIp, net::IpProtocol::Udp,
                                          pattern(1481), {.dont_fragment = true});
  EXPECT_EQ(r.error(), Errc::MessageTooLong);
  EXPECT_EQ(h.stack.ipv4().send_ipv4(wire::Ipv4Address::any(), kPeerIp, net::IpProtocol::Udp, pattern(65516), {}).error(),
            Errc::MessageTooLong);
  EXPECT_TRUE(h.stack.ipv4().send_ipv4(wire::Ipv4Address::any(), kPeerIp, net::IpProtocol::Udp, pattern(1480),
                                       {.dont_fragment = true}));
  EXPECT_EQ(h.counter("ip.tx_dropped_too_big"), 2u);
}

TEST_F(Ipv4Test, PathMtuIsLoweredClampedAndUsed) {
  auto& ip = h.stack.ipv4();
  EXPECT_EQ(ip.path_mtu(kRemoteIp), 1500u);
  ip.note_path_mtu(kRemoteIp, 1000);
  EXPECT_EQ(ip.path_mtu(kRemoteIp), 1000u);
  ip.note_path_mtu(kRemoteIp, 1200);  // never raised by a report
  EXPECT_EQ(ip.path_mtu(kRemoteIp), 1000u);
  ip.note_path_mtu(kRemoteIp, 68);  // forged: clamped
  EXPECT_EQ(ip.path_mtu(kRemoteIp), net::Ipv4Layer::kMinPathMtu);
  EXPECT_EQ(ip.path_mtu(kPeerIp), 1500u);
  ASSERT_TRUE(ip.send_ipv4(wire::Ipv4Address::any(), kRemoteIp, net::IpProtocol::Udp, pattern(1000), {}));
  const auto frames = h.take_frames();
  ASSERT_EQ(frames.size(), 2u);
  EXPECT_EQ(decode_ipv4_frame(frames[0])->payload.size(), 528u);
  // RFC 1191 §6.3: the estimate ages out.
  h.advance(std::chrono::minutes{11});
  EXPECT_EQ(ip.path_mtu(kRemoteIp), 1500u);
}

TEST_F(Ipv4Test, ReassemblyTimesOutAndSendsTimeExceeded) {
  h.receive(ipv4_frame({.id = 7, .mf = true}, pattern(16)));
  EXPECT_EQ(h.stack.next_deadline(), h.now + std::chrono::seconds{30});
  h.take_frames();
  h.advance(std::chrono::seconds{30});
  EXPECT_EQ(h.counter("reasm.dropped_timeout"), 1u);
  const auto frames = h.take_frames();
  ASSERT_EQ(frames.size(), 1u);
  const auto f = decode_ipv4_frame(frames[0]);
  ASSERT_TRUE(f);
  EXPECT_EQ(f->payload[0], 11);  // time exceeded
  EXPECT_EQ(f->payload[1], 1);   // fragment reassembly time exceeded
  EXPECT_EQ(f->payload.size(), 8u + 20u + 8u);
}

TEST_F(Ipv4Test, ReassemblyTimeoutWithoutFirstFragmentIsSilent) {
  h.receive(ipv4_frame({.id = 7, .mf = false, .offset = 16}, pattern(16)));
  h.advance(std::chrono::seconds{31});
  EXPECT_EQ(h.counter("reasm.dropped_timeout"), 1u);
  EXPECT_TRUE(h.take_frames().empty());
}

}  // namespace
}  // namespace tapstack::test
