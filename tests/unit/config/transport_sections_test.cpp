// [tcp], [udp] and [dns]: values, lists and the rules across keys.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "config/config.hpp"
#include "unit/config/config_test_support.hpp"

namespace tapstack::config {
namespace {

using ::testing::HasSubstr;
using testing::only_error;

TEST(TransportSections, ReadsTcpUdpAndDns) {
  const auto config = parse_config(R"(
[tcp]
recv_buffer = 65536
rto_min_ms = 100
nagle = false
ephemeral_low = 40000
ephemeral_high = 40100
[udp]
recv_queue_datagrams = 8
[dns]
servers = ["10.0.0.1", "10.0.0.9:5353"]
timeout_ms = 500
hosts = ["10.0.0.1 gateway.test gw", "10.0.0.7   seven.test"]
)",
                                   "t.toml");
  EXPECT_EQ(config.tcp.recv_buffer, 65536u);
  EXPECT_EQ(config.tcp.rto_min, std::chrono::milliseconds{100});
  EXPECT_FALSE(config.tcp.nagle);
  EXPECT_EQ(config.tcp.ephemeral_low, 40000);
  EXPECT_EQ(config.udp.recv_queue_datagrams, 8u);
  ASSERT_EQ(config.dns.servers.size(), 2u);
  EXPECT_EQ(config.dns.servers[0], (DnsServer{wire::Ipv4Address{10, 0, 0, 1}, 53}));
  EXPECT_EQ(config.dns.servers[1], (DnsServer{wire::Ipv4Address{10, 0, 0, 9}, 5353}));
  EXPECT_EQ(config.dns.timeout, std::chrono::milliseconds{500});
  ASSERT_EQ(config.dns.hosts.size(), 2u);
  EXPECT_EQ(config.dns.hosts[0].names, (std::vector<std::string>{"gateway.test", "gw"}));
  EXPECT_EQ(config.dns.hosts[1].address, (wire::Ipv4Address{10, 0, 0, 7}));
}

TEST(TransportSections, RejectsBadServerEntries) {
  EXPECT_EQ(only_error("[dns]\nservers = [\"10.0.0.1:99999\"]\n"),
            "t.toml:2:11: dns.servers: \"10.0.0.1:99999\" has a port outside 1..65535; allowed: an array of "
            "\"ADDRESS\" or \"ADDRESS:PORT\" strings");
  EXPECT_THAT(only_error("[dns]\nservers = [\"dns.example\"]\n"),
              HasSubstr("dns.servers: \"dns.example\" is not an IPv4 address"));
  EXPECT_THAT(only_error("[dns]\nservers = [53]\n"),
              HasSubstr("dns.servers: expected an array of strings, found an integer"));
  EXPECT_THAT(only_error("[dns]\nservers = \"10.0.0.1\"\n"),
              HasSubstr("dns.servers: expected an array of strings, got a string"));
}

TEST(TransportSections, CongestionControlIsCubicOrNewReno) {
  EXPECT_EQ(parse_config("", "t.toml").tcp.congestion, tcp::CongestionAlgorithm::Cubic);
  EXPECT_EQ(parse_config("[tcp]\ncongestion = \"newreno\"\n", "t.toml").tcp.congestion,
            tcp::CongestionAlgorithm::NewReno);
  // Linux's name for it is TCP_CONGESTION's, not the config's.
  EXPECT_THAT(only_error("[tcp]\ncongestion = \"reno\"\n"),
              HasSubstr("tcp.congestion: \"reno\" is not a congestion control algorithm; allowed: "
                        "cubic or newreno"));
}

TEST(TransportSections, EcnIsOffPassiveOrOn) {
  EXPECT_EQ(parse_config("", "t.toml").tcp.ecn, tcp::EcnMode::Passive);
  EXPECT_EQ(parse_config("[tcp]\necn = \"on\"\n", "t.toml").tcp.ecn, tcp::EcnMode::On);
  EXPECT_EQ(parse_config("[tcp]\necn = \"off\"\n", "t.toml").tcp.ecn, tcp::EcnMode::Off);
  EXPECT_THAT(only_error("[tcp]\necn = true\n"), HasSubstr("tcp.ecn:"));
  EXPECT_THAT(only_error("[tcp]\necn = \"yes\"\n"),
              HasSubstr("tcp.ecn: \"yes\" is not an ECN mode; allowed: off, passive or on"));
}

TEST(TransportSections, RejectsBadHostsLines) {
  EXPECT_THAT(only_error("[dns]\nhosts = [\"10.0.0.1\"]\n"),
              HasSubstr("dns.hosts: \"10.0.0.1\" is not \"ADDRESS NAME...\""));
  EXPECT_THAT(only_error("[dns]\nhosts = [\"gw 10.0.0.1\"]\n"),
              HasSubstr("does not start with an IPv4 address"));
}

TEST(TransportSections, PortRangesAndRules) {
  EXPECT_EQ(only_error("[tcp]\nephemeral_low = 80\n"),
            "t.toml:2:17: tcp.ephemeral_low: 80 is out of range; allowed: 1024..65535");
  EXPECT_THAT(only_error("[udp]\nephemeral_high = 70000\n"),
              HasSubstr("udp.ephemeral_high: 70000 is out of range; allowed: 1024..65535"));
  EXPECT_THAT(only_error("[tcp]\nephemeral_low = 50000\nephemeral_high = 40000\n"),
              HasSubstr("tcp.ephemeral_high: 40000 is below tcp.ephemeral_low 50000"));
  EXPECT_THAT(only_error("[tcp]\nrto_min_ms = 2000\n"),
              HasSubstr("tcp.rto_initial_ms: 1000 is not between tcp.rto_min_ms and tcp.rto_max_ms"));
}

TEST(TransportSections, OverrideSetsAList) {
  const auto config = parse_config("", "t.toml", {{"dns.servers", "[\"10.0.0.1\"]"}});
  ASSERT_EQ(config.dns.servers.size(), 1u);
}

}  // namespace
}  // namespace tapstack::config
