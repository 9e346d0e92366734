#include "stack/wire/ipv4.hpp"

#include <gtest/gtest.h>

#include <vector>

#include "stack/wire/checksum.hpp"

namespace tapstack::wire {
namespace {

// A UDP datagram 192.168.0.1 → 192.168.0.199, total length 0x73, DF, TTL 64.
std::vector<std::uint8_t> golden() {
  std::vector<std::uint8_t> d{0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40, 0x00, 0x40, 0x11,
                              0xb8, 0x61, 0xc0, 0xa8, 0x00, 0x01, 0xc0, 0xa8, 0x00, 0xc7};
  d.resize(0x73, 0xab);
  return d;
}

TEST(Ipv4View, ParsesGoldenDatagram) {
  const auto d = golden();
  const auto v = Ipv4View::parse(d);
  ASSERT_TRUE(v);
  EXPECT_EQ(v->version(), 4);
  EXPECT_EQ(v->header_length(), 20u);
  EXPECT_EQ(v->total_length(), 0x73);
  EXPECT_TRUE(v->dont_fragment());
  EXPECT_FALSE(v->more_fragments());
  EXPECT_FALSE(v->is_fragment());
  EXPECT_EQ(v->ttl(), 64);
  EXPECT_EQ(v->protocol(), 17);
  EXPECT_EQ(v->source(), Ipv4Address(192, 168, 0, 1));
  EXPECT_EQ(v->destination(), Ipv4Address(192, 168, 0, 199));
  EXPECT_TRUE(v->checksum_valid());
  EXPECT_EQ(v->payload().size(), 0x73u - 20);
  EXPECT_TRUE(v->options().empty());
}

TEST(Ipv4View, PaddingIsExcluded) {
  auto d = golden();
  d.resize(d.size() + 9, 0);
  const auto v = Ipv4View::parse(d);
  ASSERT_TRUE(v);
  EXPECT_EQ(v->bytes().size(), 0x73u);
  EXPECT_EQ(v->payload().size(), 0x73u - 20);
}

TEST(Ipv4View, RejectsTruncatedAndLyingLengths) {
  const auto d = golden();
  for (std::size_t n = 0; n < d.size(); ++n) EXPECT_FALSE(Ipv4View::parse(Bytes(d).first(n))) << n;
  auto bad = d;
  bad[0] = 0x65;  // version 6
  EXPECT_FALSE(Ipv4View::parse(bad));
  bad = d;
  bad[0] = 0x44;  // IHL 4
  EXPECT_FALSE(Ipv4View::parse(bad));
  bad = d;
  bad[0] = 0x4f;  // IHL 15 = 60 bytes, fine within 0x73
  EXPECT_TRUE(Ipv4View::parse(bad));
  bad = d;
  store_be16(bad, 2, 19);  // total length below the header
  EXPECT_FALSE(Ipv4View::parse(bad));
  bad = d;
  store_be16(bad, 2, 0x74);  // total length beyond the buffer
  EXPECT_FALSE(Ipv4View::parse(bad));
  bad = d;
  bad[0] = 0x4f;
  store_be16(bad, 2, 40);  // total length shorter than IHL*4
  EXPECT_FALSE(Ipv4View::parse(bad));
}

TEST(Ipv4View, DetectsBadChecksum) {
  auto d = golden();
  d[8] = 0x3f;
  const auto v = Ipv4View::parse(d);
  ASSERT_TRUE(v);
  EXPECT_FALSE(v->checksum_valid());
}

TEST(Ipv4View, OptionsAreSkipped) {
  std::vector<std::uint8_t> d{0x46, 0, 0, 28, 0, 1, 0x20, 0x03, 64, 6, 0, 0,
                              10,   0, 0, 1,  10, 0, 0,    2,    0x01, 0x01, 0x01, 0x00,
                              1,    2, 3, 4};
  store_be16(d, 10, internet_checksum(Bytes(d).first(24)));
  const auto v = Ipv4View::parse(d);
  ASSERT_TRUE(v);
  EXPECT_TRUE(v->checksum_valid());
  EXPECT_EQ(v->options().size(), 4u);
  EXPECT_EQ(v->payload().size(), 4u);
  EXPECT_EQ(v->payload()[0], 1);
  EXPECT_TRUE(v->more_fragments());
  EXPECT_EQ(v->fragment_offset(), 24u);
  EXPECT_TRUE(v->is_fragment());
}

TEST(Ipv4View, ParseQuotedAcceptsCutShortDatagram) {
  const auto d = golden();
  const auto quote = Bytes(d).first(28);
  EXPECT_FALSE(Ipv4View::parse(quote));
  const auto v = Ipv4View::parse_quoted(quote);
  ASSERT_TRUE(v);
  EXPECT_EQ(v->total_length(), 0x73);
  EXPECT_EQ(v->payload().size(), 8u);
  EXPECT_FALSE(Ipv4View::parse_quoted(Bytes(d).first(19)));
}

TEST(Ipv4Header, EmitsGoldenHeader) {
  Ipv4Header h;
  h.identification = 0;
  h.dont_fragment = true;
  h.ttl = 64;
  h.protocol = 17;
  h.source = Ipv4Address(192, 168, 0, 1);
  h.destination = Ipv4Address(192, 168, 0, 199);
  h.payload_length = 0x73 - 20;
  std::vector<std::uint8_t> out(Ipv4Header::wire_size());
  h.emit(out);
  const auto d = golden();
  EXPECT_EQ(out, std::vector<std::uint8_t>(d.begin(), d.begin() + 20));
}

TEST(Ipv4Header, FragmentFieldsRoundTrip) {
  Ipv4Header h;
  h.identification = 0xbeef;
  h.more_fragments = true;
  h.fragment_offset = 1480;
  h.protocol = 1;
  h.tos = 0x10;
  h.source = Ipv4Address(10, 0, 0, 2);
  h.destination = Ipv4Address(10, 0, 0, 1);
  h.payload_length = 8;
  std::vector<std::uint8_t> out(28, 0);
  h.emit(out);
  const auto v = Ipv4View::parse(out);
  ASSERT_TRUE(v);
  EXPECT_TRUE(v->checksum_valid());
  const auto back = Ipv4Header::decode(*v);
  EXPECT_EQ(back.identification, 0xbeef);
  EXPECT_TRUE(back.more_fragments);
  EXPECT_FALSE(back.dont_fragment);
  EXPECT_EQ(back.fragment_offset, 1480);
  EXPECT_EQ(back.tos, 0x10);
  EXPECT_EQ(back.payload_length, 8);
}

TEST(Ipv4Rewrite, FixesLengthFlagsAndChecksum) {
  auto d = golden();
  ipv4_rewrite_length_and_fragment(d, 0x73, 0x2001);
  const auto v = Ipv4View::parse(d);
  ASSERT_TRUE(v);
  EXPECT_TRUE(v->checksum_valid());
  EXPECT_TRUE(v->more_fragments());
  EXPECT_EQ(v->fragment_offset(), 8u);
}

}  // namespace
}  // namespace tapstack::wire
