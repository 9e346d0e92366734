#include <gtest/gtest.h>

#include "support/stack_harness.hpp"

namespace tapstack::test {
namespace {

using wire::IcmpType;
using wire::MacAddress;

class IcmpTest : public ::testing::Test {
 protected:
  IcmpTest() { h.learn(kPeerIp, kPeerMac); }
  explicit IcmpTest(const StackConfig& c) : h(c) { h.learn(kPeerIp, kPeerMac); }

  // Sends an echo request of `size` data bytes (fragmented if needed) and
  // returns the reassembled reply payload (the ICMP message).
  Buffer echo_round_trip(std::size_t size) {
    const auto request = icmp_echo(IcmpType::EchoRequest, 0x4242, 7, pattern(size, 3));
    // Fragment the request ourselves at 1480-byte boundaries.
    for (std::size_t off = 0; off < request.size() || off == 0; off += 1480) {
      const std::size_t n = std::min<std::size_t>(1480, request.size() - off);
      h.receive(ipv4_frame({.protocol = kProtoIcmp, .id = 99, .mf = off + n < request.size(),
                            .offset = static_cast<std::uint16_t>(off)},
                           Bytes(request).subspan(off, n)));
    }
    Buffer reply;
    for (const auto& f : h.take_frames()) {
      const auto ip = decode_ipv4_frame(f);
      EXPECT_TRUE(ip);
      EXPECT_EQ(ip->ip.destination, kPeerIp);
      EXPECT_EQ(ip->ip.protocol, kProtoIcmp);
      EXPECT_EQ(ip->ip.fragment_offset, reply.size());
      reply.insert(reply.end(), ip->payload.begin(), ip->payload.end());
    }
    return reply;
  }

