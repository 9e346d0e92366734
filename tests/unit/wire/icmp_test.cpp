#include "stack/wire/icmp.hpp"

#include <gtest/gtest.h>

#include <vector>

#include "stack/wire/checksum.hpp"

namespace tapstack::wire {
namespace {

// An echo request, id 0x0001 seq 0x0001, data "abcd", checksum not yet set.
std::vector<std::uint8_t> echo_request() {
  return {0x08, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x01, 'a', 'b', 'c', 'd'};
}

TEST(IcmpHeader, EchoChecksumCoversWholeMessage) {
  auto m = echo_request();
  IcmpHeader::echo(IcmpType::EchoRequest, 1, 1).emit(m);
  // 0x0800 + 0x0001 + 0x0001 + 0x6162 + 0x6364 = 0xccc8 → checksum 0x3337.
  EXPECT_EQ(m[2], 0x33);
  EXPECT_EQ(m[3], 0x37);
  const auto v = IcmpView::parse(m);
  ASSERT_TRUE(v);
  EXPECT_TRUE(v->checksum_valid());
  EXPECT_EQ(v->type(), 8);
  EXPECT_EQ(v->ident(), 1);
  EXPECT_EQ(v->sequence(), 1);
  ASSERT_EQ(v->body().size(), 4u);
  m[9] ^= 1;  // corrupt the data, not the header
  EXPECT_FALSE(IcmpView::parse(m)->checksum_valid());
}

TEST(IcmpView, RejectsTruncated) {
  const auto m = echo_request();
  for (std::size_t n = 0; n < kIcmpHeaderSize; ++n) EXPECT_FALSE(IcmpView::parse(Bytes(m).first(n)));
  EXPECT_TRUE(IcmpView::parse(Bytes(m).first(kIcmpHeaderSize)));
}

TEST(IcmpView, FragNeededCarriesNextHopMtu) {
  std::vector<std::uint8_t> m(8 + 28, 0);
  IcmpHeader{3, 4, 1400}.emit(m);
  const auto v = IcmpView::parse(m);
  ASSERT_TRUE(v);
  EXPECT_EQ(v->next_hop_mtu(), 1400);
  EXPECT_EQ(v->code(), 4);
  EXPECT_TRUE(v->checksum_valid());
  const auto h = IcmpHeader::decode(*v);
  EXPECT_EQ(h.rest_of_header, 1400u);
}

TEST(IcmpType, ErrorTypes) {
  for (int t : {3, 4, 5, 11, 12}) EXPECT_TRUE(is_icmp_error_type(static_cast<std::uint8_t>(t))) << t;
  for (int t : {0, 8, 13, 255}) EXPECT_FALSE(is_icmp_error_type(static_cast<std::uint8_t>(t))) << t;
}

}  // namespace
}  // namespace tapstack::wire
