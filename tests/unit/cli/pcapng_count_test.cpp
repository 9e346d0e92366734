#include "client/cli/pcapng_count.hpp"

#include <gtest/gtest.h>

#include <string>

namespace tapstack::cli {
namespace {

/// A block of `type` with `body` bytes of body (total length = 12 + body).
std::string block(std::uint32_t type, std::uint32_t body) {
  const std::uint32_t total = 12 + body;
  std::string b;
  for (std::uint32_t v : {type, total}) {
    for (int i = 0; i < 4; ++i) b.push_back(static_cast<char>(v >> (8 * i)));
  }
  b.append(body, 'x');
  for (int i = 0; i < 4; ++i) b.push_back(static_cast<char>(total >> (8 * i)));
  return b;
}

const std::string kStream = block(0x0A0D0D0A, 16) + block(1, 8) + block(6, 60) + block(6, 1500) + block(6, 0);

TEST(PacketCount, CountsEnhancedPacketBlocksOnly) {
  PacketCount c;
  c.feed(kStream.data(), kStream.size());
  EXPECT_EQ(c.packets(), 3u);
}

TEST(PacketCount, PiecesOfAnySize) {
  for (std::size_t piece : {1u, 3u, 7u, 8u, 13u, 64u}) {
    PacketCount c;
    for (std::size_t at = 0; at < kStream.size(); at += piece) {
      c.feed(kStream.data() + at, std::min(piece, kStream.size() - at));
    }
    EXPECT_EQ(c.packets(), 3u) << "pieces of " << piece;
  }
}

TEST(PacketCount, APacketCutShortIsCountedAtItsHeader) {
  PacketCount c;
  const std::string cut = kStream.substr(0, kStream.size() - 4);
  c.feed(cut.data(), cut.size());
  EXPECT_EQ(c.packets(), 3u);
}

}  // namespace
}  // namespace tapstack::cli
