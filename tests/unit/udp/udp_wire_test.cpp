#include "stack/wire/udp.hpp"

#include <gtest/gtest.h>

#include <array>
#include <vector>

#include "stack/wire/checksum.hpp"

namespace tapstack::wire {
namespace {

constexpr Ipv4Address kSrc{10, 0, 0, 1};
constexpr Ipv4Address kDst{10, 0, 0, 2};

// 10.0.0.1:12345 → 10.0.0.2:7 "hello"; checksum computed independently (0x77bf).
const std::vector<std::uint8_t> kGolden{0x30, 0x39, 0x00, 0x07, 0x00, 0x0d, 0x77,
                                        0xbf, 0x68, 0x65, 0x6c, 0x6c, 0x6f};
const std::vector<std::uint8_t> kHello{'h', 'e', 'l', 'l', 'o'};

TEST(UdpWire, BuildMatchesGoldenBytes) {
  EXPECT_EQ(build_udp(kSrc, kDst, 12345, 7, kHello), kGolden);
}

TEST(UdpWire, ParsesGoldenDatagram) {
  const auto parsed = parse_udp(kGolden, kSrc, kDst);
  ASSERT_EQ(parsed.status, UdpParseStatus::Ok);
  EXPECT_EQ(parsed.repr.src_port, 12345);
  EXPECT_EQ(parsed.repr.dst_port, 7);
  EXPECT_TRUE(parsed.repr.had_checksum);
  EXPECT_EQ(std::vector<std::uint8_t>(parsed.repr.payload.begin(), parsed.repr.payload.end()),
            kHello);
}

TEST(UdpWire, ChecksumCoversPseudoHeader) {
  EXPECT_EQ(parse_udp(kGolden, kSrc, Ipv4Address{10, 0, 0, 3}).status,
            UdpParseStatus::BadChecksum);
}

TEST(UdpWire, EveryFlippedBitFailsTheChecksum) {
  for (std::size_t bit = 0; bit < kGolden.size() * 8; ++bit) {
    auto copy = kGolden;
    copy[bit / 8] = static_cast<std::uint8_t>(copy[bit / 8] ^ (1u << (bit % 8)));
    const auto status = parse_udp(copy, kSrc, kDst).status;
    EXPECT_NE(status, UdpParseStatus::Ok) << "bit " << bit;
  }
}

TEST(UdpWire, ZeroChecksumMeansNone) {
  auto copy = kGolden;
  copy[6] = copy[7] = 0;
  copy[8] = 'j';  // payload changed: no checksum, so still accepted
  const auto parsed = parse_udp(copy, kSrc, kDst);
  ASSERT_EQ(parsed.status, UdpParseStatus::Ok);
  EXPECT_FALSE(parsed.repr.had_checksum);
}

// RFC 768: a computed checksum of zero is transmitted as all ones, and verifies.
TEST(UdpWire, ZeroSumIsSentAsAllOnes) {
  std::vector<std::uint8_t> payload{0, 0};
  auto datagram = build_udp(kSrc, kDst, 1000, 2000, payload);
  datagram[6] = datagram[7] = 0;
  // Choose the payload word so that the sum folds to 0xffff (checksum 0).
  InternetChecksum c = pseudo_header_checksum(kSrc, kDst, kUdpProtocolNumber,
                                              static_cast<std::uint16_t>(datagram.size()));
  c.add(datagram);
  const std::uint16_t folded = static_cast<std::uint16_t>(~c.finish());
  const auto word = static_cast<std::uint16_t>(0xffff - folded);
  payload = {static_cast<std::uint8_t>(word >> 8), static_cast<std::uint8_t>(word)};
  datagram = build_udp(kSrc, kDst, 1000, 2000, payload);
  EXPECT_EQ(datagram[6], 0xff);
  EXPECT_EQ(datagram[7], 0xff);
  EXPECT_EQ(parse_udp(datagram, kSrc, kDst).status, UdpParseStatus::Ok);
}

TEST(UdpWire, LengthChecks) {
  for (std::size_t n = 0; n < kUdpHeaderLen; ++n) {
    EXPECT_EQ(parse_udp(Bytes(kGolden).first(n), kSrc, kDst).status, UdpParseStatus::TooShort);
  }
  // Length field beyond the IPv4 payload.
  EXPECT_EQ(parse_udp(Bytes(kGolden).first(12), kSrc, kDst).status, UdpParseStatus::BadLength);
  auto small = kGolden;
  small[5] = 7;  // below the header length
  EXPECT_EQ(parse_udp(small, kSrc, kDst).status, UdpParseStatus::BadLength);
}

TEST(UdpWire, TrailingIpPaddingIsIgnored) {
  auto padded = kGolden;
  padded.insert(padded.end(), {0xde, 0xad, 0xbe});
  const auto parsed = parse_udp(padded, kSrc, kDst);
  ASSERT_EQ(parsed.status, UdpParseStatus::Ok);
  EXPECT_EQ(parsed.repr.payload.size(), 5u);
}

TEST(UdpWire, ZeroLengthPayload) {
  const auto datagram = build_udp(kSrc, kDst, 5, 6, {});
  ASSERT_EQ(datagram.size(), kUdpHeaderLen);
  const auto parsed = parse_udp(datagram, kSrc, kDst);
  ASSERT_EQ(parsed.status, UdpParseStatus::Ok);
  EXPECT_TRUE(parsed.repr.payload.empty());
}

}  // namespace
}  // namespace tapstack::wire
