#include "stack/dns/cache.hpp"

#include <gtest/gtest.h>

namespace tapstack::dns {
namespace {

const Instant kNow{std::chrono::seconds{100}};

CacheEntry entry_expiring(Duration after) {
  return CacheEntry{DnsError::Ok, {wire::Ipv4Address{1, 2, 3, 4}}, "x", kNow + after};
}

TEST(DnsCache, EvictsTheSoonestExpiringWhenFull) {
  Cache cache(2);
  cache.put("long", entry_expiring(100s), kNow);
  cache.put("short", entry_expiring(10s), kNow);
  cache.put("new", entry_expiring(50s), kNow);
  EXPECT_EQ(cache.size(), 2u);
  EXPECT_FALSE(cache.get("short", kNow).has_value());
  EXPECT_TRUE(cache.get("long", kNow).has_value());
  EXPECT_TRUE(cache.get("new", kNow).has_value());
}

TEST(DnsCache, ExpiredEntriesAreGone) {
  Cache cache(4);
  cache.put("a", entry_expiring(5s), kNow);
  cache.put("zero", entry_expiring(0s), kNow);  // TTL 0: not cached
  EXPECT_EQ(cache.size(), 1u);
  EXPECT_TRUE(cache.get("a", kNow + 4999ms).has_value());
  EXPECT_FALSE(cache.get("a", kNow + 5s).has_value());
  EXPECT_EQ(cache.size(), 0u);
}

TEST(DnsCache, SecondsLeftRoundsDown) {
  EXPECT_EQ(seconds_left(kNow + 1999ms, kNow), 1u);
  EXPECT_EQ(seconds_left(kNow, kNow + 1s), 0u);
}

}  // namespace
}  // namespace tapstack::dns
