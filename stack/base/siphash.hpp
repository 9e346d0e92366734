#pragma once
// SipHash-2-4 (Aumasson & Bernstein) under a secret key drawn from the Rng:
// a keyed hash for values a remote host chooses (table keys, IPv4 IDs), so it
// can neither aim collisions at one bucket nor predict the output.
#include <cstddef>
#include <cstdint>
#include <initializer_list>

#include "stack/base/rng.hpp"

namespace tapstack {

struct SipKey {
  std::uint64_t k0 = 0;
  std::uint64_t k1 = 0;

  static SipKey from(Rng& rng) {
    const auto k0 = rng.next_u64();
    return {k0, rng.next_u64()};
  }
};

/// SipHash-2-4 of `count` 64-bit words.
std::uint64_t siphash24(const SipKey& key, const std::uint64_t* words, std::size_t count);

inline std::uint64_t siphash24(const SipKey& key, std::initializer_list<std::uint64_t> words) {
  return siphash24(key, words.begin(), words.size());
}

}  // namespace tapstack