  StackHarness h;
};

class IcmpEchoSizes : public IcmpTest, public ::testing::WithParamInterface<std::size_t> {};

TEST_P(IcmpEchoSizes, ReplyCarriesPayloadByteForByte) {
  const std::size_t size = GetParam();
  const auto reply = echo_round_trip(size);
  ASSERT_EQ(reply.size(), 8u + size);
  const auto v = wire::IcmpView::parse(reply);
  ASSERT_TRUE(v);
  EXPECT_TRUE(v->checksum_valid());
  EXPECT_EQ(v->type(), 0);
  EXPECT_EQ(v->code(), 0);
  EXPECT_EQ(v->ident(), 0x4242);
  EXPECT_EQ(v->sequence(), 7);
  EXPECT_EQ(Buffer(v->body().begin(), v->body().end()), pattern(size, 3));
  EXPECT_EQ(h.counter("icmp.tx_echo_replies"), 1u);
}

INSTANTIATE_TEST_SUITE_P(Sizes, IcmpEchoSizes, ::testing::Values(0, 56, 4000));

TEST_F(IcmpTest, EchoToBroadcastIsIgnored) {
  const auto request = icmp_echo(IcmpType::EchoRequest, 1, 1, pattern(8));
  h.receive(ipv4_frame({.dst = wire::Ipv4Address::broadcast(), .protocol = kProtoIcmp}, request,
                       MacAddress::broadcast()));
  EXPECT_TRUE(h.take_frames().empty());
  EXPECT_EQ(h.counter("icmp.rx_echo_dropped_broadcast"), 1u);
}

TEST_F(IcmpTest, BadChecksumAndRuntsAreCounted) {
  auto request = icmp_echo(IcmpType::EchoRequest, 1, 1, pattern(8));
  request[10] ^= 1;
  h.receive(ipv4_frame({.protocol = kProtoIcmp}, request));
  h.receive(ipv4_frame({.protocol = kProtoIcmp}, pattern(5)));
  EXPECT_EQ(h.counter("icmp.rx_dropped_bad_checksum"), 1u);
  EXPECT_EQ(h.counter("icmp.rx_dropped_malformed"), 1u);
  EXPECT_TRUE(h.take_frames().empty());
}

// The ICMP error the stack sent in reply, decoded.
std::optional<wire::IcmpHeader> sent_error(const std::vector<Buffer>& frames, Buffer* quote = nullptr) {
  if (frames.size() != 1) return std::nullopt;
  const auto ip = decode_ipv4_frame(frames[0]);
  if (!ip || ip->ip.protocol != kProtoIcmp) return std::nullopt;
  const auto v = wire::IcmpView::parse(ip->payload);
  if (!v || !v->checksum_valid()) return std::nullopt;
  if (quote != nullptr) *quote = Buffer(v->body().begin(), v->body().end());
  return wire::IcmpHeader::decode(*v);
}

TEST_F(IcmpTest, ProtocolUnreachableForUnknownProtocol) {
  const auto datagram = ipv4_packet({.protocol = 99}, pattern(30));
  h.receive(ethernet_frame(kStackMac, kPeerMac, 0x0800, datagram));
  Buffer quote;
  const auto e = sent_error(h.take_frames(), &quote);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->type, 3);
  EXPECT_EQ(e->code, 2);
  // RFC 792: the original header and its first 8 data bytes.
  EXPECT_EQ(quote, Buffer(datagram.begin(), datagram.begin() + 28));
  EXPECT_EQ(h.counter("ip.rx_dropped_no_protocol"), 1u);
}

TEST_F(IcmpTest, PortUnreachableWhenTransportHasNoListener) {
  FakeTransport udp;
  udp.delivery = net::TransportProtocol::Delivery::NoListener;
  h.stack.register_transport(net::IpProtocol::Udp, udp);
  h.receive(ipv4_frame({}, pattern(12)));
  const auto e = sent_error(h.take_frames());
  ASSERT_TRUE(e);
  EXPECT_EQ(e->type, 3);
  EXPECT_EQ(e->code, 3);
  EXPECT_EQ(h.counter("ip.rx_dropped_no_listener"), 1u);
}

TEST_F(IcmpTest, NoErrorForBroadcastsOrAboutIcmpErrors) {
  FakeTransport udp;
  udp.delivery = net::TransportProtocol::Delivery::NoListener;
  h.stack.register_transport(net::IpProtocol::Udp, udp);
  h.receive(ipv4_frame({.dst = wire::Ipv4Address{10, 0, 0, 255}}, pattern(12), MacAddress::broadcast()));
  h.receive(ipv4_frame({}, pattern(12), MacAddress::broadcast()));  // link-layer broadcast
  // An ICMP error quoting a protocol nothing handles is dropped, never answered.
  const auto quoted = ipv4_packet({.src = kStackIp, .dst = kPeerIp, .protocol = 99}, pattern(8));
  h.receive(ipv4_frame({.protocol = kProtoIcmp}, icmp_message(3, 3, 0, quoted)));
  EXPECT_TRUE(h.take_frames().empty());
  EXPECT_EQ(h.counter("icmp.tx_errors_suppressed"), 2u);
  EXPECT_EQ(h.counter("icmp.rx_errors_dropped_no_transport"), 1u);
}

TEST(IcmpRules, NeverAboutAnIcmpErrorOrANonFirstFragment) {
  StackHarness h;
  h.learn(kPeerIp, kPeerMac);
  // An ICMP error datagram: the stack must not answer it with another error.
  const auto error_datagram = ipv4_packet({.protocol = kProtoIcmp},
                                          icmp_message(3, 1, 0, pattern(28)));
  h.stack.icmp().send_unreachable(wire::UnreachableCode::Port, *wire::Ipv4View::parse(error_datagram),
                                  false, h.now);
  // A non-first fragment.
  const auto fragment = ipv4_packet({.offset = 8}, pattern(8));
  h.stack.icmp().send_unreachable(wire::UnreachableCode::Protocol, *wire::Ipv4View::parse(fragment),
                                  false, h.now);
  EXPECT_TRUE(h.take_frames().empty());
  EXPECT_EQ(h.counter("icmp.tx_errors_suppressed"), 2u);
  // An echo request (an ICMP query, not an error) may be answered.
  const auto query = ipv4_packet({.protocol = kProtoIcmp}, icmp_echo(IcmpType::EchoRequest, 1, 1, {}));
  h.stack.icmp().send_unreachable(wire::UnreachableCode::Port, *wire::Ipv4View::parse(query), false, h.now);
  EXPECT_EQ(h.take_frames().size(), 1u);
}

TEST(IcmpRateLimit, TokenBucketLimitsErrors) {
  StackConfig c = default_config();
  c.icmp.error_rate_per_second = 2;
  c.icmp.error_burst = 3;
  StackHarness h(c);
  h.learn(kPeerIp, kPeerMac);
  for (int i = 0; i < 10; ++i) h.receive(ipv4_frame({.protocol = 99}, pattern(8)));
  EXPECT_EQ(h.take_frames().size(), 3u);
  EXPECT_EQ(h.counter("icmp.tx_errors_rate_limited"), 7u);
  h.now += std::chrono::milliseconds{500};  // one token back
  for (int i = 0; i < 3; ++i) h.receive(ipv4_frame({.protocol = 99}, pattern(8)));
  EXPECT_EQ(h.take_frames().size(), 1u);
  h.now += std::chrono::hours{1};  // refills only up to the burst
  for (int i = 0; i < 5; ++i) h.receive(ipv4_frame({.protocol = 99}, pattern(8)));
  EXPECT_EQ(h.take_frames().size(), 3u);
}

TEST_F(IcmpTest, FragNeededReachesTransportWhichAloneMayLowerThePathMtu) {
  FakeTransport tcp;
  h.stack.register_transport(net::IpProtocol::Tcp, tcp);
  const auto segment = pattern(20, 1);
  const auto original = ipv4_packet({.src = kStackIp, .dst = kRemoteIp, .protocol = kProtoTcp, .df = true}, segment);
  const Buffer quote(original.begin(), original.begin() + 28);
  h.receive(ipv4_frame({.src = kGatewayIp, .protocol = kProtoIcmp}, icmp_message(3, 4, 1300, quote)));
  // RFC 8201 §4: the ICMP layer cannot tell a real flow from a forged quote.
  EXPECT_EQ(h.stack.ipv4().path_mtu(kRemoteIp), 1500u);
  ASSERT_EQ(tcp.errors.size(), 1u);
  const auto& e = tcp.errors[0];
  EXPECT_EQ(e.info.kind, net::IcmpErrorInfo::Kind::FragmentationNeeded);
  EXPECT_EQ(e.info.next_hop_mtu, 1300);
  EXPECT_EQ(e.info.original_dst, kRemoteIp);
  EXPECT_EQ(e.transport_header, Buffer(segment.begin(), segment.begin() + 8));
}

TEST_F(IcmpTest, ReportedPathMtuIsClampedFromBelow) {
  h.stack.ipv4().note_path_mtu(kRemoteIp, 100);
  EXPECT_EQ(h.stack.ipv4().path_mtu(kRemoteIp), net::Ipv4Layer::kMinPathMtu);
}

TEST_F(IcmpTest, FragNeededWithoutMtuUsesPlateau) {
  FakeTransport tcp;
  h.stack.register_transport(net::IpProtocol::Tcp, tcp);
  const auto original = ipv4_packet({.src = kStackIp, .dst = kRemoteIp, .protocol = kProtoTcp}, pattern(1480));
  h.receive(ipv4_frame({.src = kGatewayIp, .protocol = kProtoIcmp},
                       icmp_message(3, 4, 0, Bytes(original).first(28))));
  ASSERT_EQ(tcp.errors.size(), 1u);
  EXPECT_EQ(tcp.errors[0].info.next_hop_mtu, 1492);
}

TEST_F(IcmpTest, UnreachableAndTimeExceededReachTransport) {
  FakeTransport udp;
  h.stack.register_transport(net::IpProtocol::Udp, udp);
  const auto original = ipv4_packet({.src = kStackIp, .dst = kPeerIp}, pattern(8));
  h.receive(ipv4_frame({.protocol = kProtoIcmp}, icmp_message(3, 3, 0, original)));
  h.receive(ipv4_frame({.protocol = kProtoIcmp}, icmp_message(11, 0, 0, original)));
  ASSERT_EQ(udp.errors.size(), 2u);
  EXPECT_EQ(udp.errors[0].info.kind, net::IcmpErrorInfo::Kind::PortUnreachable);
  EXPECT_EQ(udp.errors[1].info.kind, net::IcmpErrorInfo::Kind::TimeExceeded);
  // Errors about someone else's datagram, or with a cut quote, are dropped.
  const auto foreign = ipv4_packet({.src = kRemoteIp, .dst = kPeerIp}, pattern(8));
  h.receive(ipv4_frame({.protocol = kProtoIcmp}, icmp_message(3, 3, 0, foreign)));
  h.receive(ipv4_frame({.protocol = kProtoIcmp}, icmp_message(3, 3, 0, Bytes(original).first(24))));
  EXPECT_EQ(udp.errors.size(), 2u);
  EXPECT_EQ(h.counter("icmp.rx_errors_dropped_not_ours"), 1u);
  EXPECT_EQ(h.counter("icmp.rx_errors_dropped_malformed"), 1u);
}

TEST_F(IcmpTest, StackOriginatedPingIsMatched) {
  const auto sent = h.stack.icmp().ping(kPeerIp, 0x77, 3, pattern(56), h.now);
  ASSERT_TRUE(sent);
  EXPECT_EQ(*sent, 3);
  const auto frames = h.take_frames();
  ASSERT_EQ(frames.size(), 1u);
  const auto req = decode_ipv4_frame(frames[0]);
  ASSERT_TRUE(req);
  const auto v = wire::IcmpView::parse(req->payload);
  ASSERT_TRUE(v);
  EXPECT_EQ(v->type(), 8);
  EXPECT_TRUE(v->checksum_valid());
  const Instant sent_at = h.now;
  h.now += std::chrono::milliseconds{3};
  // A reply from the wrong host, and one with the wrong sequence, do not match.
  h.receive(ipv4_frame({.src = kRemoteIp, .protocol = kProtoIcmp, .ttl = 50},
                       icmp_echo(IcmpType::EchoReply, 0x77, 3, pattern(56))));
  h.receive(ipv4_frame({.protocol = kProtoIcmp}, icmp_echo(IcmpType::EchoReply, 0x77, 4, pattern(56))));
  h.receive(ipv4_frame({.protocol = kProtoIcmp, .ttl = 63}, icmp_echo(IcmpType::EchoReply, 0x77, 3, pattern(56))));
  const auto replies = h.stack.icmp().drain_ping_replies();
  ASSERT_EQ(replies.size(), 1u);
  EXPECT_EQ(replies[0].ident, 0x77);
  EXPECT_EQ(replies[0].seq, 3);
  EXPECT_EQ(replies[0].from, kPeerIp);
  EXPECT_EQ(replies[0].ttl, 63);
  EXPECT_EQ(replies[0].payload_size, 56u);
  EXPECT_EQ(replies[0].sent_at, sent_at);
  EXPECT_EQ(replies[0].received_at, h.now);
  EXPECT_EQ(h.counter("icmp.rx_echo_replies_unmatched"), 2u);
  EXPECT_TRUE(h.stack.icmp().drain_ping_replies().empty());
}

// Issue 11: an echo request whose next hop never answers ARP is reported as
// host unreachable, from our own address, once ARP gives up (~3 s), and is
// "awaiting resolution" until then.
TEST(IcmpPing, ArpFailureAnswersHostUnreachable) {
  StackHarness h;
  const wire::Ipv4Address silent{10, 0, 0, 9};
  ASSERT_TRUE(h.stack.icmp().ping(silent, 0x55, 7, pattern(56), h.now));
  ASSERT_TRUE(h.stack.icmp().ping(silent, 0x55, 8, pattern(56), h.now));
  EXPECT_TRUE(h.stack.icmp().awaiting_resolution(0x55, 7));
  const auto run_for = [&h](int steps) {
    for (int i = 0; i < steps; ++i) h.advance(std::chrono::milliseconds{100});
  };
  run_for(25);  // requests at 0, 1 and 2 s; none answered yet
  EXPECT_TRUE(h.stack.icmp().drain_ping_replies().empty());
  EXPECT_TRUE(h.stack.icmp().awaiting_resolution(0x55, 8));
  run_for(10);  // ARP gives up at 3 s
  const auto replies = h.stack.icmp().drain_ping_replies();
  ASSERT_EQ(replies.size(), 2u);
  EXPECT_TRUE(replies[0].host_unreachable);
  EXPECT_EQ(replies[0].seq, 7);
  EXPECT_EQ(replies[1].seq, 8);
  EXPECT_EQ(replies[0].ident, 0x55);
  EXPECT_EQ(replies[0].from, kStackIp);
  EXPECT_FALSE(h.stack.icmp().awaiting_resolution(0x55, 7));
  EXPECT_EQ(h.counter("icmp.tx_echo_unresolved"), 2u);
}

TEST(IcmpPing, FailsWithoutRoute) {
  StackConfig c = default_config();
  c.gateway.reset();
  StackHarness h(c);
  EXPECT_EQ(h.stack.icmp().ping(kRemoteIp, 1, 1, {}, h.now).error(), Errc::NetworkUnreachable);
}

}  // namespace
}  // namespace tapstack::test
