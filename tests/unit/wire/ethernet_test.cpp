#include "stack/wire/ethernet.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace tapstack::wire {
namespace {

const std::vector<std::uint8_t> kFrame{
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff,  // destination
    0x02, 0x00, 0x00, 0x00, 0x00, 0x01,  // source
    0x08, 0x06,                          // ARP
    0xde, 0xad};

TEST(EthernetView, ParsesGoldenFrame) {
  const auto v = EthernetView::parse(kFrame);
  ASSERT_TRUE(v);
  EXPECT_TRUE(v->destination().is_broadcast());
  EXPECT_EQ(v->source().to_string(), "02:00:00:00:00:01");
  EXPECT_EQ(v->ether_type(), static_cast<std::uint16_t>(EtherType::Arp));
  ASSERT_EQ(v->payload().size(), 2u);
  EXPECT_EQ(v->payload()[0], 0xde);
}

TEST(EthernetView, RejectsTruncated) {
  for (std::size_t n = 0; n < kEthernetHeaderSize; ++n) {
    EXPECT_FALSE(EthernetView::parse(Bytes(kFrame).first(n))) << n;
  }
  const auto header_only = EthernetView::parse(Bytes(kFrame).first(kEthernetHeaderSize));
  ASSERT_TRUE(header_only);
  EXPECT_TRUE(header_only->payload().empty());
}

TEST(EthernetHeader, EmitsGoldenBytesAndRoundTrips) {
  const EthernetHeader h{MacAddress::broadcast(), MacAddress{{0x02, 0, 0, 0, 0, 0x01}}, 0x0806};
  std::vector<std::uint8_t> out(EthernetHeader::wire_size());
  h.emit(out);
  EXPECT_EQ(out, std::vector<std::uint8_t>(kFrame.begin(), kFrame.begin() + 14));
  const auto back = EthernetHeader::decode(*EthernetView::parse(kFrame));
  EXPECT_EQ(back.destination, h.destination);
  EXPECT_EQ(back.source, h.source);
  EXPECT_EQ(back.ether_type, h.ether_type);
}

}  // namespace
}  // namespace tapstack::wire
