#include <gtest/gtest.h>

#include <vector>

#include "stack/wire/tcp.hpp"

namespace tapstack::wire {
namespace {

const Ipv4Address kSrc{192, 168, 1, 1};
const Ipv4Address kDst{192, 168, 1, 2};

// A SYN from 1234 to 80, seq 0x01020304, window 0x4000, MSS 1460, checksum valid.
std::vector<std::uint8_t> golden_syn() {
  TcpHeader h;
  h.src_port = 1234;
  h.dst_port = 80;
  h.seq = 0x01020304;
  h.flags = tcp_flags::Syn;
  h.window = 0x4000;
  h.options.mss = 1460;
  return build_tcp(kSrc, kDst, h, {});
}

TEST(WireTcp, EncodesGoldenBytes) {
  const auto b = golden_syn();
  const std::vector<std::uint8_t> expected_prefix = {
      0x04, 0xd2, 0x00, 0x50, 0x01, 0x02, 0x03, 0x04, 0x00, 0x00, 0x00, 0x00,
      0x60, 0x02, 0x40, 0x00};
  ASSERT_EQ(b.size(), 24u);
  EXPECT_TRUE(std::equal(expected_prefix.begin(), expected_prefix.end(), b.begin()));
  EXPECT_EQ(b[18], 0);  // urgent
  EXPECT_EQ(b[19], 0);
  EXPECT_EQ(b[20], 2);  // MSS kind, length 4, 1460
  EXPECT_EQ(b[21], 4);
  EXPECT_EQ(b[22], 0x05);
  EXPECT_EQ(b[23], 0xb4);
}

TEST(WireTcp, RoundTripsHeaderOptionsAndPayload) {
  TcpHeader h;
  h.src_port = 40000;
  h.dst_port = 7;
  h.seq = 0xfffffff0;
  h.ack = 17;
  h.flags = tcp_flags::Ack | tcp_flags::Psh;
  h.window = 513;
  h.options.mss = 1400;
  h.options.window_scale = 7;
  h.options.sack_permitted = true;
  h.options.timestamps = TcpTimestamps{11, 22};
  const std::vector<std::uint8_t> payload = {'h', 'i', '!'};
  const auto b = build_tcp(kSrc, kDst, h, payload);
  const TcpParsed p = parse_tcp(b, kSrc, kDst);
  ASSERT_EQ(p.status, TcpParseStatus::Ok);
  EXPECT_EQ(p.header.src_port, 40000);
  EXPECT_EQ(p.header.seq, 0xfffffff0u);
  EXPECT_EQ(p.header.ack, 17u);
  EXPECT_EQ(p.header.flags, tcp_flags::Ack | tcp_flags::Psh);
  EXPECT_EQ(p.header.options, h.options);
  ASSERT_EQ(p.payload.size(), 3u);
  EXPECT_EQ(p.payload[2], '!');
}

TEST(WireTcp, RejectsTruncatedBadOffsetAndChecksum) {
  auto b = golden_syn();
  EXPECT_EQ(parse_tcp(std::span(b).first(19), kSrc, kDst).status, TcpParseStatus::TooShort);
  auto bad_off = b;
  bad_off[12] = 0x40;  // 16-byte header
  EXPECT_EQ(parse_tcp(bad_off, kSrc, kDst).status, TcpParseStatus::BadDataOffset);
  bad_off[12] = 0xf0;  // 60 bytes, more than we have
  EXPECT_EQ(parse_tcp(bad_off, kSrc, kDst).status, TcpParseStatus::BadDataOffset);
  auto bad_sum = b;
  bad_sum[4] ^= 1;
  EXPECT_EQ(parse_tcp(bad_sum, kSrc, kDst).status, TcpParseStatus::BadChecksum);
  // The checksum covers the pseudo-header: another destination fails too.
  EXPECT_EQ(parse_tcp(b, kSrc, Ipv4Address{192, 168, 1, 3}).status, TcpParseStatus::BadChecksum);
}

TEST(WireTcpOptions, StopsAtBadLengthsWithoutReadingPastTheEnd) {
  const std::vector<std::uint8_t> zero_len = {2, 0, 5, 0xb4};
  EXPECT_TRUE(parse_tcp_options(zero_len).malformed);
  const std::vector<std::uint8_t> past_end = {1, 2, 4, 0x05};
  const TcpOptions o = parse_tcp_options(past_end);
  EXPECT_TRUE(o.malformed);
  EXPECT_FALSE(o.mss);
  const std::vector<std::uint8_t> kind_only = {1, 1, 1, 3};
  EXPECT_TRUE(parse_tcp_options(kind_only).malformed);
}

TEST(WireTcpOptions, ClampsWindowScaleAndIgnoresWrongLengths) {
  const std::vector<std::uint8_t> big_ws = {3, 3, 20, 0};
  EXPECT_EQ(parse_tcp_options(big_ws).window_scale, std::optional<std::uint8_t>(14));
  const std::vector<std::uint8_t> mss_len3 = {2, 3, 5, 4, 2, 0, 0, 0};
  const TcpOptions o = parse_tcp_options(mss_len3);
  EXPECT_FALSE(o.mss);
  EXPECT_TRUE(o.sack_permitted);
}

TEST(WireTcpOptions, SackBlocksRoundTripAndBadLengthsAreIgnored) {
  TcpHeader h;
  h.flags = tcp_flags::Ack;
  h.options.sack_count = 2;
  h.options.sack[0] = SackBlock{100, 200};
  h.options.sack[1] = SackBlock{0xfffffff0u, 5};
  const auto b = build_tcp(kSrc, kDst, h, {});
  EXPECT_EQ(b.size(), 20u + 4 + 16);
  const TcpParsed p = parse_tcp(b, kSrc, kDst);
  ASSERT_EQ(p.status, TcpParseStatus::Ok);
  EXPECT_EQ(p.header.options.sack_count, 2);
  EXPECT_EQ(p.header.options.sack[1], (SackBlock{0xfffffff0u, 5}));
  const std::vector<std::uint8_t> odd = {5, 7, 0, 0, 0, 1, 0};
  EXPECT_EQ(parse_tcp_options(odd).sack_count, 0);
  std::vector<std::uint8_t> five(2 + 40, 0);
  five[0] = 5;
  five[1] = 42;
  EXPECT_EQ(parse_tcp_options(five).sack_count, 0);  // more than 4 blocks
}

TEST(WireTcpOptions, EndOfListStopsParsing) {
  const std::vector<std::uint8_t> eol = {0, 2, 4, 5, 0xb4};
  const TcpOptions o = parse_tcp_options(eol);
  EXPECT_FALSE(o.mss);
  EXPECT_FALSE(o.malformed);
}

TEST(WireTcp, FuzzedInputNeverCrashes) {
  std::vector<std::uint8_t> b(64);
  std::uint32_t x = 12345;
  for (int round = 0; round < 20000; ++round) {
    for (auto& byte : b) {
      x = x * 1103515245u + 12345u;
      byte = static_cast<std::uint8_t>(x >> 16);
    }
    const std::size_t len = x % 65;
    (void)parse_tcp_options(std::span(b).first(len % 41));
    (void)parse_tcp(std::span(b).first(len), kSrc, kDst);
  }
}

}  // namespace
}  // namespace tapstack::wire
