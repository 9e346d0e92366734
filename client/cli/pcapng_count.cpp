#include "client/cli/pcapng_count.hpp"

#include <algorithm>

namespace tapstack::cli {
namespace {

constexpr std::uint32_t kEnhancedPacket = 6;

std::uint32_t le32(const std::uint8_t* p) {
  return static_cast<std::uint32_t>(p[0]) | static_cast<std::uint32_t>(p[1]) << 8 |
         static_cast<std::uint32_t>(p[2]) << 16 | static_cast<std::uint32_t>(p[3]) << 24;
}

}  // namespace

void PacketCount::feed(const char* data, std::size_t len) {
  while (len > 0) {
    if (skip_ > 0) {
      const auto n = static_cast<std::size_t>(std::min<std::uint64_t>(skip_, len));
      skip_ -= n;
      data += n;
      len -= n;
      continue;
    }
    const std::size_t n = std::min(sizeof header_ - have_, len);
    std::copy_n(reinterpret_cast<const std::uint8_t*>(data), n, header_ + have_);
    have_ += n;
    data += n;
    len -= n;
    if (have_ < sizeof header_) return;
    have_ = 0;
    if (le32(header_) == kEnhancedPacket) ++packets_;
    skip_ = std::max<std::uint32_t>(le32(header_ + 4), sizeof header_) - sizeof header_;
  }
}

}  // namespace tapstack::cli
