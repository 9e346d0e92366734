#include "stack/wire/arp.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace tapstack::wire {
namespace {

// Who has 10.0.0.2? Tell 10.0.0.1 (as tcpdump prints it).
const std::vector<std::uint8_t> kRequest{
    0x00, 0x01, 0x08, 0x00, 0x06, 0x04, 0x00, 0x01,  // Ethernet, IPv4, 6, 4, request
    0x02, 0x00, 0x00, 0x00, 0x00, 0x01,              // sender MAC
    0x0a, 0x00, 0x00, 0x01,                          // sender IP
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00,              // target MAC
    0x0a, 0x00, 0x00, 0x02};                         // target IP

TEST(ArpView, ParsesGoldenRequest) {
  const auto v = ArpView::parse(kRequest);
  ASSERT_TRUE(v);
  EXPECT_EQ(v->operation(), 1);
  EXPECT_EQ(v->sender_mac().to_string(), "02:00:00:00:00:01");
  EXPECT_EQ(v->sender_ip(), Ipv4Address(10, 0, 0, 1));
  EXPECT_TRUE(v->target_mac().is_zero());
  EXPECT_EQ(v->target_ip(), Ipv4Address(10, 0, 0, 2));
  const auto p = ArpPacket::decode(*v);
  ASSERT_TRUE(p);
  EXPECT_EQ(p->operation, ArpOperation::Request);
}

TEST(ArpView, IgnoresPaddingRejectsTruncated) {
  auto padded = kRequest;
  padded.resize(46, 0);
  EXPECT_TRUE(ArpView::parse(padded));
  for (std::size_t n = 0; n < kRequest.size(); ++n) {
    EXPECT_FALSE(ArpView::parse(Bytes(kRequest).first(n))) << n;
  }
}

TEST(ArpView, RejectsOtherHardwareAndProtocols) {
  for (std::size_t at : {1u, 2u, 4u, 5u}) {
    auto bad = kRequest;
    bad[at] ^= 0x10;
    EXPECT_FALSE(ArpView::parse(bad)) << at;
  }
}

TEST(ArpPacket, UnknownOpcodeDoesNotDecode) {
  auto bad = kRequest;
  bad[7] = 3;  // RARP request
  const auto v = ArpView::parse(bad);
  ASSERT_TRUE(v);
  EXPECT_FALSE(ArpPacket::decode(*v));
}

TEST(ArpPacket, EmitsGoldenBytes) {
  const ArpPacket p{ArpOperation::Request, MacAddress{{0x02, 0, 0, 0, 0, 0x01}},
                    Ipv4Address(10, 0, 0, 1), MacAddress{}, Ipv4Address(10, 0, 0, 2)};
  std::vector<std::uint8_t> out(ArpPacket::wire_size());
  p.emit(out);
  EXPECT_EQ(out, kRequest);
}

}  // namespace
}  // namespace tapstack::wire
