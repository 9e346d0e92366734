// ByteRing's storage grows on demand up to its capacity.
#include <gtest/gtest.h>

#include <numeric>
#include <vector>

#include "stack/tcp/buffers.hpp"

namespace tapstack::tcp {
namespace {

std::vector<std::uint8_t> counting(std::size_t n, std::uint8_t from = 0) {
  std::vector<std::uint8_t> v(n);
  std::iota(v.begin(), v.end(), from);
  return v;
}

TEST(ByteRingStorage, NothingIsAllocatedUntilDataArrives) {
  ByteRing r(262144);
  EXPECT_EQ(r.allocated(), 0u);
  EXPECT_EQ(r.free(), 262144u);
  std::vector<std::uint8_t> out(4);
  EXPECT_EQ(r.peek(0, out), 0u);
  r.consume(0);
  const auto small = counting(16);
  EXPECT_EQ(r.write(small), 16u);
  EXPECT_EQ(r.allocated(), 4096u);  // a short exchange needs one small block
}

TEST(ByteRingStorage, GrowsKeepingWrappedContentsAndStopsAtCapacity) {
  ByteRing r(10000);
  const auto a = counting(4000);
  ASSERT_EQ(r.write(a), 4000u);
  r.consume(3000);  // head moves on: the next write wraps around
  const auto b = counting(3000, 100);
  ASSERT_EQ(r.write(b), 3000u);
  ASSERT_EQ(r.allocated(), 4096u);  // 4000 held, wrapped inside the first block
  const auto c = counting(9000, 7);
  EXPECT_EQ(r.write(c), 6000u);  // only up to the capacity; grown around the wrap
  EXPECT_EQ(r.allocated(), 10000u);
  EXPECT_EQ(r.free(), 0u);
  std::vector<std::uint8_t> out(10000);
  ASSERT_EQ(r.peek(0, out), 10000u);
  EXPECT_TRUE(std::equal(a.begin() + 3000, a.end(), out.begin()));
  EXPECT_TRUE(std::equal(b.begin(), b.end(), out.begin() + 1000));
  EXPECT_TRUE(std::equal(c.begin(), c.begin() + 6000, out.begin() + 4000));
}

TEST(ByteRingStorage, ResizeChangesCapacityAndShrinksStorageWithContents) {
  ByteRing r(8192);
  const auto a = counting(7000);
  ASSERT_EQ(r.write(Bytes{a}.first(6000)), 6000u);
  EXPECT_EQ(r.allocated(), 6000u);  // exactly what the first write needed
  ASSERT_EQ(r.write(Bytes{a}.subspan(6000)), 1000u);
  EXPECT_EQ(r.allocated(), 8192u);  // doubled, capped at the capacity
  r.resize(7500);
  EXPECT_EQ(r.capacity(), 7500u);
  EXPECT_EQ(r.allocated(), 7500u);
  std::vector<std::uint8_t> out(7000);
  ASSERT_EQ(r.peek(0, out), 7000u);
  EXPECT_EQ(out, a);
  r.resize(1 << 20);
  EXPECT_EQ(r.free(), (1u << 20) - 7000u);
  EXPECT_EQ(r.allocated(), 7500u);  // growing the capacity allocates nothing yet
}

}  // namespace
}  // namespace tapstack::tcp
