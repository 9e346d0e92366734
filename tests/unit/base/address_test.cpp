#include "stack/wire/address.hpp"

#include <gtest/gtest.h>

namespace tapstack::wire {
namespace {

TEST(Ipv4Address, ParsesDottedQuad) {
  auto a = Ipv4Address::parse("10.0.0.2");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->value(), 0x0a000002u);
  EXPECT_EQ(a->to_string(), "10.0.0.2");
}

TEST(Ipv4Address, RejectsMalformed) {
  for (const char* bad : {"", "10.0.0", "10.0.0.2.3", "256.0.0.1", "1..2.3", "a.b.c.d", "10.0.0.2 ",
                          "-1.0.0.0", "10.0.0.", "1000.0.0.1"}) {
    EXPECT_FALSE(Ipv4Address::parse(bad)) << bad;
  }
}

TEST(Ipv4Cidr, ParsesAndComputesSubnet) {
  auto c = Ipv4Cidr::parse("10.0.0.2/24");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->prefix_len, 24);
  EXPECT_EQ(c->network().to_string(), "10.0.0.0");
  EXPECT_EQ(c->subnet_broadcast().to_string(), "10.0.0.255");
  EXPECT_TRUE(c->contains(*Ipv4Address::parse("10.0.0.77")));
  EXPECT_FALSE(c->contains(*Ipv4Address::parse("10.0.1.1")));
  EXPECT_EQ(c->to_string(), "10.0.0.2/24");
}

TEST(Ipv4Cidr, PrefixZeroAndThirtyTwo) {
  EXPECT_EQ(Ipv4Cidr::parse("1.2.3.4/0")->netmask(), 0u);
  EXPECT_EQ(Ipv4Cidr::parse("1.2.3.4/32")->netmask(), 0xffffffffu);
  EXPECT_FALSE(Ipv4Cidr::parse("1.2.3.4/33"));
  EXPECT_FALSE(Ipv4Cidr::parse("1.2.3.4"));
  EXPECT_FALSE(Ipv4Cidr::parse("1.2.3.4/"));
}

TEST(MacAddress, ParsesAndFormats) {
  auto m = MacAddress::parse("02:AB:cd:00:00:01");
  ASSERT_TRUE(m);
  EXPECT_EQ(m->to_string(), "02:ab:cd:00:00:01");
  EXPECT_FALSE(m->is_multicast());
  EXPECT_TRUE(MacAddress::broadcast().is_broadcast());
  EXPECT_FALSE(MacAddress::parse("02:ab:cd:00:00"));
  EXPECT_FALSE(MacAddress::parse("02:ab:cd:00:00:0g"));
  EXPECT_FALSE(MacAddress::parse("02ab:cd:00:00:01:"));
}

}  // namespace
}  // namespace tapstack::wire
