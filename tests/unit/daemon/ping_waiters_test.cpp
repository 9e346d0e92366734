// Issue 12 item 10: pending pings get identifiers of their own, and a
// session's entries leave the table when it ends (they leaked before).
#include "daemon/ping_waiters.hpp"

#include <gtest/gtest.h>

#include <set>

namespace tapstack::daemon {
namespace {

TEST(PingWaiters, IdentifiersAreUniqueAmongPendingPings) {
  PingWaiters table;
  std::set<std::uint16_t> seen;
  for (std::uint32_t session = 1; session <= 3; ++session) {
    for (std::uint16_t seq = 1; seq <= 100; ++seq) {
      const auto ident = table.free_ident();
      ASSERT_TRUE(ident);
      EXPECT_TRUE(seen.insert(*ident).second) << "ident " << *ident << " handed out twice";
      table.add(*ident, {session, seq, seq, 56});
    }
  }
  // Sessions 65536 apart (ident was the session number mod 65536) still differ.
  const auto a = table.free_ident();
  table.add(*a, {1, 1, 1, 0});
  const auto b = table.free_ident();
  table.add(*b, {65537, 1, 1, 0});
  EXPECT_NE(*a, *b);
}

TEST(PingWaiters, WrapsAroundWithoutReusingAPendingIdentifier) {
  PingWaiters table;
  const auto held = table.free_ident();
  table.add(*held, {1, 1, 1, 0});
  for (int i = 0; i < 70000; ++i) {
    const auto ident = table.free_ident();
    ASSERT_TRUE(ident);
    ASSERT_NE(*ident, *held);
  }
}

TEST(PingWaiters, ARepliedOrForgottenPingLeavesTheTable) {
  PingWaiters table;
  table.add(5, {1, 10, 3, 0});
  EXPECT_FALSE(table.take(5, 4));  // another sequence number: not this ping
  const auto waiter = table.take(5, 3);
  ASSERT_TRUE(waiter);
  EXPECT_EQ(waiter->request_id, 10u);
  table.add(6, {1, 11, 1, 0});
  table.forget(6);
  EXPECT_EQ(table.size(), 0u);
}

TEST(PingWaiters, EndingASessionRemovesItsEntries) {
  PingWaiters table;
  for (std::uint16_t i = 0; i < 64; ++i) table.add(*table.free_ident(), {7, i, i, 0});
  for (std::uint16_t i = 0; i < 3; ++i) table.add(*table.free_ident(), {8, i, i, 0});
  table.forget_session(7);
  EXPECT_EQ(table.size(), 3u);
  table.forget_session(8);
  EXPECT_EQ(table.size(), 0u);
}

}  // namespace
}  // namespace tapstack::daemon
