// TimerQueue: due indices come out in deadline order, once; moved and
// cancelled deadlines are honoured.
#include <gtest/gtest.h>

#include "stack/tcp/timer_queue.hpp"

namespace tapstack::tcp {
namespace {

Instant at(std::int64_t ms) { return Instant{} + std::chrono::milliseconds(ms); }

TEST(TimerQueue, FiresInDeadlineOrderOnce) {
  TimerQueue q;
  q.schedule(7, at(30));
  q.schedule(2, at(10));
  q.schedule(5, at(20));
  EXPECT_EQ(q.next(), at(10));
  EXPECT_EQ(q.pop_due(at(25)), std::optional<std::uint32_t>(2));
  EXPECT_EQ(q.pop_due(at(25)), std::optional<std::uint32_t>(5));
  EXPECT_EQ(q.pop_due(at(25)), std::nullopt);
  EXPECT_EQ(q.next(), at(30));
  EXPECT_EQ(q.pop_due(at(30)), std::optional<std::uint32_t>(7));
  EXPECT_EQ(q.next(), Instant::max());
}

TEST(TimerQueue, CancelledAndMovedTimersDoNotFireEarly) {
  TimerQueue q;
  q.schedule(1, at(10));
  q.schedule(2, at(10));
  q.cancel(1);
  q.schedule(2, at(50));  // moved later
  EXPECT_EQ(q.pop_due(at(40)), std::nullopt);
  EXPECT_EQ(q.size(), 1u);
  q.schedule(3, at(5));
  q.cancel(3);
  q.cancel(99);  // never scheduled
  EXPECT_EQ(q.pop_due(at(60)), std::optional<std::uint32_t>(2));
  EXPECT_EQ(q.size(), 0u);
}

}  // namespace
}  // namespace tapstack::tcp
