// RFC 7323 timestamps: negotiated only when both SYNs carry the option, then
// a TSopt on every segment but a RST (§3.2) with the send MSS 12 bytes
// smaller; PAWS (§5) with its 24-day rule and its RST exemption; RTT samples
// from echoes where Karn leaves none (§4); RFC 3522 Eifel undo.
#include <cstring>

#include "support/tcp_harness.hpp"

namespace tapstack::tcp::testing {
namespace {

using ::testing::AllOf;
using namespace wire::tcp_flags;

constexpr std::uint32_t kIrs = 1000;
constexpr std::uint32_t kPeerTs = 5000;
constexpr std::uint32_t kMss = 1460 - 12;

SegSpec with_ts(SegSpec s, std::uint32_t value, std::uint32_t echo) {
  s.options.timestamps = wire::TcpTimestamps{value, echo};
  return s;
}

std::uint32_t tsval(const OutSegment& s) {
  EXPECT_TRUE(s.h.options.timestamps) << "no TSopt on " << s;
  return s.h.options.timestamps ? s.h.options.timestamps->value : 0;
}

std::uint32_t tsecr(const OutSegment& s) {
  EXPECT_TRUE(s.h.options.timestamps) << "no TSopt on " << s;
  return s.h.options.timestamps ? s.h.options.timestamps->echo_reply : 0;
}

/// An active open whose SYN-ACK carries `peer_ts` (TSval kPeerTs) or not;
/// no window scaling, so duplicate ACKs keep the window. Returns the SYN.
OutSegment open_client(TcpHarness& h, SocketId& id, bool peer_ts, bool sack = false) {
  id = *h.layer.open();
  EXPECT_TRUE(h.layer.bind(id, kLocal, kLocalPort).ok());
  EXPECT_TRUE(h.layer.connect(id, kRemote, kRemotePort, h.now).ok());
  const OutSegment syn = h.out();
  h.iss = syn.h.seq;
  SegSpec synack{.flags = Syn | Ack, .seq = kIrs, .ack = h.iss + 1};
  synack.options.mss = 1460;
  synack.options.window_scale = 0;
  synack.options.sack_permitted = sack;
  if (peer_ts) synack = with_ts(synack, kPeerTs, tsval(syn));
  h.in(synack);
  (void)h.drain();
  return syn;
}

/// Peer's ACK of our data up to `ack`, echoing `echo`.
SegSpec peer_ack(const TcpHarness& h, std::uint32_t ack, std::uint32_t echo) {
  return with_ts({.seq = kIrs + 1, .ack = h.iss + 1 + ack}, kPeerTs, echo);
}

bool traced(const TcpHarness& h, TraceKind kind, const char* reason_part) {
  for (const auto& e : h.trace.events) {
    if (e.kind == kind && std::strstr(e.reason, reason_part) != nullptr) return true;
  }
  return false;
}

TEST(TcpTimestamps, NegotiatedWhenBothSynsCarryIt) {
  TcpHarness h;
  SocketId id;
  const OutSegment syn = open_client(h, id, true);
  EXPECT_EQ(tsecr(syn), 0u);  // nothing to echo yet
  const OutSegment ack = h.out();
  EXPECT_EQ(tsecr(ack), kPeerTs);
  const auto info = *h.layer.info(id);
  EXPECT_TRUE(info.timestamps);
  EXPECT_EQ(info.ts_recent, kPeerTs);
  EXPECT_EQ(info.mss, kMss);  // 1460 less the TSopt (Linux tcp_current_mss)
  h.advance(7ms);
  ASSERT_TRUE(h.write(id, std::string(2 * 1460, 'd')).ok());
  const OutSegment data = h.out();
  EXPECT_THAT(data, HasLen(kMss));
  EXPECT_EQ(tsval(data), tsval(syn) + 7);  // 1 ms ticks from the connection's offset
  EXPECT_EQ(tsecr(data), kPeerTs);
}

TEST(TcpTimestamps, NotSentWhenThePeerLacksIt) {
  TcpHarness h;
  SocketId id;
  const OutSegment syn = open_client(h, id, false);
  EXPECT_TRUE(syn.h.options.timestamps);  // offered
  EXPECT_FALSE(h.out().h.options.timestamps);
  ASSERT_TRUE(h.write(id, std::string(2 * 1460, 'd')).ok());
  const OutSegment data = h.out();
  EXPECT_FALSE(data.h.options.timestamps);
  EXPECT_THAT(data, HasLen(1460u));
  EXPECT_FALSE(h.layer.info(id)->timestamps);
  // A TSopt arriving later is ignored (§3.2): nothing is echoed.
  h.in(peer_ack(h, 1460, tsval(syn)));
  h.advance(300ms);
  while (!h.ip.sent.empty()) EXPECT_FALSE(h.out().h.options.timestamps);
}

TEST(TcpTimestamps, ServerEchoesOnlyAnOfferAndOnlyWhenConfigured) {
  for (const bool configured : {true, false}) {
    TcpSettings s;
    s.timestamps = configured;
    TcpHarness h(s);
    const SocketId l = *h.layer.open();
    ASSERT_TRUE(h.layer.bind(l, kLocal, kLocalPort).ok());
    ASSERT_TRUE(h.layer.listen(l, 4).ok());
    h.in(with_ts({.flags = Syn, .seq = 100, .src_port = 40001}, 777, 0));
    const OutSegment offered = h.out();
    EXPECT_EQ(offered.h.options.timestamps.has_value(), configured);
    if (configured) {
      EXPECT_EQ(tsecr(offered), 777u);
    }
    h.in({.flags = Syn, .seq = 100, .src_port = 40002});
    EXPECT_FALSE(h.out().h.options.timestamps);
  }
}

TEST(TcpTimestamps, OffNotOfferedInSyn) {
  TcpSettings s;
  s.timestamps = false;
  TcpHarness h(s);
  const SocketId id = *h.layer.open();
  ASSERT_TRUE(h.layer.connect(id, kRemote, kRemotePort, h.now).ok());
  EXPECT_FALSE(h.out().h.options.timestamps);
}

TEST(TcpTimestamps, OnEveryNonRstSegment) {
  TcpHarness h;
  SocketId id;
  const OutSegment syn = open_client(h, id, true);
  ASSERT_TRUE(h.write(id, "hello").ok());  // data
  h.advance(250ms);                        // its RTO retransmission
  h.in(with_ts({.seq = kIrs + 1, .ack = h.iss + 6, .payload = "x"}, kPeerTs + 1, tsval(syn)));
  h.advance(50ms);  // the delayed ACK
  h.in(with_ts({.flags = Syn, .seq = kIrs + 2}, kPeerTs + 2, 0));  // challenge ACK
  ASSERT_TRUE(h.layer.shutdown_send(id, h.now).ok());               // FIN
  std::size_t checked = 0;
  while (!h.ip.sent.empty()) {
    const OutSegment s = h.out();
    EXPECT_TRUE(s.h.options.timestamps) << s;
    ++checked;
  }
  EXPECT_EQ(checked, 6u);  // ACK, data, retransmit, delayed ACK, challenge ACK, FIN
  h.layer.abort(id, h.now);
  const OutSegment rst = h.out();
  EXPECT_THAT(rst, HasFlags(Rst));
  EXPECT_FALSE(rst.h.options.timestamps);  // §3.2: a RST need not carry it
}

TEST(TcpTimestamps, PawsDropsAnOldDuplicateAndAcks) {
  TcpHarness h;
  SocketId id;
  const OutSegment syn = open_client(h, id, true);
  (void)h.out();
  h.in(with_ts({.seq = kIrs + 1, .ack = h.iss + 1, .payload = "new"}, kPeerTs + 100, tsval(syn)));
  h.advance(50ms);
  EXPECT_EQ(tsecr(h.out()), kPeerTs + 100);  // TS.Recent moved (§4.3)
  // In the window, at RCV.NXT even, but stamped before TS.Recent.
  h.in(with_ts({.seq = kIrs + 4, .ack = h.iss + 1, .payload = "old"}, kPeerTs + 50, tsval(syn)));
  EXPECT_THAT(h.out(), AllOf(HasFlags(Ack), HasAck(kIrs + 4)));  // at once, not delayed
  EXPECT_EQ(h.read_all(id), "new");
  EXPECT_EQ(h.layer.counters().rx_dropped_paws, 1u);
  EXPECT_TRUE(traced(h, TraceKind::Drop, "PAWS"));
  EXPECT_EQ(h.layer.info(id)->ts_recent, kPeerTs + 100);
}

TEST(TcpTimestamps, PawsDoesNotApplyToRst) {
  TcpHarness h;
  SocketId id;
  open_client(h, id, true);
  (void)h.out();
  h.in(with_ts({.flags = Rst, .seq = kIrs + 1}, kPeerTs - 1000, 0));
  EXPECT_TRUE(h.has_event(id, SocketEventKind::Closed, Errc::ConnectionReset));
  EXPECT_EQ(h.layer.counters().rx_dropped_paws, 0u);
}

TEST(TcpTimestamps, TsRecentIdleFor24DaysNoLongerRejects) {
  TcpHarness h;
  SocketId id;
  const OutSegment syn = open_client(h, id, true);
  (void)h.out();
  // After a long idle time the peer's clock may have run past the sign bit:
  // its TSval now compares as older than TS.Recent.
  const std::uint32_t wrapped = kPeerTs + 0x80000001u;
  h.advance(23 * 24h);
  h.in(with_ts({.seq = kIrs + 1, .ack = h.iss + 1, .payload = "a"}, wrapped, tsval(syn)));
  EXPECT_EQ(h.layer.counters().rx_dropped_paws, 1u);
  EXPECT_EQ(h.read_all(id), "");
  (void)h.out();
  h.advance(2 * 24h);  // 25 days since TS.Recent was set (§5.5)
  h.in(with_ts({.seq = kIrs + 1, .ack = h.iss + 1, .payload = "a"}, wrapped, tsval(syn)));
  EXPECT_EQ(h.layer.counters().rx_dropped_paws, 1u);
  EXPECT_EQ(h.read_all(id), "a");
  EXPECT_EQ(h.layer.info(id)->ts_recent, wrapped);
}

/// Six segments out at t = 0, then three duplicate ACKs at t = 10 ms draw a
/// fast retransmit. Returns the TSval of the originals.
std::uint32_t into_fast_recovery(TcpHarness& h, SocketId& id) {
  open_client(h, id, true);
  (void)h.out();
  EXPECT_TRUE(h.write(id, std::string(6 * kMss, 'r')).ok());
  std::uint32_t original = 0;
  for (int i = 0; i < 6; ++i) original = tsval(h.out());
  h.advance(10ms);
  for (int i = 0; i < 3; ++i) h.in(peer_ack(h, 0, original));
  return original;
}

TEST(TcpTimestamps, RttSampleFromTheEchoDuringRecovery) {
  TcpHarness h;
  SocketId id;
  const std::uint32_t original = into_fast_recovery(h, id);
  const OutSegment rexmit = h.out();
  EXPECT_THAT(rexmit, HasSeq(h.iss + 1));
  EXPECT_EQ(tsval(rexmit), original + 10);
  const auto before = *h.layer.info(id);
  h.trace.events.clear();
  h.advance(30ms);
  h.in(peer_ack(h, kMss, tsval(rexmit)));  // a partial ACK: Karn has no timed segment
  bool sampled = false;
  for (const auto& e : h.trace.events) {
    if (e.kind == TraceKind::RttSample && std::strstr(e.reason, "TSecr") != nullptr) {
      EXPECT_EQ(e.a, 30'000);  // 30 ms since the retransmission left
      sampled = true;
    }
  }
  EXPECT_TRUE(sampled);
  EXPECT_NE(h.layer.info(id)->srtt, before.srtt);
  EXPECT_EQ(h.layer.counters().spurious_fast_retransmits_undone, 0u);
  EXPECT_LT(h.layer.info(id)->ssthresh, 0x7fffffffu);  // a real loss stays halved
}

TEST(TcpTimestamps, EifelUndoesASpuriousFastRetransmit) {
  TcpHarness h;
  SocketId id;
  const std::uint32_t original = into_fast_recovery(h, id);
  (void)h.out();
  EXPECT_LT(h.layer.info(id)->ssthresh, 0x7fffffffu);
  // The ACK that covers the retransmission echoes the original: it arrived.
  h.in(peer_ack(h, 6 * kMss, original));
  const auto info = *h.layer.info(id);
  EXPECT_EQ(info.ssthresh, 0x7fffffffu);
  EXPECT_GE(info.cwnd, 10 * kMss);
  EXPECT_EQ(h.layer.counters().spurious_fast_retransmits_undone, 1u);
  EXPECT_TRUE(traced(h, TraceKind::CongestionChange, "spurious fast retransmit"));
}

/// Four segments out at t = 0, and the RTO resends the first at 200 ms.
std::uint32_t after_rto(TcpHarness& h, SocketId& id, std::uint32_t& rexmit_ts) {
  open_client(h, id, true);
  (void)h.out();
  EXPECT_TRUE(h.write(id, std::string(4 * kMss, 'r')).ok());
  std::uint32_t original = 0;
  for (int i = 0; i < 4; ++i) original = tsval(h.out());
  h.advance(200ms);
  const OutSegment rexmit = h.out();
  EXPECT_THAT(rexmit, HasSeq(h.iss + 1));
  rexmit_ts = tsval(rexmit);
  EXPECT_EQ(h.layer.info(id)->cwnd, kMss);
  return original;
}

TEST(TcpTimestamps, EifelUndoesASpuriousRtoWithoutGoBackN) {
  TcpHarness h;
  SocketId id;
  std::uint32_t rexmit_ts = 0;
  const std::uint32_t original = after_rto(h, id, rexmit_ts);
  h.in(peer_ack(h, kMss, original));  // the original segment's ACK, only late
  h.expect_quiet();  // segments 2-4 are not resent: they are on their way
  const auto info = *h.layer.info(id);
  EXPECT_GE(info.cwnd, 10 * kMss);
  EXPECT_EQ(info.ssthresh, 0x7fffffffu);
  EXPECT_EQ(h.layer.counters().spurious_rto_undone, 1u);
  EXPECT_TRUE(traced(h, TraceKind::CongestionChange, "spurious RTO"));
}

TEST(TcpTimestamps, AGenuineRtoIsNotUndone) {
  TcpHarness h;
  SocketId id;
  std::uint32_t rexmit_ts = 0;
  (void)after_rto(h, id, rexmit_ts);
  h.in(peer_ack(h, kMss, rexmit_ts));  // the retransmission's ACK
  EXPECT_THAT(h.out(), HasSeq(h.iss + 1 + kMss));  // go-back-N goes on
  EXPECT_LT(h.layer.info(id)->ssthresh, 0x7fffffffu);
  EXPECT_EQ(h.layer.counters().spurious_rto_undone, 0u);
}

TEST(TcpTimestamps, ThreeSackBlocksFitBesideTheTsopt) {
  TcpHarness h;
  SocketId id;
  const OutSegment syn = open_client(h, id, true, true);
  (void)h.out();
  for (std::uint32_t i = 0; i < 4; ++i) {  // four islands above a hole
    h.in(with_ts({.seq = kIrs + 1 + 10 + 20 * i, .ack = h.iss + 1, .payload = "0123456789"},
                 kPeerTs, tsval(syn)));
  }
  OutSegment last;
  while (!h.ip.sent.empty()) last = h.out();
  EXPECT_EQ(last.h.options.sack_count, 3u);
  EXPECT_TRUE(last.h.options.timestamps);
}

}  // namespace
}  // namespace tapstack::tcp::testing
