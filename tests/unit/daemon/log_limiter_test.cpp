// A warning provoked in a loop writes a bounded number of lines, and the
// next one written says how many were left out.
#include "daemon/log_limiter.hpp"

#include <gtest/gtest.h>

namespace tapstack::daemon {
namespace {

using namespace std::chrono_literals;

TEST(LogLimiter, AllowsABurstPerInterval) {
  LogLimiter limiter(3, 10s);
  const auto t0 = LogLimiter::Clock::time_point{} + 100s;
  int written = 0;
  for (int i = 0; i < 1'000'000; ++i) written += limiter.allow(t0 + std::chrono::microseconds(i));
  EXPECT_EQ(written, 3);
  EXPECT_TRUE(limiter.allow(t0 + 10s));
  EXPECT_EQ(limiter.left_out(), " (999997 similar lines left out)");
  EXPECT_EQ(limiter.left_out(), "");
}

}  // namespace
}  // namespace tapstack::daemon
