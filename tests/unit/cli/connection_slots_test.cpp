// serve-http's connection slots (client/cli/connection_slots.cpp): a total
// and a per-peer cap, and a back-off that ends when a slot is given back.
#include "client/cli/connection_slots.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <thread>

namespace tapstack::cli {
namespace {

using namespace std::chrono_literals;

constexpr std::uint32_t kAttacker = 0x0a000003;
constexpr std::uint32_t kOther = 0x0a000001;

TEST(ConnectionSlots, OnePeerGetsOnlyItsShareAndOthersStillGetIn) {
  ConnectionSlots slots(8, 2);
  EXPECT_TRUE(slots.take(kAttacker));
  EXPECT_TRUE(slots.take(kAttacker));
  EXPECT_FALSE(slots.take(kAttacker));
  EXPECT_TRUE(slots.take(kOther));
  EXPECT_EQ(slots.held(), 3u);
  slots.give_back(kAttacker);
  EXPECT_TRUE(slots.take(kAttacker));
}

TEST(ConnectionSlots, TheTotalCapHoldsAcrossPeers) {
  ConnectionSlots slots(2, 2);
  EXPECT_TRUE(slots.take(1));
  EXPECT_TRUE(slots.take(2));
  EXPECT_FALSE(slots.take(3));
  EXPECT_EQ(slots.held(), 2u);
}

TEST(ConnectionSlots, GivingBackWhatWasNeverTakenChangesNothing) {
  ConnectionSlots slots(2, 1);
  slots.give_back(kOther);
  EXPECT_EQ(slots.held(), 0u);
  EXPECT_TRUE(slots.take(kOther));
  EXPECT_FALSE(slots.take(kOther));
}

TEST(ConnectionSlots, WaitForRoomReturnsWhenASlotIsGivenBack) {
  ConnectionSlots slots(1, 1);
  ASSERT_TRUE(slots.take(kOther));
  std::thread closer([&] { slots.give_back(kOther); });
  slots.wait_for_room();  // would block forever without the give_back
  closer.join();
  EXPECT_EQ(slots.held(), 0u);
}

TEST(ConnectionSlots, BackOffEndsEarlyOnARelease) {
  ConnectionSlots slots(4, 4);
  ASSERT_TRUE(slots.take(kOther));
  const auto start = std::chrono::steady_clock::now();
  const std::uint64_t since = slots.releases();
  std::thread closer([&] { slots.give_back(kOther); });
  slots.wait_for_release(since, 60s);
  closer.join();
  EXPECT_LT(std::chrono::steady_clock::now() - start, 30s);
}

TEST(ConnectionSlots, BackOffEndsAtItsTimeoutWithoutARelease) {
  ConnectionSlots slots(4, 4);
  const auto start = std::chrono::steady_clock::now();
  slots.wait_for_release(slots.releases(), 20ms);
  EXPECT_GE(std::chrono::steady_clock::now() - start, 20ms);
}

}  // namespace
}  // namespace tapstack::cli
