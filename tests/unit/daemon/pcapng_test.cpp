// pcapng blocks as draft-ietf-opsawg-pcapng lays them out: total lengths at
// both ends, 32-bit padding, the EPB's fields, the comment and flags options.
#include "daemon/pcapng.hpp"

#include <gtest/gtest.h>

#include <cstring>
#include <vector>

namespace tapstack::daemon::pcapng {
namespace {

std::uint32_t u32(const std::vector<std::uint8_t>& b, std::size_t at) {
  std::uint32_t v = 0;
  std::memcpy(&v, b.data() + at, 4);  // little-endian host, as the writer
  return v;
}
std::uint16_t u16(const std::vector<std::uint8_t>& b, std::size_t at) {
  std::uint16_t v = 0;
  std::memcpy(&v, b.data() + at, 2);
  return v;
}

/// Checks the block at `at` is framed correctly; returns its length.
std::uint32_t block(const std::vector<std::uint8_t>& b, std::size_t at, std::uint32_t type) {
  EXPECT_EQ(u32(b, at), type);
  const std::uint32_t len = u32(b, at + 4);
  EXPECT_EQ(len % 4, 0u);
  EXPECT_LE(at + len, b.size());
  EXPECT_EQ(u32(b, at + len - 4), len);  // the trailing copy of the length
  return len;
}

TEST(Pcapng, HeaderIsASectionAndOneEthernetInterface) {
  const auto h = header("tap0");
  const std::uint32_t shb = block(h, 0, 0x0A0D0D0A);
  EXPECT_EQ(u32(h, 8), 0x1A2B3C4Du);  // byte-order magic
  EXPECT_EQ(u16(h, 12), 1u);          // version 1.0
  EXPECT_EQ(u16(h, 14), 0u);
  const std::uint32_t idb = block(h, shb, 1);
  EXPECT_EQ(u16(h, shb + 8), 1u);  // LINKTYPE_ETHERNET
  EXPECT_EQ(shb + idb, h.size());
}

TEST(Pcapng, PacketCarriesFrameTimestampCommentAndDirection) {
  std::vector<std::uint8_t> frame(61);  // odd: padded to 64
  for (std::size_t i = 0; i < frame.size(); ++i) frame[i] = static_cast<std::uint8_t>(i);
  const std::uint64_t micros = 1'700'000'000'123'456;
  const auto p = packet(micros, frame, Direction::Out, "RTO retransmit #2");
  const std::uint32_t len = block(p, 0, 6);
  EXPECT_EQ(len, p.size());
  EXPECT_EQ(u32(p, 8), 0u);  // interface 0
  EXPECT_EQ((std::uint64_t{u32(p, 12)} << 32) | u32(p, 16), micros);
  EXPECT_EQ(u32(p, 20), 61u);  // captured
  EXPECT_EQ(u32(p, 24), 61u);  // original
  EXPECT_EQ(std::memcmp(p.data() + 28, frame.data(), frame.size()), 0);
  std::size_t at = 28 + 64;
  bool saw_comment = false;
  bool saw_flags = false;
  while (at + 4 <= len - 4) {
    const std::uint16_t code = u16(p, at);
    const std::uint16_t size = u16(p, at + 2);
    if (code == 0) break;  // opt_endofopt
    if (code == 1) {
      saw_comment = std::string(reinterpret_cast<const char*>(p.data() + at + 4), size) ==
                    "RTO retransmit #2";
    }
    if (code == 2) saw_flags = size == 4 && (u32(p, at + 4) & 0x3) == 2;  // outbound
    at += 4 + ((size + 3u) & ~3u);
  }
  EXPECT_TRUE(saw_comment);
  EXPECT_TRUE(saw_flags);
}

TEST(Pcapng, PacketWithoutCommentHasNoCommentOption) {
  const std::vector<std::uint8_t> frame(64, 0xab);
  const auto p = packet(1, frame, Direction::In, "");
  block(p, 0, 6);
  std::size_t at = 28 + 64;
  while (at + 4 <= p.size() - 4 && u16(p, at) != 0) {
    EXPECT_NE(u16(p, at), 1u);
    if (u16(p, at) == 2) {
      EXPECT_EQ(u32(p, at + 4) & 0x3, 1u);  // inbound
    }
    at += 4 + ((u16(p, at + 2) + 3u) & ~3u);
  }
}

}  // namespace
}  // namespace tapstack::daemon::pcapng
