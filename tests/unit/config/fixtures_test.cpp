// tests/fixtures/config: each broken fixture fails with the message EXPECTED
// names for it (the daemon's e2e test runs `tapstackd --check-config` on them).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <set>

#include "config/config.hpp"

namespace tapstack::config {
namespace {

const std::filesystem::path kFixtures =
    std::filesystem::path(TAPSTACK_SOURCE_DIR) / "tests/fixtures/config";

struct Expectation {
  std::string file;
  std::string substring;
};

std::vector<Expectation> read_expected() {
  std::vector<Expectation> out;
  std::ifstream in(kFixtures / "EXPECTED");
  for (std::string line; std::getline(in, line);) {
    if (line.empty() || line[0] == '#') continue;  // as the e2e test reads it
    const auto tab = line.find('\t');
    if (tab == std::string::npos) {
      ADD_FAILURE() << "EXPECTED line without a tab: " << line;
      continue;
    }
    out.push_back({line.substr(0, tab), line.substr(tab + 1)});
  }
  return out;
}

TEST(ConfigFixtures, EachFailsWithItsExpectedMessage) {
  const auto expected = read_expected();
  ASSERT_GE(expected.size(), 15u);
  for (const auto& [file, substring] : expected) {
    SCOPED_TRACE(file);
    try {
      load_config((kFixtures / file).string());
      ADD_FAILURE() << file << " loaded without an error";
    } catch (const ConfigException& e) {
      EXPECT_THAT(e.what(), ::testing::HasSubstr(substring));
    }
  }
}

TEST(ConfigFixtures, EveryFixtureIsListed) {
  std::set<std::string> listed;
  for (const auto& expectation : read_expected()) listed.insert(expectation.file);
  for (const auto& entry : std::filesystem::directory_iterator(kFixtures)) {
    if (entry.path().extension() == ".toml") {
      EXPECT_TRUE(listed.count(entry.path().filename().string())) << entry.path();
    }
  }
}

TEST(ConfigFixtures, ManyErrorsAreAllReported) {
  try {
    load_config((kFixtures / "many_errors.toml").string());
    FAIL() << "expected a ConfigException";
  } catch (const ConfigException& e) {
    EXPECT_EQ(e.errors().size(), 3u) << e.what();
  }
}

}  // namespace
}  // namespace tapstack::config
