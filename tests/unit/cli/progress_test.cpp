// The progress line of long transfers (client/cli/progress.cpp).
#include "client/cli/progress.hpp"

#include <gtest/gtest.h>

namespace tapstack::cli {
namespace {

TEST(Progress, TextInDecimalUnits) {
  EXPECT_EQ(progress_text(0, 0, 0), "sent 0 B  received 0 B  0 B/s");
  EXPECT_EQ(progress_text(12'345'678, 512, 2.0), "sent 12.3 MB  received 512 B  6.2 MB/s");
}

}  // namespace
}  // namespace tapstack::cli
