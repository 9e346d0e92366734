#include "stack/services/udp_echo.hpp"

#include <gtest/gtest.h>

#include <vector>

#include "unit/udp/fake_ipv4.hpp"

namespace tapstack::services {
namespace {

using tapstack::testing::FakeIpv4;
using tapstack::testing::kOurAddress;
using tapstack::testing::kPeerAddress;
using tapstack::testing::packet_info;

class UdpEchoTest : public ::testing::Test {
 protected:
  void send_to_echo(std::uint16_t from_port, const std::vector<std::uint8_t>& data,
                    wire::Ipv4Address dst = kOurAddress) {
    const auto datagram = wire::build_udp(kPeerAddress, dst, from_port, kEchoPort, data);
    (void)udp.on_ipv4_packet(packet_info(kPeerAddress, dst), datagram, Instant{});
    for (const auto& e : events.drain()) EXPECT_TRUE(echo.on_event(e, Instant{}));
  }

  FakeIpv4 ip;
  SeededRng rng{1};
  EventQueue events;
  net::UdpLayer udp{ip, rng, events, net::UdpSettings{}};
  UdpEcho echo{udp};
};

TEST_F(UdpEchoTest, EchoesEachDatagramToItsSender) {
  ASSERT_TRUE(echo.start().ok());
  EXPECT_EQ(echo.start().error(), Errc::InvalidState);
  send_to_echo(40000, {'h', 'i'});
  send_to_echo(40001, {});
  ASSERT_EQ(ip.sent.size(), 2u);
  const auto reply = wire::parse_udp(ip.sent[0].payload, ip.sent[0].src, ip.sent[0].dst);
  ASSERT_EQ(reply.status, wire::UdpParseStatus::Ok);
  EXPECT_EQ(ip.sent[0].dst, kPeerAddress);
  EXPECT_EQ(reply.repr.src_port, kEchoPort);
  EXPECT_EQ(reply.repr.dst_port, 40000);
  EXPECT_EQ(std::vector<std::uint8_t>(reply.repr.payload.begin(), reply.repr.payload.end()),
            (std::vector<std::uint8_t>{'h', 'i'}));
  EXPECT_EQ(ip.sent[1].payload.size(), wire::kUdpHeaderLen);  // empty datagram echoed empty
  EXPECT_EQ(echo.counters().echoed, 2u);
  EXPECT_EQ(echo.counters().bytes, 2u);
}

TEST_F(UdpEchoTest, RefusesSourcesThatCouldLoop) {
  ASSERT_TRUE(echo.start().ok());
  send_to_echo(7, {'x'});   // another echo server
  send_to_echo(19, {'x'});  // chargen
  EXPECT_TRUE(ip.sent.empty());
  EXPECT_EQ(echo.counters().refused, 2u);
}

TEST_F(UdpEchoTest, IgnoresBroadcastsAndOtherSockets) {
  ASSERT_TRUE(echo.start().ok());
  send_to_echo(40000, {'x'}, wire::Ipv4Address::broadcast());
  EXPECT_TRUE(ip.sent.empty());
  const auto other = *udp.open();
  EXPECT_FALSE(echo.on_event({net::IpProtocol::Udp, other, SocketEventKind::Readable}, Instant{}));
}

TEST_F(UdpEchoTest, CountsSendErrorsAndPortConflicts) {
  ASSERT_TRUE(echo.start().ok());
  ip.fail_with = Errc::HostUnreachable;
  send_to_echo(40000, {'x'});
  EXPECT_EQ(echo.counters().send_errors, 1u);
  UdpEcho second{udp};
  EXPECT_EQ(second.start().error(), Errc::AddressInUse);
  EXPECT_EQ(udp.list().size(), 1u);  // the failed socket was closed
}

}  // namespace
}  // namespace tapstack::services
