// [capture]: the file, rotation size and count, with their errors.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "config/config.hpp"
#include "unit/config/config_test_support.hpp"

namespace tapstack::config {
namespace {

using ::testing::HasSubstr;
using testing::only_error;

TEST(CaptureSection, OffByDefault) {
  const auto config = parse_config("", "t.toml");
  EXPECT_EQ(config.capture, CaptureConfig{});
  EXPECT_EQ(config.capture.file, "");
  EXPECT_EQ(config.capture.count, 4u);
}

TEST(CaptureSection, ReadsFileRotationAndCount) {
  const auto config = parse_config(R"(
[capture]
file = "/var/tmp/tapstack.pcapng"
rotate_mb = 10
count = 3
)",
                                   "t.toml");
  EXPECT_EQ(config.capture.file, "/var/tmp/tapstack.pcapng");
  EXPECT_EQ(config.capture.rotate_mb, 10u);
  EXPECT_EQ(config.capture.count, 3u);
}

TEST(CaptureSection, RefusesRelativePathAndZeroCount) {
  EXPECT_THAT(only_error("[capture]\nfile = \"x.pcapng\"\n"), HasSubstr("is not an absolute path"));
  EXPECT_THAT(only_error("[capture]\ncount = 0\n"), HasSubstr("capture.count"));
  EXPECT_THAT(only_error("[capture]\nrotate_mb = -1\n"), HasSubstr("capture.rotate_mb"));
}

}  // namespace
}  // namespace tapstack::config
