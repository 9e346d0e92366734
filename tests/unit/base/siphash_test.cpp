#include "stack/base/siphash.hpp"

#include <gtest/gtest.h>

namespace tapstack {
namespace {

TEST(SipHash, KnownAnswer) {
  // SipHash-2-4 reference vector: key 00..0f, message 00..07 → 0x93f5f5799a932462.
  const SipKey key{0x0706050403020100ull, 0x0f0e0d0c0b0a0908ull};
  EXPECT_EQ(siphash24(key, {0x0706050403020100ull}), 0x93f5f5799a932462ull);
}

TEST(SipHash, KeyChangesEveryOutput) {
  SeededRng rng(1);
  const auto a = SipKey::from(rng);
  const auto b = SipKey::from(rng);
  EXPECT_NE(siphash24(a, {1, 2}), siphash24(b, {1, 2}));
  EXPECT_NE(siphash24(a, {1, 2}), siphash24(a, {2, 1}));
}

}  // namespace
}  // namespace tapstack
