// The edit distance behind "did you mean ...?".
#include <gtest/gtest.h>

#include "config/spelling.hpp"

namespace tapstack::config {
namespace {

TEST(EditDistance, CountsInsertionsDeletionsSubstitutionsAndSwaps) {
  EXPECT_EQ(edit_distance("", ""), 0u);
  EXPECT_EQ(edit_distance("mtu", "mtu"), 0u);
  EXPECT_EQ(edit_distance("mtuu", "mtu"), 1u);
  EXPECT_EQ(edit_distance("mt", "mtu"), 1u);
  EXPECT_EQ(edit_distance("mtx", "mtu"), 1u);
  EXPECT_EQ(edit_distance("tmu", "mtu"), 1u);
  EXPECT_EQ(edit_distance("", "abc"), 3u);
  EXPECT_EQ(edit_distance("kitten", "sitting"), 3u);
}

TEST(ClosestMatch, SuggestsOnlyCloseNames) {
  const std::vector<std::string_view> keys{"name", "attach", "mac", "mtu", "address"};
  EXPECT_EQ(closest_match("mtuu", keys), "mtu");
  EXPECT_EQ(closest_match("adress", keys), "address");
  EXPECT_EQ(closest_match("atach", keys), "attach");
  EXPECT_EQ(closest_match("gateway", keys), std::nullopt);
  EXPECT_EQ(closest_match("xyz", keys), std::nullopt);
}

TEST(ClosestMatch, TiesGoToTheEarlierCandidate) {
  EXPECT_EQ(closest_match("ma", {"mac", "mtu", "may"}), "mac");
}

}  // namespace
}  // namespace tapstack::config
