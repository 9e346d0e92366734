// changed_keys names, key by key, what differs between two configurations
// (SIGHUP's "… changed; they take effect after a restart").
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "config/config.hpp"

namespace tapstack::config {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

TEST(ChangedKeys, NoneBetweenEqualConfigs) {
  EXPECT_THAT(changed_keys(Config{}, Config{}), IsEmpty());
}

TEST(ChangedKeys, NamesEachChangedKeyInFileOrder) {
  const Config before = parse_config("", "a");
  const Config after = parse_config(
      "[rpc]\nmode = 0o600\n[log]\nlevel = \"debug\"\n[tcp]\nnagle = false\n"
      "[dns]\nservers = [\"10.0.0.1\"]\n[impair]\nout_loss = 5\n",
      "b");
  EXPECT_THAT(changed_keys(before, after),
              ElementsAre("rpc.mode", "log.level", "tcp.nagle", "dns.servers", "impair.out_loss"));
}

}  // namespace
}  // namespace tapstack::config
