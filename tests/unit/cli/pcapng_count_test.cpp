// capture's packet count: Enhanced Packet Blocks in a pcapng stream cut anywhere.
#include "client/cli/pcapng_count.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <string>

namespace tapstack::cli {
namespace {

void block(std::string& out, std::uint32_t type, std::uint32_t body) {
  const std::uint32_t total = body + 12;
  out.append(reinterpret_cast<const char*>(&type), 4);
  out.append(reinterpret_cast<const char*>(&total), 4);
  out.append(body, 'x');
  out.append(reinterpret_cast<const char*>(&total), 4);
}

TEST(PcapngCounter, CountsPacketBlocksWhateverTheReadSizes) {
  std::string stream;
  block(stream, 0x0a0d0d0a, 16);  // section header
  block(stream, 1, 8);            // interface description
  block(stream, 6, 80);
  block(stream, 6, 1500);
  block(stream, 5, 20);  // interface statistics: not a packet
  for (std::size_t piece : {1u, 3u, 7u, 64u, 4096u}) {
    PcapngCounter c;
    for (std::size_t i = 0; i < stream.size(); i += piece) {
      c.feed(stream.data() + i, std::min(piece, stream.size() - i));
    }
    EXPECT_EQ(c.packets(), 2u) << "pieces of " << piece;
  }
}

}  // namespace
}  // namespace tapstack::cli
