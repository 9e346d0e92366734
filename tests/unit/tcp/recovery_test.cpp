// SACK-based loss recovery: RACK finds losses by time (RFC 8985 §6), after
// an RTO only what the peer has not SACKed is resent (RFC 6675 §5.1,
// scoreboard kept), several holes go out in one round trip (RFC 6675
// NextSeg), a lost retransmission is resent without waiting for the RTO
// (RFC 8985 §6.2), and a receiver that reneges on SACKed data still gets it
// (RFC 2018 §8). The harness's round trip is zero unless a test advances
// the clock, so RACK's reordering window is zero too.
#include <set>

#include "support/tcp_harness.hpp"

namespace tapstack::tcp::testing {
namespace {

using ::testing::AllOf;
using namespace wire::tcp_flags;

constexpr std::uint32_t kIrs = 1000;
constexpr std::uint32_t kMss = 1460;

/// An established client whose peer permitted SACK (the harness's does not by default).
SocketId sack_client(TcpHarness& h) { return h.established_client(kIrs, 7, kMss, true); }

/// The peer's receive side, one full-sized segment per index: it ACKs the
/// first missing segment and SACKs what it holds above it.
class Peer {
 public:
  explicit Peer(std::uint32_t base) : base_(base) {}
  std::uint32_t seq(std::uint32_t index) const { return base_ + index * kMss; }
  std::uint32_t index(std::uint32_t seq) const { return (seq - base_) / kMss; }
  void hold(std::uint32_t index) { held_.insert(index); }
  void forget(std::uint32_t index) { held_.erase(index); }

  SegSpec ack() const {
    std::uint32_t next = 0;
    while (held_.contains(next)) ++next;
    SegSpec s{.seq = kIrs + 1, .ack = seq(next)};
    for (auto it = held_.upper_bound(next); it != held_.end() && s.options.sack_count < 3;) {
      std::uint32_t end = *it + 1;
      while (held_.contains(end)) ++end;
      s.options.sack[s.options.sack_count++] = wire::SackBlock{seq(*it), seq(end)};
      it = held_.lower_bound(end);
    }
    return s;
  }

