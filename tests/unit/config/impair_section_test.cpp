// [impair]: percentages (integer or fraction), durations, ranges and errors.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "config/config.hpp"
#include "unit/config/config_test_support.hpp"

namespace tapstack::config {
namespace {

using ::testing::HasSubstr;
using testing::only_error;

TEST(ImpairSection, OffByDefault) {
  const auto config = parse_config("", "t.toml");
  EXPECT_EQ(config.impair, ImpairConfig{});
  EXPECT_EQ(config.impair.in.loss, 0.0);
  EXPECT_EQ(config.impair.out.rate, 0u);
}

TEST(ImpairSection, ReadsBothDirections) {
  const auto config = parse_config(R"(
[impair]
seed = 42
in_loss = 10
out_loss = 2.5
in_duplicate = 1
out_reorder = 5
in_corrupt = 0.1
in_delay_ms = 20
out_jitter_ms = 5
out_rate = 125000
reorder_hold_ms = 3
rate_burst = 3000
rate_queue_ms = 50
)",
                                   "t.toml");
  const auto& i = config.impair;
  EXPECT_EQ(i.seed, 42u);
  EXPECT_DOUBLE_EQ(i.in.loss, 10.0);
  EXPECT_DOUBLE_EQ(i.out.loss, 2.5);
  EXPECT_DOUBLE_EQ(i.in.duplicate, 1.0);
  EXPECT_DOUBLE_EQ(i.out.reorder, 5.0);
  EXPECT_DOUBLE_EQ(i.in.corrupt, 0.1);
  EXPECT_EQ(i.in.delay, std::chrono::milliseconds{20});
  EXPECT_EQ(i.out.jitter, std::chrono::milliseconds{5});
  EXPECT_EQ(i.out.rate, 125000u);
  EXPECT_EQ(i.in.rate, 0u);
  EXPECT_EQ(i.reorder_hold, std::chrono::milliseconds{3});
  EXPECT_EQ(i.rate_burst, 3000u);
  EXPECT_EQ(i.rate_queue, std::chrono::milliseconds{50});
}

TEST(ImpairSection, RefusesOutOfRangeValuesClearly) {
  EXPECT_EQ(only_error("[impair]\nin_loss = 150\n"),
            "t.toml:2:11: impair.in_loss: 150 is out of range; allowed: 0..100 (percent, may have a "
            "fraction)");
  EXPECT_THAT(only_error("[impair]\nout_loss = 100.5\n"),
              HasSubstr("impair.out_loss: 100.5 is out of range"));
  EXPECT_THAT(only_error("[impair]\nin_duplicate = -1\n"),
              HasSubstr("impair.in_duplicate: -1 is out of range"));
  EXPECT_THAT(only_error("[impair]\nin_loss = \"10%\"\n"),
              HasSubstr("impair.in_loss: expected a number, got a string"));
  EXPECT_THAT(only_error("[impair]\nout_delay_ms = 20000\n"),
              HasSubstr("impair.out_delay_ms: 20000 is out of range; allowed: 0..10000"));
  EXPECT_THAT(only_error("[impair]\nin_rate = -5\n"), HasSubstr("impair.in_rate: -5 is out of range"));
  EXPECT_THAT(only_error("[impair]\nreorder_hold_ms = 0\n"),
              HasSubstr("impair.reorder_hold_ms: 0 is out of range"));
  EXPECT_THAT(only_error("[impair]\nloss = 5\n"), HasSubstr("impair.loss"));
}

TEST(ImpairSection, OverridesApplyWithTheSameChecks) {
  const auto config = parse_config("", "t.toml", {{"impair.in_loss", "12.5"}, {"impair.out_loss", "3"}});
  EXPECT_DOUBLE_EQ(config.impair.in.loss, 12.5);
  EXPECT_DOUBLE_EQ(config.impair.out.loss, 3.0);
  EXPECT_THROW(parse_config("", "t.toml", {{"impair.in_loss", "101"}}), ConfigException);
}

}  // namespace
}  // namespace tapstack::config
