// Proportional Rate Reduction (RFC 6937) driven directly, with the figures
// of the RFC's own examples: a window of 20 segments, ssthresh 10.
#include "stack/tcp/prr.hpp"

#include <gtest/gtest.h>

namespace tapstack::tcp {
namespace {

constexpr std::uint32_t kMss = 1000;

TEST(Prr, OneLossSendsOneSegmentForEveryTwoDelivered) {
  // RFC 6937 §5 example: one segment lost out of 20, ssthresh 10. Each ACK
  // delivers one segment; pipe stays above ssthresh, so PRR sends at
  // ssthresh / RecoverFS = 1/2 of the delivery rate.
  Prr prr;
  prr.start(20 * kMss);
  prr.on_sent(kMss);  // the fast retransmit, at once on entry
  std::uint32_t pipe = 20 * kMss;  // 19 originals and the retransmission
  std::vector<std::uint32_t> sent;
  for (int ack = 0; ack < 10; ++ack) {
    pipe -= kMss;
    prr.on_ack(kMss, pipe, 10 * kMss, kMss);
    const std::uint32_t now = prr.allowance() / kMss;
    sent.push_back(now);
    prr.on_sent(now * kMss);
    pipe += now * kMss;
  }
  // The retransmission counts: 5 segments for 10 delivered in all.
  EXPECT_EQ(sent, (std::vector<std::uint32_t>{0, 0, 0, 1, 0, 1, 0, 1, 0, 1}));
}

TEST(Prr, BelowSsthreshItCatchesUpByOneSegmentMoreThanDelivered) {
  // PRR-SSRB: heavy losses took pipe far below ssthresh; each ACK may send
  // what it delivered plus one segment, not a burst up to ssthresh.
  Prr prr;
  prr.start(20 * kMss);
  prr.on_ack(kMss, 2 * kMss, 10 * kMss, kMss);
  EXPECT_EQ(prr.allowance(), 2 * kMss);
  prr.on_sent(2 * kMss);
  prr.on_ack(kMss, 3 * kMss, 10 * kMss, kMss);
  EXPECT_EQ(prr.allowance(), 2 * kMss);
}

TEST(Prr, WhatIsSentComesOffTheAllowance) {
  Prr prr;
  prr.start(10 * kMss);
  prr.on_ack(4 * kMss, 2 * kMss, 5 * kMss, kMss);
  const std::uint32_t before = prr.allowance();
  prr.on_sent(kMss);
  EXPECT_EQ(prr.allowance(), before - kMss);
  prr.on_sent(100 * kMss);
  EXPECT_EQ(prr.allowance(), 0u);
}

}  // namespace
}  // namespace tapstack::tcp
