// ECN (RFC 3168 §6.1): negotiated by an ECN-setup SYN (ECE and CWR) and
// SYN-ACK (ECE only) in the three modes, either side opening; the fallback
// of a handshake that times out; the receiver's ECE from a CE mark until a
// CWR; the sender's one reduction per window, its CWR on the next new data,
// and ECT(0) only on new data.
#include "support/tcp_harness.hpp"

namespace tapstack::tcp::testing {
namespace {

using namespace wire::tcp_flags;

constexpr std::uint32_t kIrs = 1000;

TcpSettings with_ecn(EcnMode mode) {
  TcpSettings s;
  s.ecn = mode;
  s.timestamps = false;  // a plain 1460-byte MSS keeps the arithmetic simple
  return s;
}

/// An active open answered by a SYN-ACK with `synack_flags` besides SYN|ACK.
/// Returns our SYN.
OutSegment open_client(TcpHarness& h, SocketId& id, std::uint8_t synack_flags) {
  id = *h.layer.open();
  EXPECT_TRUE(h.layer.bind(id, kLocal, kLocalPort).ok());
  EXPECT_TRUE(h.layer.connect(id, kRemote, kRemotePort, h.now).ok());
  const OutSegment syn = h.out();
  h.iss = syn.h.seq;
  SegSpec synack{.flags = static_cast<std::uint8_t>(Syn | Ack | synack_flags), .seq = kIrs,
                 .ack = h.iss + 1};
  synack.options.mss = 1460;
  h.in(synack);
  (void)h.out();  // the handshake's ACK
  (void)h.drain();
  return syn;
}

/// A listener on kLocalPort receives a SYN with `syn_flags` besides SYN.
/// Returns our SYN-ACK; the connection is still SYN-RECEIVED.
OutSegment syn_to_listener(TcpHarness& h, std::uint8_t syn_flags) {
  h.listener = *h.layer.open();
  EXPECT_TRUE(h.layer.bind(h.listener, kLocal, kLocalPort).ok());
  EXPECT_TRUE(h.layer.listen(h.listener, 8).ok());
  SegSpec syn{.flags = static_cast<std::uint8_t>(Syn | syn_flags), .seq = kIrs};
  syn.options.mss = 1460;
  h.in(syn);
  const OutSegment synack = h.out();
  h.iss = synack.h.seq;
  return synack;
}

SocketId accept_after_ack(TcpHarness& h) {
  h.in({.seq = kIrs + 1, .ack = h.iss + 1});
  (void)h.drain();
  auto id = h.layer.accept(h.listener);
  EXPECT_TRUE(id.ok());
  return id.ok() ? *id : SocketId{};
}

/// An established ECN connection, we the active opener.
SocketId ecn_client(TcpHarness& h) {
  SocketId id;
  (void)open_client(h, id, Ece);
  EXPECT_TRUE(h.layer.info(id)->ecn);
  return id;
}

std::uint8_t ecn_flags(const OutSegment& s) { return s.h.flags & (Ece | Cwr); }

// --- negotiation ---

TEST(TcpEcn, ModeOnSendsAnEcnSetupSynAndAgreesOnAnEceSynAck) {
  TcpHarness h(with_ecn(EcnMode::On));
  SocketId id;
  const OutSegment syn = open_client(h, id, Ece);
  EXPECT_THAT(syn, HasFlags(Syn | Ece | Cwr));
  EXPECT_EQ(syn.ecn, net::Ecn::NotEct);  // §6.1.1: never ECT on a SYN
  EXPECT_TRUE(h.layer.info(id)->ecn);
  EXPECT_EQ(h.layer.counters().ecn_negotiated, 1u);
}

TEST(TcpEcn, ModeOnWithoutAnEceSynAckIsNoEcn) {
  for (const std::uint8_t answer : {std::uint8_t{0}, std::uint8_t(Ece | Cwr), std::uint8_t{Cwr}}) {
    TcpHarness h(with_ecn(EcnMode::On));
    SocketId id;
    (void)open_client(h, id, answer);
    // ECE and CWR together are a reflection of our SYN, not an answer (§6.1.1).
    EXPECT_FALSE(h.layer.info(id)->ecn) << "SYN-ACK flags " << int{answer};
    EXPECT_EQ(h.layer.counters().ecn_negotiated, 0u);
  }
}

TEST(TcpEcn, PassiveAndOffSendAPlainSynAndIgnoreAnEceSynAck) {
  for (const EcnMode mode : {EcnMode::Passive, EcnMode::Off}) {
    TcpHarness h(with_ecn(mode));
    SocketId id;
    const OutSegment syn = open_client(h, id, Ece);
    EXPECT_THAT(syn, HasFlags(Syn));
    EXPECT_FALSE(h.layer.info(id)->ecn);
  }
}

TEST(TcpEcn, PassiveAndOnAnswerAnEcnSetupSynWithEceOnly) {
  for (const EcnMode mode : {EcnMode::Passive, EcnMode::On}) {
    TcpHarness h(with_ecn(mode));
    const OutSegment synack = syn_to_listener(h, Ece | Cwr);
    EXPECT_THAT(synack, HasFlags(Syn | Ack | Ece));
    EXPECT_EQ(synack.ecn, net::Ecn::NotEct);
    const SocketId id = accept_after_ack(h);
    EXPECT_TRUE(h.layer.info(id)->ecn);
    EXPECT_EQ(h.layer.counters().ecn_negotiated, 1u);
  }
}

TEST(TcpEcn, OffAnswersAnEcnSetupSynWithoutEcn) {
  TcpHarness h(with_ecn(EcnMode::Off));
  EXPECT_THAT(syn_to_listener(h, Ece | Cwr), HasFlags(Syn | Ack));
  EXPECT_FALSE(h.layer.info(accept_after_ack(h))->ecn);
}

TEST(TcpEcn, ASynWithEceAloneIsNoEcnSetupSyn) {
  TcpHarness h(with_ecn(EcnMode::Passive));
  EXPECT_THAT(syn_to_listener(h, Ece), HasFlags(Syn | Ack));
  EXPECT_FALSE(h.layer.info(accept_after_ack(h))->ecn);
}

TEST(TcpEcn, ASynResentByTimeoutCarriesNoEcnFlags) {
  TcpHarness h(with_ecn(EcnMode::On));
  const SocketId id = *h.layer.open();
  ASSERT_TRUE(h.layer.bind(id, kLocal, kLocalPort).ok());
  ASSERT_TRUE(h.layer.connect(id, kRemote, kRemotePort, h.now).ok());
  EXPECT_THAT(h.out(), HasFlags(Syn | Ece | Cwr));
  h.advance(1s);  // RFC 6298's initial RTO
  const OutSegment again = h.out();
  EXPECT_THAT(again, HasFlags(Syn));  // §6.1.1.1
  EXPECT_EQ(h.layer.counters().ecn_setup_fallbacks, 1u);
  h.advance(2s);
  EXPECT_THAT(h.out(), HasFlags(Syn));
  EXPECT_EQ(h.layer.counters().ecn_setup_fallbacks, 1u);
  // A peer that answers the first SYN with ECE marks its data ECT and needs
  // the echo, so ECN still counts (as Linux).
  SegSpec synack{.flags = Syn | Ack | Ece, .seq = kIrs, .ack = again.h.seq + 1};
  synack.options.mss = 1460;
  h.in(synack);
  EXPECT_TRUE(h.layer.info(id)->ecn);
}

TEST(TcpEcn, ASynAckResentByTimeoutCarriesNoEceAndItsDataNoEct) {
  TcpHarness h(with_ecn(EcnMode::Passive));
  EXPECT_THAT(syn_to_listener(h, Ece | Cwr), HasFlags(Syn | Ack | Ece));
  h.advance(1s);
  EXPECT_THAT(h.out(), HasFlags(Syn | Ack));
  EXPECT_EQ(h.layer.counters().ecn_setup_fallbacks, 1u);
  const SocketId id = accept_after_ack(h);
  ASSERT_TRUE(h.write(id, "data").ok());
  const OutSegment data = h.out();
  EXPECT_EQ(data.ecn, net::Ecn::NotEct);  // the peer may never have seen our ECE
  // It still echoes CE: a peer that saw the first SYN-ACK marks its data ECT.
  h.in({.seq = kIrs + 1, .ack = h.iss + 5, .payload = "x", .ecn = net::Ecn::Ce});
  EXPECT_EQ(ecn_flags(h.out()), Ece);
}

TEST(TcpEcn, ACookieSynAckOffersNoEcn) {
  TcpSettings s = with_ecn(EcnMode::On);
  s.syn_backlog = 1;
  TcpHarness h(s);
  (void)syn_to_listener(h, Ece | Cwr);  // fills the SYN queue
  SegSpec syn{.flags = Syn | Ece | Cwr, .seq = 9000, .src_port = kRemotePort + 1};
  syn.options.mss = 1460;
  h.in(syn);
  // A cookie keeps no option but the MSS, so ECN is not agreed (Linux keeps
  // it in the timestamp's low bits, which our cookies do not use).
  EXPECT_THAT(h.out(), HasFlags(Syn | Ack));
  EXPECT_EQ(h.layer.counters().syn_cookies_sent, 1u);
}

// --- the receiving side ---

TEST(TcpEcn, ACeMarkIsEchoedOnEveryAckUntilACwr) {
  TcpHarness h(with_ecn(EcnMode::On));
  const SocketId id = ecn_client(h);
  std::uint32_t seq = kIrs + 1;
  auto data = [&](std::uint8_t flags, net::Ecn ecn) {
    h.in({.flags = static_cast<std::uint8_t>(Ack | flags), .seq = seq, .ack = h.iss + 1,
          .payload = "abcd", .ecn = ecn});
    seq += 4;
  };
  data(0, net::Ecn::Ect0);
  h.advance(40ms);  // the delayed ACK
  EXPECT_EQ(ecn_flags(h.out()), 0);
  data(0, net::Ecn::Ce);
  EXPECT_EQ(ecn_flags(h.out()), Ece) << "the ACK of a CE mark goes at once";
  data(0, net::Ecn::Ect0);
  h.advance(40ms);
  EXPECT_EQ(ecn_flags(h.out()), Ece) << "sticky until CWR";
  data(Cwr, net::Ecn::Ect0);
  h.advance(40ms);
  EXPECT_EQ(ecn_flags(h.out()), 0);
  data(Cwr, net::Ecn::Ce);  // a CE on the CWR segment starts the echo again
  EXPECT_EQ(ecn_flags(h.out()), Ece);
  EXPECT_EQ(h.layer.info(id)->ecn_ce_received, 2u);
  EXPECT_EQ(h.layer.counters().rx_ce_marks, 2u);
  EXPECT_GE(h.layer.counters().tx_ece_acks, 3u);
  EXPECT_EQ(h.read_all(id).size(), 20u);
}

TEST(TcpEcn, ACeMarkOnAConnectionWithoutEcnIsNotEchoed) {
  TcpHarness h(with_ecn(EcnMode::Passive));
  SocketId id;
  (void)open_client(h, id, 0);
  h.in({.seq = kIrs + 1, .ack = h.iss + 1, .payload = "abcd", .ecn = net::Ecn::Ce});
  h.advance(40ms);
  EXPECT_EQ(ecn_flags(h.out()), 0);
  EXPECT_EQ(h.layer.counters().rx_ce_marks, 1u);  // counted all the same
}

// --- the sending side ---

TEST(TcpEcn, EctZeroOnlyOnNewData) {
  TcpHarness h(with_ecn(EcnMode::On));
  SocketId id;
  const OutSegment syn = open_client(h, id, Ece);
  EXPECT_EQ(syn.ecn, net::Ecn::NotEct);
  ASSERT_TRUE(h.write(id, std::string(1000, 'd')).ok());
  const OutSegment data = h.out();
  EXPECT_EQ(data.ecn, net::Ecn::Ect0);
  h.advance(200ms);  // RTO: rto_min, the handshake's sample being ~0
  const OutSegment again = h.out();
  h.expect_quiet();
  EXPECT_THAT(again, HasSeq(data.h.seq));
  EXPECT_EQ(again.ecn, net::Ecn::NotEct);  // §6.1.5: not on retransmissions
  h.in({.seq = kIrs + 1, .ack = h.iss + 1001, .payload = "x"});
  h.advance(40ms);
  const OutSegment ack = h.out();
  EXPECT_TRUE(ack.payload.empty());
  EXPECT_EQ(ack.ecn, net::Ecn::NotEct);  // §6.1.4: not on pure ACKs
  // A zero window: the probe is not ECT either.
  h.in({.seq = kIrs + 2, .ack = h.iss + 1001, .window = 0});
  ASSERT_TRUE(h.write(id, "more").ok());
  h.advance(2s);
  ASSERT_FALSE(h.ip.sent.empty());
  while (!h.ip.sent.empty()) {
    const OutSegment probe = h.out();
    EXPECT_THAT(probe, HasLen(1u));
    EXPECT_EQ(probe.ecn, net::Ecn::NotEct);
  }
  h.layer.abort(id, h.now);
  const OutSegment rst = h.out();
  EXPECT_THAT(rst, HasFlags(Rst));
  EXPECT_EQ(rst.ecn, net::Ecn::NotEct);
}

TEST(TcpEcn, DataOfAConnectionWithoutEcnIsNotEct) {
  TcpHarness h(with_ecn(EcnMode::On));
  SocketId id;
  (void)open_client(h, id, 0);
  ASSERT_TRUE(h.write(id, "data").ok());
  EXPECT_EQ(h.out().ecn, net::Ecn::NotEct);
}

TEST(TcpEcn, EceReducesCwndOncePerWindowAndCwrGoesOnTheNextNewData) {
  TcpHarness h(with_ecn(EcnMode::On));
  const SocketId id = ecn_client(h);
  constexpr std::uint32_t kMss = 1460;
  ASSERT_TRUE(h.write(id, std::string(40 * kMss, 'd')).ok());
  for (int i = 0; i < 10; ++i) EXPECT_EQ(ecn_flags(h.out()), 0);  // the initial window
  h.expect_quiet();
  const std::uint32_t window_end = 10 * kMss;  // SND.MAX when the ECE comes
  const std::uint32_t before = h.layer.info(id)->cwnd;
  h.in({.flags = Ack | Ece, .seq = kIrs + 1, .ack = h.iss + 1 + kMss});
  const TcpSocketInfo reduced = *h.layer.info(id);
  EXPECT_LT(reduced.cwnd, before);
  EXPECT_EQ(reduced.ssthresh, reduced.cwnd);
  EXPECT_EQ(reduced.ecn_reductions, 1u);
  EXPECT_EQ(h.layer.counters().ecn_reductions, 1u);
  EXPECT_EQ(reduced.retransmits, 0u);  // a reduction, not a loss
  // More ECE within the same window: no further reduction.
  for (std::uint32_t n = 2; n <= 6; ++n) {
    h.in({.flags = Ack | Ece, .seq = kIrs + 1, .ack = h.iss + 1 + n * kMss});
  }
  EXPECT_EQ(h.layer.info(id)->ecn_reductions, 1u);
  // cwnd room has opened: CWR goes on the first new data segment only.
  std::vector<OutSegment> sent;
  while (!h.ip.sent.empty()) sent.push_back(h.out());
  ASSERT_FALSE(sent.empty());
  EXPECT_EQ(sent.front().h.seq, h.iss + 1 + window_end);
  EXPECT_EQ(ecn_flags(sent.front()), Cwr);
  EXPECT_EQ(sent.front().ecn, net::Ecn::Ect0);
  for (std::size_t i = 1; i < sent.size(); ++i) EXPECT_EQ(ecn_flags(sent[i]), 0) << i;
  EXPECT_EQ(h.layer.info(id)->ecn_cwr_sent, 1u);
  EXPECT_EQ(h.layer.counters().tx_cwr, 1u);
  // An ACK of exactly the window in flight left before the CWR arrived: no reduction.
  h.in({.flags = Ack | Ece, .seq = kIrs + 1, .ack = h.iss + 1 + window_end});
  EXPECT_EQ(h.layer.info(id)->ecn_reductions, 1u);
  while (!h.ip.sent.empty()) (void)h.out();
  // Once data above it is acknowledged, an ECE reduces again.
  const std::uint32_t cwnd = h.layer.info(id)->cwnd;
  h.in({.flags = Ack | Ece, .seq = kIrs + 1, .ack = h.iss + 1 + window_end + kMss});
  EXPECT_EQ(h.layer.info(id)->ecn_reductions, 2u);
  EXPECT_LT(h.layer.info(id)->cwnd, cwnd + kMss);
}

TEST(TcpEcn, EceOnAConnectionWithoutEcnIsIgnored) {
  TcpHarness h(with_ecn(EcnMode::On));
  SocketId id;
  (void)open_client(h, id, 0);
  ASSERT_TRUE(h.write(id, std::string(10 * 1460, 'd')).ok());
  while (!h.ip.sent.empty()) (void)h.out();
  const std::uint32_t before = h.layer.info(id)->cwnd;
  h.in({.flags = Ack | Ece, .seq = kIrs + 1, .ack = h.iss + 1 + 1460});
  EXPECT_GE(h.layer.info(id)->cwnd, before);
  EXPECT_EQ(h.layer.counters().ecn_reductions, 0u);
  EXPECT_EQ(h.layer.counters().rx_ece_acks, 0u);
}

TEST(TcpEcn, TraceShowsEceCwrAndCe) {
  TcpHarness h(with_ecn(EcnMode::On));
  const SocketId id = ecn_client(h);
  ASSERT_TRUE(h.write(id, std::string(20 * 1460, 'd')).ok());
  while (!h.ip.sent.empty()) (void)h.out();
  h.in({.flags = Ack | Ece, .seq = kIrs + 1, .ack = h.iss + 1 + 4 * 1460, .payload = "x",
        .ecn = net::Ecn::Ce});
  std::vector<std::string> reasons;
  for (const auto& e : h.trace.events) {
    if (e.kind == TraceKind::Ecn || (e.kind == TraceKind::CongestionChange &&
                                     std::string(e.reason).find("ECE") != std::string::npos)) {
      reasons.emplace_back(e.reason);
    }
  }
  using ::testing::HasSubstr;
  EXPECT_THAT(reasons, ::testing::Contains(HasSubstr("CE received")));
  EXPECT_THAT(reasons, ::testing::Contains(HasSubstr("ECE received")));
  EXPECT_THAT(reasons, ::testing::Contains(HasSubstr("ECE: cwnd reduced")));
  EXPECT_THAT(reasons, ::testing::Contains(HasSubstr("CWR sent")));
}

}  // namespace
}  // namespace tapstack::tcp::testing
