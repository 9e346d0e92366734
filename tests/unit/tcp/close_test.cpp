// Closing (RFC 9293 §3.6): active, passive and simultaneous close, TIME-WAIT;
// resets and the RFC 5961 challenge-ACK rules.
#include "support/tcp_harness.hpp"

namespace tapstack::tcp::testing {
namespace {

using ::testing::AllOf;
using namespace wire::tcp_flags;

constexpr std::uint32_t kIrs = 1000;

TEST(TcpClose, ActiveCloseThroughTimeWait) {
  TcpSettings s;
  s.msl = 1s;
  TcpHarness h(s);
  const SocketId id = h.established_client(kIrs);
  ASSERT_TRUE(h.write(id, "bye").ok());
  ASSERT_TRUE(h.layer.close(id, h.now).ok());
  EXPECT_THAT(h.out(), AllOf(HasPayload("bye")));
  EXPECT_THAT(h.out(), AllOf(HasFlags(Fin | Ack), HasSeq(h.iss + 4)));
  EXPECT_EQ(h.layer.info(id), std::nullopt);  // the id is released at once
  auto list = h.layer.list();
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(list[0].state, TcpState::FinWait1);
  h.in({.seq = kIrs + 1, .ack = h.iss + 5});
  h.expect_quiet();
  EXPECT_EQ(h.layer.list()[0].state, TcpState::FinWait2);
  h.in({.flags = Fin | Ack, .seq = kIrs + 1, .ack = h.iss + 5});
  EXPECT_THAT(h.out(), AllOf(HasFlags(Ack), HasAck(kIrs + 2)));
  EXPECT_EQ(h.layer.list()[0].state, TcpState::TimeWait);
  // A retransmitted FIN is acknowledged again.
  h.advance(1500ms);
  h.in({.flags = Fin | Ack, .seq = kIrs + 1, .ack = h.iss + 5});
  EXPECT_THAT(h.out(), HasAck(kIrs + 2));
  h.advance(1999ms);  // restarted: 2 MSL from the retransmission
  EXPECT_EQ(h.layer.list().size(), 1u);
  h.advance(1ms);
  EXPECT_TRUE(h.layer.list().empty());
  EXPECT_EQ(h.layer.counters().time_wait_expired, 1u);
  h.expect_quiet();
}

TEST(TcpClose, PassiveCloseThroughLastAck) {
  TcpHarness h;
  const SocketId id = h.established_server();
  h.in({.flags = Fin | Ack, .seq = 5001, .ack = h.iss + 1});
  EXPECT_THAT(h.out(), HasAck(5002u));  // FIN is acknowledged at once
  EXPECT_EQ(h.state(id), TcpState::CloseWait);
  EXPECT_TRUE(h.has_event(id, SocketEventKind::Readable));
  std::uint8_t b[8];
  EXPECT_EQ(*h.layer.recv(id, b, h.now), 0u);  // EOF
  ASSERT_TRUE(h.write(id, "last").ok());      // half-close: we may still send
  EXPECT_THAT(h.out(), HasPayload("last"));
  ASSERT_TRUE(h.layer.shutdown_send(id, h.now).ok());
  EXPECT_THAT(h.out(), AllOf(HasFlags(Fin | Ack), HasSeq(h.iss + 5)));
  EXPECT_EQ(h.state(id), TcpState::LastAck);
  EXPECT_EQ(h.write(id, "more").error(), Errc::Shutdown);
  h.in({.seq = 5002, .ack = h.iss + 6});
  EXPECT_EQ(h.state(id), TcpState::Closed);
  EXPECT_TRUE(h.has_event(id, SocketEventKind::Closed, Errc::Ok));
}

TEST(TcpClose, FinAndAckOfOurFinGoStraightToTimeWait) {
  TcpSettings s;
  s.msl = 1s;
  TcpHarness h(s);
  const SocketId id = h.established_client(kIrs);
  ASSERT_TRUE(h.layer.shutdown_send(id, h.now).ok());
  h.out();
  h.in({.flags = Fin | Ack, .seq = kIrs + 1, .ack = h.iss + 2});
  EXPECT_EQ(h.state(id), TcpState::TimeWait);
  EXPECT_THAT(h.out(), HasAck(kIrs + 2));
  h.advance(2s);
  EXPECT_EQ(h.state(id), TcpState::Closed);
  int closed = 0;
  for (const auto& e : h.drain()) closed += e.kind == SocketEventKind::Closed ? 1 : 0;
  EXPECT_EQ(closed, 1);  // announced once, on entering TIME-WAIT
  std::uint8_t b[4];
  EXPECT_EQ(*h.layer.recv(id, b, h.now), 0u);
}

TEST(TcpClose, OrphanedFinWait2TimesOut) {
  TcpHarness h;
  const SocketId id = h.established_client(kIrs);
  ASSERT_TRUE(h.layer.close(id, h.now).ok());
  h.out();
  h.in({.seq = kIrs + 1, .ack = h.iss + 2});
  EXPECT_EQ(h.layer.list()[0].state, TcpState::FinWait2);
  h.advance(59s);
  EXPECT_EQ(h.layer.list().size(), 1u);
  h.advance(1s);
  EXPECT_TRUE(h.layer.list().empty());
}

TEST(TcpClose, SimultaneousCloseGoesThroughClosing) {
  TcpHarness h;
  const SocketId id = h.established_client(kIrs);
  ASSERT_TRUE(h.layer.shutdown_send(id, h.now).ok());
  EXPECT_THAT(h.out(), HasFlags(Fin | Ack));
  h.in({.flags = Fin | Ack, .seq = kIrs + 1, .ack = h.iss + 1});  // their FIN, ours not acked
  EXPECT_EQ(h.state(id), TcpState::Closing);
  EXPECT_THAT(h.out(), HasAck(kIrs + 2));
  h.in({.seq = kIrs + 2, .ack = h.iss + 2});
  EXPECT_EQ(h.state(id), TcpState::TimeWait);
}

TEST(TcpClose, HalfCloseKeepsReceiving) {
  TcpHarness h;
  const SocketId id = h.established_client(kIrs);
  ASSERT_TRUE(h.layer.shutdown_send(id, h.now).ok());
  h.out();
  h.in({.seq = kIrs + 1, .ack = h.iss + 2, .payload = "still here"});
  EXPECT_EQ(h.state(id), TcpState::FinWait2);
  EXPECT_EQ(h.read_all(id), "still here");
}

TEST(TcpClose, CloseWithUnreadDataResets) {
  TcpHarness h;
  const SocketId id = h.established_client(kIrs);
  h.in({.seq = kIrs + 1, .ack = h.iss + 1, .payload = "unread"});
  ASSERT_TRUE(h.layer.close(id, h.now).ok());
  EXPECT_THAT(h.out(), AllOf(HasFlags(Rst), HasSeq(h.iss + 1)));
  EXPECT_TRUE(h.layer.list().empty());
}

TEST(TcpClose, AbortSendsRst) {
  TcpHarness h;
  const SocketId id = h.established_client(kIrs);
  h.layer.abort(id, h.now);
  EXPECT_THAT(h.out(), AllOf(HasFlags(Rst), HasSeq(h.iss + 1)));
  EXPECT_TRUE(h.layer.list().empty());
}

TEST(TcpRst, ExactRstResetsConnection) {
  TcpHarness h;
  const SocketId id = h.established_client(kIrs);
  h.in({.flags = Rst, .seq = kIrs + 1});
  EXPECT_EQ(h.state(id), TcpState::Closed);
  EXPECT_TRUE(h.has_event(id, SocketEventKind::Closed, Errc::ConnectionReset));
  std::uint8_t b[4];
  EXPECT_EQ(h.layer.recv(id, b, h.now).error(), Errc::ConnectionReset);
  h.expect_quiet();
}

TEST(TcpRst, InWindowRstDrawsChallengeAck) {
  TcpHarness h;
  const SocketId id = h.established_client(kIrs);
  h.in({.flags = Rst, .seq = kIrs + 100});
  // RFC 5961 §3.2: <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK>
  EXPECT_THAT(h.out(), AllOf(HasFlags(Ack), HasSeq(h.iss + 1), HasAck(kIrs + 1)));
  EXPECT_EQ(h.state(id), TcpState::Established);
  h.in({.flags = Rst, .seq = kIrs + 1000000});  // outside the window: silently dropped
  h.expect_quiet();
  EXPECT_EQ(h.state(id), TcpState::Established);
}

TEST(TcpRst, SynInEstablishedDrawsChallengeAck) {
  TcpHarness h;
  const SocketId id = h.established_client(kIrs);
  h.in({.flags = Syn, .seq = kIrs + 1});
  EXPECT_THAT(h.out(), AllOf(HasFlags(Ack), HasAck(kIrs + 1)));
  EXPECT_EQ(h.state(id), TcpState::Established);
  EXPECT_EQ(h.layer.counters().rx_syn_challenged, 1u);
}

TEST(TcpRst, ChallengeAcksAreRateLimited) {
  TcpSettings s;
  s.challenge_ack_limit = 2;
  TcpHarness h(s);
  h.established_client(kIrs);
  for (int i = 0; i < 3; ++i) h.in({.flags = Rst, .seq = kIrs + 50});
  EXPECT_EQ(h.ip.sent.size(), 2u);
  EXPECT_EQ(h.layer.counters().challenge_acks_rate_limited, 1u);
  h.ip.sent.clear();
  h.advance(1s);
  h.in({.flags = Rst, .seq = kIrs + 50});
  EXPECT_EQ(h.ip.sent.size(), 1u);
}

TEST(TcpRst, UnacceptableSegmentIsAcked) {
  TcpHarness h;
  h.established_client(kIrs);
  h.in({.seq = kIrs + 1000000, .ack = h.iss + 1, .payload = "far"});
  EXPECT_THAT(h.out(), AllOf(HasFlags(Ack), HasAck(kIrs + 1)));
  EXPECT_EQ(h.layer.counters().rx_dropped_unacceptable, 1u);
}

TEST(TcpRst, AckForUnsentDataIsAckedAndDropped) {
  TcpHarness h;
  const SocketId id = h.established_client(kIrs);
  h.in({.seq = kIrs + 1, .ack = h.iss + 500, .payload = "x"});
  EXPECT_THAT(h.out(), HasAck(kIrs + 1));  // the data was not taken either
  EXPECT_EQ(h.read_all(id), "");
}

TEST(TcpTrace, StateChangesCarryReasons) {
  TcpHarness h;
  h.established_client(kIrs);
  std::vector<std::string> reasons;
  for (const auto& e : h.trace.events) {
    if (e.kind == TraceKind::StateChange) reasons.emplace_back(e.reason);
  }
  EXPECT_EQ(reasons, (std::vector<std::string>{"connect(): sending SYN", "SYN-ACK acked our SYN"}));
}

TEST(TcpListen, ClosingListenerResetsPendingConnections) {
  TcpHarness h;
  const SocketId l = *h.layer.open();
  ASSERT_TRUE(h.layer.bind(l, kLocal, kLocalPort).ok());
  ASSERT_TRUE(h.layer.listen(l, 1).ok());
  h.in({.flags = Syn, .seq = 100});
  const auto synack = h.out();
  h.in({.seq = 101, .ack = synack.h.seq + 1});
  // The accept queue (backlog 1) is full: the next SYN is dropped (as Linux).
  h.in({.flags = Syn, .seq = 200, .src_port = 2});
  h.expect_quiet();
  EXPECT_EQ(h.layer.counters().rx_dropped_listen, 1u);
  ASSERT_TRUE(h.layer.close(l, h.now).ok());
  EXPECT_THAT(h.out(), HasFlags(Rst));
  EXPECT_TRUE(h.layer.list().empty());
}

}  // namespace
}  // namespace tapstack::tcp::testing
