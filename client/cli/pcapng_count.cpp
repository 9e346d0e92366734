#include "client/cli/pcapng_count.hpp"

#include <algorithm>

namespace tapstack::cli {
namespace {

constexpr std::uint32_t kEnhancedPacketBlock = 6;

/// The daemon writes its host's byte order, which the reader shares.
std::uint32_t host_u32(const std::uint8_t* p) {
  std::uint32_t v = 0;
  std::copy_n(p, sizeof v, reinterpret_cast<std::uint8_t*>(&v));
  return v;
}

}  // namespace

void PcapngCounter::feed(const char* data, std::size_t len) {
  const auto* p = reinterpret_cast<const std::uint8_t*>(data);
  while (len > 0) {
    if (skip_ > 0) {
      const auto n = static_cast<std::size_t>(std::min<std::uint64_t>(skip_, len));
      skip_ -= n;
      p += n;
      len -= n;
      continue;
    }
    const std::size_t n = std::min(len, 8 - header_.size());
    header_.insert(header_.end(), p, p + n);
    p += n;
    len -= n;
    if (header_.size() < 8) return;
    if (host_u32(header_.data()) == kEnhancedPacketBlock) ++packets_;
    skip_ = std::max<std::uint32_t>(host_u32(header_.data() + 4), 8) - 8;
    header_.clear();
  }
}

}  // namespace tapstack::cli
