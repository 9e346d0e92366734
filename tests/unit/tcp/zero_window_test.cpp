// A closed peer window: ACKs of zero-window probes are never duplicate ACKs
// (RFC 5681 §2, RFC 9293 §3.8.6.1), so no fast retransmit sends a full
// segment into the closed window, congestion state stays as it was however
// long the window stays shut, and no retransmission goes past the window.
#include "support/tcp_harness.hpp"

namespace tapstack::tcp::testing {
namespace {

using ::testing::AllOf;
using namespace wire::tcp_flags;

constexpr std::uint32_t kIrs = 1000;
constexpr std::size_t kQueued = 10000;

/// Runs the clock for `total`, answering every probe as a receiver whose
/// buffer stays full does: a pure ACK of SND.UNA, window 0, the probe byte
/// not acknowledged. Returns how many probes went out.
int answer_probes_with_closed_window(TcpHarness& h, Duration total) {
  int probes = 0;
  const Instant end = h.now + total;
  while (h.now < end) {
    h.advance(10ms);
    while (!h.ip.sent.empty()) {
      const OutSegment s = h.out();
      EXPECT_EQ(s.payload.size(), 1u) << "only one-byte probes into a closed window: " << s;
      EXPECT_EQ(s.h.seq, h.iss + 1) << s;
      ++probes;
      h.in({.seq = kIrs + 1, .ack = h.iss + 1, .window = 0});
      h.expect_quiet();  // the ACK of a probe triggers nothing
    }
  }
  return probes;
}

/// The window opens; the peer then takes everything in order. Returns the
/// bytes delivered in order.
std::size_t open_window_and_deliver(TcpHarness& h) {
  std::uint32_t expected = h.iss + 1;
  h.in({.seq = kIrs + 1, .ack = expected, .window = 100});  // 100 << 7 = 12,800 bytes
  for (int round = 0; round < 50 && expected != h.iss + 1 + kQueued; ++round) {
    while (!h.ip.sent.empty()) {
      const OutSegment s = h.out();
      if (s.h.seq == expected) expected += static_cast<std::uint32_t>(s.payload.size());
    }
    h.in({.seq = kIrs + 1, .ack = expected, .window = 100});
  }
  return expected - (h.iss + 1);
}

class ZeroWindow : public ::testing::TestWithParam<bool> {};

TEST_P(ZeroWindow, ProbeAcksAreNotDuplicateAcks) {
  TcpHarness h;
  const SocketId id = h.established_client(kIrs, 7, 1460, /*peer_sack=*/GetParam());
  h.in({.seq = kIrs + 1, .ack = h.iss + 1, .window = 0});
  ASSERT_EQ(*h.write(id, std::string(kQueued, 'x')), kQueued);
  h.expect_quiet();
  // The trace: three probes (0.2, 0.4, 0.8 s of backoff), each
  // answered with window 0; before the fix the third ACK sent 1,460 bytes.
  EXPECT_EQ(answer_probes_with_closed_window(h, 1500ms), 3);
  EXPECT_EQ(h.layer.counters().fast_retransmits, 0u);
  EXPECT_EQ(h.layer.counters().zero_window_probes, 3u);
}

TEST_P(ZeroWindow, AMinuteClosedEndsDeliveredWithCongestionStateUntouched) {
  TcpHarness h;
  const SocketId id = h.established_client(kIrs, 7, 1460, /*peer_sack=*/GetParam());
  h.in({.seq = kIrs + 1, .ack = h.iss + 1, .window = 0});
  ASSERT_EQ(*h.write(id, std::string(kQueued, 'x')), kQueued);
  const TcpSocketInfo before = *h.layer.info(id);
  EXPECT_GE(answer_probes_with_closed_window(h, 60s), 7);
  const TcpSocketInfo after = *h.layer.info(id);
  EXPECT_EQ(after.cwnd, before.cwnd);
  EXPECT_EQ(after.ssthresh, before.ssthresh);
  EXPECT_EQ(h.layer.counters().fast_retransmits, 0u);
  EXPECT_EQ(h.layer.counters().rto_expirations, 0u);
  EXPECT_EQ(h.state(id), TcpState::Established);
  EXPECT_EQ(open_window_and_deliver(h), kQueued);
  EXPECT_EQ(h.layer.info(id)->ssthresh, before.ssthresh);
}

/// Runs the clock until a connection is given up or `limit` passes, the
/// peer silent; returns the probes sent.
int probe_a_silent_peer(TcpHarness& h, Duration limit) {
  int probes = 0;
  for (const Instant end = h.now + limit; h.now < end && h.layer.counters().persist_timeouts == 0;) {
    h.advance(1s);
    for (; !h.ip.sent.empty(); h.ip.sent.pop_front()) probes += h.ip.sent.front().payload.size() == 1;
  }
  return probes;
}

// A peer that closes its window and disappears: the connection is given up
// after max_retries unanswered probes (Linux tcp_retries2), not kept forever.
TEST(ZeroWindowPeerGone, UnansweredProbesEndTheConnection) {
  TcpSettings settings;
  settings.max_retries = 5;
  TcpHarness h(settings);
  const SocketId id = h.established_client(kIrs, 7, 1460, true);
  h.in({.seq = kIrs + 1, .ack = h.iss + 1, .window = 0});
  ASSERT_EQ(*h.write(id, std::string(kQueued, 'x')), kQueued);
  EXPECT_EQ(probe_a_silent_peer(h, 24h), 5);
  EXPECT_EQ(h.state(id), TcpState::Closed);
  EXPECT_TRUE(h.has_event(id, SocketEventKind::Closed, Errc::TimedOut));
  EXPECT_EQ(h.layer.counters().persist_timeouts, 1u);
}

// Once the user closed the socket, 8 unanswered probes end it, as Linux's
// tcp_orphan_retries does.
TEST(ZeroWindowPeerGone, AnOrphanGivesUpAfterEightProbes) {
  TcpHarness h;
  const SocketId id = h.established_client(kIrs, 7, 1460, true);
  h.in({.seq = kIrs + 1, .ack = h.iss + 1, .window = 0});
  ASSERT_EQ(*h.write(id, std::string(kQueued, 'x')), kQueued);
  ASSERT_TRUE(h.layer.close(id, h.now).ok());
  EXPECT_EQ(probe_a_silent_peer(h, 24h), 8);
  EXPECT_EQ(h.layer.counters().persist_timeouts, 1u);
}

INSTANTIATE_TEST_SUITE_P(WithAndWithoutSack, ZeroWindow, ::testing::Bool(),
                         [](const auto& p) { return p.param ? "Sack" : "NoSack"; });

TEST(TcpRetransmit, RtoRetransmissionStaysInsideAShrunkWindow) {
  TcpHarness h;
  const SocketId id = h.established_client(kIrs, std::nullopt);
  ASSERT_TRUE(h.write(id, std::string(1460, 'x')).ok());
  EXPECT_THAT(h.out(), HasLen(1460u));
  // The peer shrinks its window to 500 bytes without acknowledging anything.
  h.in({.seq = kIrs + 1, .ack = h.iss + 1, .window = 500});
  h.expect_quiet();
  h.advance(200ms);  // RTO
  EXPECT_THAT(h.out(), AllOf(HasSeq(h.iss + 1), HasLen(500u)));
}

}  // namespace
}  // namespace tapstack::tcp::testing
