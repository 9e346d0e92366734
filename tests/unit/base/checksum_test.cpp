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