 private:
  std::uint32_t base_;
  std::set<std::uint32_t> held_;
};

/// Delivers everything the TCB sends to `peer` and feeds back its ACKs until
/// the TCB falls silent; returns the segment indexes sent, in order.
std::vector<std::uint32_t> exchange(TcpHarness& h, Peer& peer) {
  std::vector<std::uint32_t> sent;
  for (int i = 0; i < 1000 && !h.ip.sent.empty(); ++i) {
    const OutSegment s = h.out();
    sent.push_back(peer.index(s.h.seq));
    peer.hold(peer.index(s.h.seq));
    h.in(peer.ack());
  }
  return sent;
}

std::vector<std::uint32_t> drain_indexes(TcpHarness& h, const Peer& peer) {
  std::vector<std::uint32_t> v;
  while (!h.ip.sent.empty()) v.push_back(peer.index(h.out().h.seq));
  return v;
}

TEST(TcpRecovery, AfterAnRtoOnlyUnsackedDataIsResent) {
  TcpHarness h;
  const SocketId id = sack_client(h);
  Peer peer(h.iss + 1);
  ASSERT_TRUE(h.write(id, std::string(10 * kMss, 'r')).ok());
  EXPECT_EQ(drain_indexes(h, peer).size(), 10u);
  // Segments 2 and 5 arrive. RACK: 0, 1, 3 and 4 went before 5 and are
  // lost; PRR lets three segments out for the two delivered.
  peer.hold(2);
  peer.hold(5);
  h.in(peer.ack());
  EXPECT_THAT(drain_indexes(h, peer), ::testing::ElementsAre(0u, 1u, 3u));
  h.advance(200ms);  // all of them lost too: RTO, the loss window is one segment
  EXPECT_THAT(drain_indexes(h, peer), ::testing::ElementsAre(0u));
  peer.hold(0);
  h.in(peer.ack());
  const auto resent = exchange(h, peer);
  EXPECT_THAT(resent, ::testing::UnorderedElementsAre(1u, 3u, 4u, 6u, 7u, 8u, 9u));
  EXPECT_EQ(h.layer.info(id)->snd_una, peer.seq(10));
  EXPECT_EQ(h.layer.counters().rto_expirations, 1u);
}

TEST(TcpRecovery, SeveralHolesAreRepairedInOneRoundTrip) {
  TcpHarness h;
  const SocketId id = sack_client(h);
  Peer peer(h.iss + 1);
  ASSERT_TRUE(h.write(id, std::string(12 * kMss, 'h')).ok());
  EXPECT_EQ(drain_indexes(h, peer).size(), 10u);  // the initial window
  for (std::uint32_t i : {1u, 2u, 4u, 5u, 7u, 8u, 9u}) peer.hold(i);
  h.in(peer.ack());  // one ACK reporting three holes
  // All three holes go out at once, then new data as pipe allows.
  EXPECT_THAT(drain_indexes(h, peer), ::testing::ElementsAre(0u, 3u, 6u, 10u, 11u));
  EXPECT_EQ(h.layer.counters().fast_retransmits, 1u);
}

TEST(TcpRecovery, ALostRetransmissionIsResentWithoutWaitingForTheRto) {
  TcpHarness h;
  const SocketId id = sack_client(h);
  Peer peer(h.iss + 1);
  ASSERT_TRUE(h.write(id, std::string(12 * kMss, 'l')).ok());
  EXPECT_EQ(drain_indexes(h, peer).size(), 10u);
  for (std::uint32_t i : {1u, 2u, 4u, 5u, 7u, 8u, 9u}) peer.hold(i);
  h.in(peer.ack());
  EXPECT_THAT(drain_indexes(h, peer), ::testing::ElementsAre(0u, 3u, 6u, 10u, 11u));
  // The retransmission of 0 is lost; 3, 6 and the new 10 arrive: data sent
  // after it was delivered, so it is resent now, not after the RTO.
  for (std::uint32_t i : {3u, 6u, 10u}) peer.hold(i);
  h.in(peer.ack());
  EXPECT_THAT(h.out(), AllOf(HasSeq(peer.seq(0)), HasLen(kMss)));
  bool labelled = false;
  for (const auto& e : h.trace.events) {
    labelled |= e.kind == TraceKind::Retransmit &&
                std::string_view(e.reason) == "retransmission lost (RFC 8985 §6.2): resend";
  }
  EXPECT_TRUE(labelled);
  peer.hold(0);
  peer.hold(11);
  h.in(peer.ack());
  h.expect_quiet();
  EXPECT_EQ(h.layer.info(id)->snd_una, peer.seq(12));
  EXPECT_EQ(h.layer.counters().rto_expirations, 0u);
}

TEST(TcpRecovery, ARenegingReceiverGetsItsSackedDataAgain) {
  TcpHarness h;
  const SocketId id = sack_client(h);
  Peer peer(h.iss + 1);
  ASSERT_TRUE(h.write(id, std::string(6 * kMss, 'n')).ok());
  EXPECT_EQ(drain_indexes(h, peer).size(), 6u);
  peer.hold(2);
  h.in(peer.ack());  // SACKs segment 2: 0 and 1 are lost (RACK)
  EXPECT_THAT(drain_indexes(h, peer), ::testing::Contains(0u));
  peer.hold(0);
  peer.hold(1);
  peer.forget(2);  // ... and throws 2 away (RFC 2018 §8)
  h.in(peer.ack());  // the ACK stops at 2: SACKed, yet not held
  h.advance(200ms);  // the RTO resends from 2
  EXPECT_THAT(drain_indexes(h, peer), ::testing::ElementsAre(2u));
  peer.hold(2);
  h.in(peer.ack());
  const auto resent = exchange(h, peer);
  EXPECT_THAT(resent, ::testing::UnorderedElementsAre(3u, 4u, 5u));
  EXPECT_EQ(h.layer.info(id)->snd_una, peer.seq(6));
  EXPECT_EQ(h.layer.counters().rto_expirations, 1u);
}

TEST(TcpRecovery, ALostTailIsRepairedByAProbeNotAnRto) {
  TcpHarness h;
  const SocketId id = sack_client(h);
  Peer peer(h.iss + 1);
  ASSERT_TRUE(h.write(id, std::string(4 * kMss, 't')).ok());
  EXPECT_EQ(drain_indexes(h, peer).size(), 4u);
  for (std::uint32_t i : {0u, 1u, 2u}) peer.hold(i);
  h.in(peer.ack());  // the last segment is lost: no duplicate ACKs will come
  h.expect_quiet();
  h.advance(41ms);  // PTO: 2*SRTT floored at 2 ms, plus 40 ms for one segment out
  h.expect_quiet();
  h.advance(1ms);
  EXPECT_THAT(h.out(), AllOf(HasSeq(peer.seq(3)), HasLen(kMss)));
  peer.hold(3);
  h.in(peer.ack());
  EXPECT_EQ(h.layer.info(id)->snd_una, peer.seq(4));
  EXPECT_EQ(h.layer.counters().rto_expirations, 0u);
  h.advance(1s);
  h.expect_quiet();
}

/// A connection whose last of four segments was lost and resent by the
/// tail loss probe; returns the peer, which holds segments 0-2.
Peer probe_the_tail(TcpHarness& h, SocketId id) {
  Peer peer(h.iss + 1);
  EXPECT_TRUE(h.write(id, std::string(4 * kMss, 't')).ok());
  EXPECT_EQ(drain_indexes(h, peer).size(), 4u);
  for (std::uint32_t i : {0u, 1u, 2u}) peer.hold(i);
  h.in(peer.ack());
  h.advance(42ms);
  EXPECT_THAT(drain_indexes(h, peer), ::testing::ElementsAre(3u));
  return peer;
}

TEST(TcpRecovery, AProbeThatRepairedALossReducesTheWindowOnce) {
  TcpHarness h;
  const SocketId id = sack_client(h);
  Peer peer = probe_the_tail(h, id);
  peer.hold(3);
  h.in(peer.ack());  // only the probe's copy arrived: no D-SACK
  const std::uint32_t before = h.layer.info(id)->cwnd;
  ASSERT_TRUE(h.write(id, std::string(kMss, 'n')).ok());
  EXPECT_THAT(drain_indexes(h, peer), ::testing::ElementsAre(4u));
  peer.hold(4);
  h.in(peer.ack());  // past the probe's end: RFC 8985 §7.4.2 reduces
  EXPECT_EQ(h.layer.counters().tlp_losses_repaired, 1u);
  EXPECT_LT(h.layer.info(id)->cwnd, before);
  EXPECT_EQ(h.layer.counters().rto_expirations, 0u);
}

TEST(TcpRecovery, AProbeWhoseOriginalArrivedToo) {
  TcpHarness h;
  const SocketId id = sack_client(h);
  Peer peer = probe_the_tail(h, id);
  peer.hold(3);
  SegSpec both = peer.ack();  // the original was late: the probe is a duplicate
  both.options.sack[0] = wire::SackBlock{peer.seq(3), peer.seq(4)};
  both.options.sack_count = 1;
  h.in(both);
  ASSERT_TRUE(h.write(id, std::string(kMss, 'n')).ok());
  EXPECT_THAT(drain_indexes(h, peer), ::testing::ElementsAre(4u));
  peer.hold(4);
  h.in(peer.ack());
  EXPECT_EQ(h.layer.counters().tlp_losses_repaired, 0u);
}

TEST(TcpRecovery, RackFindsALossByTimeWithoutThreeDuplicateAcks) {
  TcpHarness h;
  const SocketId id = sack_client(h);
  std::uint32_t acked = h.iss + 1;
  for (int i = 0; i < 30; ++i) {  // SRTT and min_RTT settle at 10 ms
    ASSERT_TRUE(h.write(id, std::string(kMss, 'a')).ok());
    (void)h.out();
    h.advance(10ms);
    acked += kMss;
    h.in({.seq = kIrs + 1, .ack = acked});
  }
  Peer peer(acked);
  ASSERT_TRUE(h.write(id, std::string(4 * kMss, 'p')).ok());
  EXPECT_EQ(drain_indexes(h, peer).size(), 4u);
  h.advance(10ms);
  peer.hold(1);
  h.in(peer.ack());  // one duplicate ACK, SACKing segment 1
  // Segment 0 went before 1: lost once RACK.rtt plus the reordering window
  // (min_RTT / 4 = 2.5 ms) have passed since it was sent.
  h.advance(2ms);
  h.expect_quiet();
  h.advance(1ms);
  EXPECT_THAT(h.out(), AllOf(HasSeq(peer.seq(0)), HasLen(kMss)));
  EXPECT_EQ(h.layer.counters().fast_retransmits, 1u);
  EXPECT_EQ(h.layer.counters().rto_expirations, 0u);
}

TEST(TcpRecovery, ALostFinIsResentAfterTheRto) {
  TcpHarness h;
  const SocketId id = sack_client(h);
  Peer peer(h.iss + 1);
  ASSERT_TRUE(h.write(id, std::string(4 * kMss, 'f')).ok());
  ASSERT_TRUE(h.layer.shutdown_send(id, h.now).ok());
  ASSERT_EQ(drain_indexes(h, peer).size(), 5u);  // four segments, then the FIN alone
  for (std::uint32_t i : {1u, 2u}) peer.hold(i);
  h.in(peer.ack());  // RACK: 0 is lost; its retransmission is lost too
  EXPECT_THAT(drain_indexes(h, peer), ::testing::Contains(0u));
  h.advance(200ms);
  EXPECT_THAT(drain_indexes(h, peer), ::testing::ElementsAre(0u));
  peer.hold(0);
  h.in(peer.ack());  // what is not SACKed goes again, the FIN included
  EXPECT_THAT(h.out(), AllOf(HasSeq(peer.seq(3)), HasLen(kMss)));
  EXPECT_THAT(h.out(), AllOf(HasSeq(peer.seq(4)), HasFlags(Ack | Fin), HasLen(0u)));
  h.in({.seq = kIrs + 1, .ack = peer.seq(4) + 1});
  EXPECT_EQ(h.state(id), TcpState::FinWait2);
}

TEST(TcpRecovery, DuplicateDataIsReportedWithADsackBlock) {
  TcpHarness h;
  sack_client(h);
  h.in({.seq = kIrs + 1, .ack = h.iss + 1, .payload = "abc"});
  h.in({.seq = kIrs + 1, .ack = h.iss + 1, .payload = "abc"});  // again
  const OutSegment a = h.out();
  EXPECT_THAT(a, HasAck(kIrs + 4));
  ASSERT_EQ(a.h.options.sack_count, 1);  // RFC 2883 §4: below the ACK, once
  EXPECT_EQ(a.h.options.sack[0], (wire::SackBlock{kIrs + 1, kIrs + 4}));
  h.in({.seq = kIrs + 4, .ack = h.iss + 1, .payload = std::string(2920, 'd')});
  EXPECT_EQ(h.out().h.options.sack_count, 0);
}

TEST(TcpRecovery, ADsackOfARetransmissionWidensTheReorderingWindow) {
  TcpHarness h;
  const SocketId id = sack_client(h);
  Peer peer(h.iss + 1);
  ASSERT_TRUE(h.write(id, std::string(10 * kMss, 'o')).ok());
  EXPECT_EQ(drain_indexes(h, peer).size(), 10u);
  for (std::uint32_t i : {1u, 2u, 3u}) peer.hold(i);
  h.in(peer.ack());  // segment 0 was only delayed, but looks lost
  EXPECT_THAT(drain_indexes(h, peer), ::testing::ElementsAre(0u));
  peer.hold(0);
  SegSpec dsack = peer.ack();  // the original arrived, then the retransmission
  dsack.options.sack[0] = wire::SackBlock{peer.seq(0), peer.seq(1)};
  dsack.options.sack_count = 1;
  h.in(dsack);
  bool raised = false;
  for (const auto& e : h.trace.events) {
    raised |= e.kind == TraceKind::CongestionChange && e.e == 2 &&
              std::string_view(e.reason) ==
                  "D-SACK: spurious retransmission, RACK reordering window widened";
  }
  EXPECT_TRUE(raised);
  // A D-SACK of data never retransmitted (a duplicate made by the network) is no evidence.
  dsack.options.sack[0] = wire::SackBlock{peer.seq(2), peer.seq(3)};
  h.in(dsack);
  int raises = 0;
  for (const auto& e : h.trace.events) raises += e.kind == TraceKind::CongestionChange && e.e > 0;
  EXPECT_EQ(raises, 1);
}

TEST(TcpRecovery, RandomAcksAndSackBlocksKeepInvariants) {
  for (std::uint64_t seed = 1; seed <= 6; ++seed) {
    SCOPED_TRACE("seed=" + std::to_string(seed));
    TcpHarness h(TcpSettings{}, seed);
    const SocketId id = sack_client(h);
    SeededRng r(seed * 104729);
    std::uint32_t acked = h.iss + 1;
    for (int i = 0; i < 3000; ++i) {
      if (r.chance(0.1)) (void)h.write(id, std::string(r.uniform(1, 20000), 'z'));
      const auto info = *h.layer.info(id);
      const std::uint32_t span = info.snd_nxt - info.snd_una + 1;
      SegSpec seg{.seq = kIrs + 1, .ack = acked};
      if (r.chance(0.3)) acked = std::max(acked, info.snd_una + r.uniform(0, span - 1));
      seg.ack = r.chance(0.05) ? info.snd_una - r.uniform(0, 3000) : acked;
      seg.options.sack_count = static_cast<std::uint8_t>(r.uniform(0, 4));
      for (std::size_t k = 0; k < seg.options.sack_count; ++k) {
        const std::uint32_t left = info.snd_una - 2000 + r.uniform(0, span + 4000);
        seg.options.sack[k] = wire::SackBlock{left, left + r.uniform(0, 6000)};
      }
      h.in(seg);
      if (r.chance(0.2)) h.advance(Duration{r.uniform(0, 400'000)});
      h.ip.sent.clear();
      const auto after = *h.layer.info(id);
      ASSERT_LE(after.snd_una - info.snd_una, span) << "SND.UNA went backwards";
      ASSERT_LE(after.snd_nxt - after.snd_una, 256u * 1024 + 1) << "SND.NXT outside the window";
      if (after.state != TcpState::Established) break;
    }
    EXPECT_GT(h.layer.counters().fast_retransmits, 0u);
    EXPECT_GT(h.layer.counters().retransmits, h.layer.counters().fast_retransmits);
  }
}

}  // namespace
}  // namespace tapstack::tcp::testing
