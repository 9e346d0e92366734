// tests/fixtures/config: each broken fixture fails with exactly the message
// EXPECTED gives for it, line by line (the daemon's e2e test runs
// `tapstackd --check-config` on them).
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
  std::string line;  // one line of the file's message
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

/// The loader's whole message for a fixture, with file names as EXPECTED
/// writes them (relative to the fixtures folder).
std::string message_of(const std::string& file) {
  try {
    load_config((kFixtures / file).string());
  } catch (const ConfigException& e) {
    std::string message = e.what();
    const std::string folder = kFixtures.string() + "/";
    for (auto at = message.find(folder); at != std::string::npos; at = message.find(folder)) {
      message.erase(at, folder.size());
    }
    return message;
  }
  return file + " loaded without an error";
}

TEST(ConfigFixtures, EachFailsWithExactlyItsExpectedMessage) {
  std::vector<std::pair<std::string, std::string>> messages;  // file, lines joined
  for (const auto& [file, line] : read_expected()) {
    if (!messages.empty() && messages.back().first == file) {
      messages.back().second += "\n" + line;
    } else {
      messages.emplace_back(file, line);
    }
  }
  ASSERT_GE(messages.size(), 15u);
  for (const auto& [file, expected] : messages) {
    EXPECT_EQ(message_of(file), expected) << file;
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
