// The sender's log of transmissions: `pipe` kept as a running sum, records
// split at SACK edges and retransmissions, and bounded against a peer that
// SACKs odd bytes.
#include "stack/tcp/sent_log.hpp"

#include <gtest/gtest.h>

namespace tapstack::tcp {
namespace {

const Instant t0{};
const SeqNum base{1000};

std::uint32_t recount(const SentLog& log) {
  std::uint32_t n = 0;
  for (const SentRecord& r : log) n += r.in_flight() ? r.length() : 0;
  return n;
}

TEST(SentLog, PipeFollowsSacksLossesRetransmissionsAndAcks) {
  SentLog log;
  for (std::uint32_t i = 0; i < 5; ++i) log.on_send(base + i * 100, base + (i + 1) * 100, t0);
  EXPECT_EQ(log.pipe(), 500u);
  std::vector<std::uint32_t> delivered;
  const auto note = [&](const SentRecord& r) { delivered.push_back(r.start.raw()); };
  EXPECT_EQ(log.sack(base + 150, base + 300, note), 150u);  // 100-200 splits at 150
  EXPECT_EQ(delivered, (std::vector<std::uint32_t>{1150, 1200}));
  EXPECT_EQ(log.pipe(), 350u);
  log.mark_lost(*log.begin());
  EXPECT_EQ(log.pipe(), 250u);
  ASSERT_NE(log.first_lost(), nullptr);
  EXPECT_EQ(log.first_lost()->start, base);
  log.on_send(base, base + 50, t0 + 1ms);  // half of it resent: split, back in flight
  EXPECT_EQ(log.pipe(), 300u);
  EXPECT_EQ(log.first_lost()->start, base + 50);
  delivered.clear();
  EXPECT_EQ(log.acknowledge(base + 300, note), 150u);  // 0-150 new, 150-300 was SACKed
  EXPECT_EQ(log.pipe(), 200u);
  EXPECT_EQ(log.pipe(), recount(log));
  EXPECT_EQ(log.first_lost(), nullptr);
}

TEST(SentLog, AnRtoMarksEverythingNotSackedLostAndAnUndoTakesItBack) {
  SentLog log;
  log.on_send(base, base + 1000, t0);
  (void)log.sack(base + 400, base + 600, [](const SentRecord&) {});
  log.mark_all_lost();
  EXPECT_EQ(log.pipe(), 0u);
  log.clear_lost();
  EXPECT_EQ(log.pipe(), 800u);
  log.unsack_all();
  EXPECT_EQ(log.pipe(), 1000u);
  EXPECT_EQ(log.pipe(), recount(log));
}

TEST(SentLog, AHostilePeerSackingOddBytesCannotGrowItWithoutBound) {
  SentLog log;
  log.on_send(base, base + 100'000, t0);
  for (std::uint32_t b = 1; b < 100'000; b += 2) {
    (void)log.sack(base + b, base + b + 1, [](const SentRecord&) {});
  }
  std::size_t records = 0;
  for (const SentRecord& r : log) if (r.length() > 0) ++records;
  EXPECT_LE(records, SentLog::kMaxRecords);
  EXPECT_EQ(log.pipe(), recount(log));
}

}  // namespace
}  // namespace tapstack::tcp
