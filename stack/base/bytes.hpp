#pragma once
// Big-endian loads and stores on byte spans. Callers check lengths first;
// these only assert in debug builds.
#include <cassert>
#include <cstddef>
#include <cstdint>
#include <span>

namespace tapstack {

using Bytes = std::span<const std::uint8_t>;
using MutableBytes = std::span<std::uint8_t>;

inline std::uint16_t load_be16(Bytes b, std::size_t at) {
  assert(at + 2 <= b.size());
  return static_cast<std::uint16_t>((b[at] << 8) | b[at + 1]);
}

inline std::uint32_t load_be32(Bytes b, std::size_t at) {
  assert(at + 4 <= b.size());
  return (std::uint32_t{b[at]} << 24) | (std::uint32_t{b[at + 1]} << 16) |
         (std::uint32_t{b[at + 2]} << 8) | std::uint32_t{b[at + 3]};
}

inline void store_be16(MutableBytes b, std::size_t at, std::uint16_t v) {
  assert(at + 2 <= b.size());
  b[at] = static_cast<std::uint8_t>(v >> 8);
  b[at + 1] = static_cast<std::uint8_t>(v);
}

inline void store_be32(MutableBytes b, std::size_t at, std::uint32_t v) {
  assert(at + 4 <= b.size());
  b[at] = static_cast<std::uint8_t>(v >> 24);
  b[at + 1] = static_cast<std::uint8_t>(v >> 16);
  b[at + 2] = static_cast<std::uint8_t>(v >> 8);
  b[at + 3] = static_cast<std::uint8_t>(v);
}

}  // namespace tapstack
