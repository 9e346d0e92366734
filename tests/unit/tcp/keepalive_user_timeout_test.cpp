// Per-socket keep-alive (TCP_KEEPIDLE/KEEPINTVL/KEEPCNT over SO_KEEPALIVE)
// and the user timeout (TCP_USER_TIMEOUT, RFC 5482), on virtual time.
#include "support/tcp_harness.hpp"

namespace tapstack::tcp::testing {
namespace {

using ::testing::AllOf;
using namespace wire::tcp_flags;

constexpr std::uint32_t kIrs = 1000;

void fast_keepalive(SocketOptions& o) {
  o.keepalive = true;
  o.keepalive_idle = 1s;
  o.keepalive_interval = 2s;
  o.keepalive_count = 3;
}

TEST(Keepalive, ProbesAtTheSocketsIdleAndIntervalThenGivesUp) {
  TcpHarness h;  // settings: 7200 s / 75 s / 9
  const SocketId id = h.established_client(kIrs);
  ASSERT_TRUE(h.set_option(id, fast_keepalive));
  h.advance(999ms);
  h.expect_quiet();
  h.advance(1ms);
  EXPECT_THAT(h.out(), AllOf(HasSeq(h.iss), HasLen(0u), HasFlags(Ack)));  // SND.NXT - 1
  EXPECT_EQ(h.layer.info(id)->keepalive_probes, 1u);
  h.advance(1999ms);
  h.expect_quiet();
  h.advance(1ms);
  EXPECT_THAT(h.out(), HasSeq(h.iss));
  h.advance(2s);
  EXPECT_THAT(h.out(), HasSeq(h.iss));
  EXPECT_FALSE(h.has_event(id, SocketEventKind::Closed, Errc::TimedOut));
  h.advance(2s);  // the third probe went unanswered for an interval too
  EXPECT_TRUE(h.has_event(id, SocketEventKind::Closed, Errc::TimedOut));
  h.expect_quiet();
  EXPECT_EQ(h.layer.counters().keepalive_probes, 3u);
}

TEST(Keepalive, AnAnswerStartsTheIdleTimeAgain) {
  TcpHarness h;
  const SocketId id = h.established_client(kIrs);
  ASSERT_TRUE(h.set_option(id, fast_keepalive));
  h.advance(1s);
  h.out();
  h.in({.seq = kIrs + 1, .ack = h.iss + 1});
  EXPECT_EQ(h.layer.info(id)->keepalive_probes, 0u);
  h.advance(999ms);
  h.expect_quiet();
  h.advance(1ms);
  EXPECT_THAT(h.out(), HasSeq(h.iss));
}

TEST(Keepalive, SetBeforeListenReachesAcceptedConnections) {
  TcpHarness h;
  const SocketId l = *h.layer.open();
  ASSERT_TRUE(h.set_option(l, fast_keepalive));
  ASSERT_TRUE(h.layer.bind(l, kLocal, kLocalPort).ok());
  ASSERT_TRUE(h.layer.listen(l, 8).ok());
  h.in({.flags = Syn, .seq = 5000});
  const std::uint32_t iss = h.out().h.seq;
  h.in({.seq = 5001, .ack = iss + 1});
  const auto id = h.layer.accept(l);
  ASSERT_TRUE(id.ok());
  EXPECT_TRUE(h.layer.options(*id)->keepalive.value_or(false));
  h.advance(1s);
  EXPECT_THAT(h.out(), AllOf(HasSeq(iss), HasLen(0u)));
}

TEST(Keepalive, NoProbeWhileDataAwaitsItsAck) {
  TcpHarness h;
  const SocketId id = h.established_client(kIrs);
  ASSERT_TRUE(h.set_option(id, fast_keepalive));
  ASSERT_TRUE(h.write(id, "x").ok());
  h.out();
  h.advance(1s);  // retransmissions, never a keep-alive probe
  while (!h.ip.sent.empty()) EXPECT_THAT(h.out(), HasLen(1u));
  EXPECT_EQ(h.layer.counters().keepalive_probes, 0u);
}

TEST(UserTimeout, AbortsWhenDataStaysUnacknowledged) {
  TcpSettings s;
  s.max_retries = 2;  // the user timeout decides instead, as on Linux
  TcpHarness h(s);
  const SocketId id = h.established_client(kIrs);
  ASSERT_TRUE(h.set_option(id, [](SocketOptions& o) { o.user_timeout = 5s; }));
  ASSERT_TRUE(h.write(id, "hello").ok());
  h.advance(4999ms);
  EXPECT_GT(h.layer.counters().retransmits, 2u);
  EXPECT_EQ(h.state(id), TcpState::Established);
  h.advance(1ms);
  EXPECT_TRUE(h.has_event(id, SocketEventKind::Closed, Errc::TimedOut));
  EXPECT_EQ(h.layer.info(id)->error, Errc::TimedOut);
}

TEST(UserTimeout, ProgressStartsTheTimeAgain) {
  TcpHarness h;
  const SocketId id = h.established_client(kIrs);
  ASSERT_TRUE(h.set_option(id, [](SocketOptions& o) {
    o.nodelay = true;
    o.user_timeout = 3s;
  }));
  ASSERT_TRUE(h.write(id, "ab").ok());
  ASSERT_TRUE(h.write(id, "cd").ok());
  h.advance(2s);
  h.in({.seq = kIrs + 1, .ack = h.iss + 3});  // "ab" acknowledged
  h.advance(2999ms);
  EXPECT_EQ(h.state(id), TcpState::Established);
  h.advance(1ms);
  EXPECT_TRUE(h.has_event(id, SocketEventKind::Closed, Errc::TimedOut));
}

TEST(UserTimeout, ZeroKeepsTheRetryLimit) {
  TcpSettings s;
  s.max_retries = 2;
  TcpHarness h(s);
  const SocketId id = h.established_client(kIrs);
  ASSERT_TRUE(h.write(id, "hello").ok());
  h.advance(10s);
  EXPECT_TRUE(h.has_event(id, SocketEventKind::Closed, Errc::TimedOut));
  EXPECT_EQ(h.layer.counters().retransmits, 2u);
}

}  // namespace
}  // namespace tapstack::tcp::testing
