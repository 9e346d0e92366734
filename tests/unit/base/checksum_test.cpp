#include "stack/wire/checksum.hpp"

#include <gtest/gtest.h>

#include <array>
#include <vector>

namespace tapstack::wire {
namespace {

// RFC 1071 §3 example: the words 0001 f203 f4f5 f6f7 sum to ddf2 (checksum 220d).
TEST(InternetChecksum, Rfc1071Example) {
  const std::array<std::uint8_t, 8> data{0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7};
  EXPECT_EQ(internet_checksum(data), 0x220d);
}

// A real IPv4 header (checksum field b861) verifies to zero.
TEST(InternetChecksum, IpHeaderVerifies) {
  const std::array<std::uint8_t, 20> header{0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40,
                                            0x00, 0x40, 0x11, 0xb8, 0x61, 0xc0, 0xa8,
                                            0x00, 0x01, 0xc0, 0xa8, 0x00, 0xc7};
  EXPECT_EQ(internet_checksum(header), 0);
}

TEST(InternetChecksum, OddSplitsMatchOneShot) {
  std::vector<std::uint8_t> data(101);
  for (std::size_t i = 0; i < data.size(); ++i) data[i] = static_cast<std::uint8_t>(i * 7 + 3);
  const auto whole = internet_checksum(data);
  for (std::size_t cut = 0; cut <= data.size(); ++cut) {
    InternetChecksum c;
    c.add(Bytes(data).subspan(0, cut));
    c.add(Bytes(data).subspan(cut));
    EXPECT_EQ(c.finish(), whole) << "cut at " << cut;
  }
}

// RFC 1071 §4's plain 16-bit loop, as the reference for the word-at-a-time sum.
std::uint16_t reference_checksum(Bytes data) {
  std::uint64_t sum = 0;
  for (std::size_t i = 0; i < data.size(); i += 2) {
    sum += std::uint32_t{data[i]} << 8;
    if (i + 1 < data.size()) sum += data[i + 1];
  }
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return static_cast<std::uint16_t>(~sum);
}

TEST(InternetChecksum, MatchesThePlainLoopForEveryLengthAndCarryHeavyData) {
  std::uint32_t x = 12345;
  auto next = [&x] { return x = x * 1103515245 + 12345; };
  for (std::size_t len = 0; len < 1600; len += (len < 64 ? 1 : 37)) {
    for (const bool ones : {false, true}) {
      std::vector<std::uint8_t> data(len);
      for (auto& b : data) {
        const std::uint32_t r = next();
        b = static_cast<std::uint8_t>(ones ? 0xf0 | (r >> 28) : r >> 24);
      }
      EXPECT_EQ(internet_checksum(data), reference_checksum(data)) << "length " << len;
      if (len > 3) {  // and from an odd start, as a chained add() would see it
        EXPECT_EQ(internet_checksum(Bytes(data).subspan(1)), reference_checksum(Bytes(data).subspan(1)));
      }
    }
  }
  const std::vector<std::uint8_t> all_ones(65535, 0xff);
  EXPECT_EQ(internet_checksum(all_ones), reference_checksum(all_ones));
}

TEST(InternetChecksum, IncrementalUpdateMatchesRecompute) {
  std::array<std::uint8_t, 20> header{0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40,
                                      0x00, 0x40, 0x11, 0xb8, 0x61, 0xc0, 0xa8,
                                      0x00, 0x01, 0xc0, 0xa8, 0x00, 0xc7};
  // Decrement the TTL (word at offset 8: TTL|protocol).
  const std::uint16_t old_word = static_cast<std::uint16_t>((header[8] << 8) | header[9]);
  header[8] = 0x3f;
  const std::uint16_t new_word = static_cast<std::uint16_t>((header[8] << 8) | header[9]);
  const auto updated = checksum_update(0xb861, old_word, new_word);
  header[10] = 0;
  header[11] = 0;
  EXPECT_EQ(updated, internet_checksum(header));
}

}  // namespace
}  // namespace tapstack::wire
