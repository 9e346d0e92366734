// config/tapstack.toml, the shipped default: it loads, it equals the defaults
// of config.hpp and it lists every key of the schema.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "config/config.hpp"
#include "config/schema.hpp"

namespace tapstack::config {
namespace {

const std::string kShipped = std::string(TAPSTACK_SOURCE_DIR) + "/config/tapstack.toml";

std::string read_text(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

/// section → the lines that assign a key in it, e.g. "mtu = 1500   # ...".
std::map<std::string, std::vector<std::string>> key_lines(const std::string& text) {
  std::map<std::string, std::vector<std::string>> sections;
  std::string section;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (line.empty() || line[0] == '#') continue;
    if (line[0] == '[') {
      section = line.substr(1, line.find(']') - 1);
    } else {
      sections[section].push_back(line);
    }
  }
  return sections;
}

TEST(ShippedConfig, EqualsTheDefaultsOfConfigHpp) {
  Config expected;
  expected.source = kShipped;
  EXPECT_EQ(load_config(kShipped), expected);
}

TEST(ShippedConfig, HasEveryKeyOfTheSchemaAndNoOther) {
  const auto sections = key_lines(read_text(kShipped));
  std::set<std::string> in_file;
  for (const auto& [section, lines] : sections) {
    for (const auto& line : lines) in_file.insert(section + "." + line.substr(0, line.find(' ')));
  }
  std::set<std::string> in_schema;
  for (const auto& section : schema::sections()) {
    for (const auto& key : section.keys) {
      in_schema.insert(std::string(section.name) + "." + std::string(key.name));
    }
  }
  EXPECT_EQ(in_file, in_schema);
}

TEST(ShippedConfig, InterfaceSectionReadsAsSpecified) {
  // Comments may be extended, so each line starts with the specified text.
  const std::vector<std::string> specified{
      R"(name = "tap0")",
      R"(attach = false                 # true: use a TAP that already exists instead of creating one)",
      R"(mac = "auto")",
      R"(mtu = 1500)",
      R"(address = "10.0.0.2/24"        # the stack's own address)",
      R"(gateway = "10.0.0.1")",
      R"(host_address = "10.0.0.1/24"   # given to the host side of the TAP; leave out to leave the host side alone)",
      R"(offload = true                 # segmentation offload both ways)",
  };
  const auto lines = key_lines(read_text(kShipped)).at("interface");
  ASSERT_EQ(lines.size(), specified.size());
  for (std::size_t i = 0; i < lines.size(); ++i) {
    EXPECT_EQ(lines[i].substr(0, specified[i].size()), specified[i]);
  }
}

}  // namespace
}  // namespace tapstack::config
