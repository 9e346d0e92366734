// The Sender on its own: given this send state and this ACK (or timer),
// expect these segments and this state. No Tcb, no layer: a sink records
// what the Sender hands on.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "stack/tcp/sender.hpp"

namespace tapstack::tcp {
namespace {

using namespace wire::tcp_flags;

constexpr std::uint32_t kIss = 1000;
constexpr std::uint32_t kIrs = 5000;
constexpr std::uint32_t kMss = 1000;

/// What the Sender handed on, decoded enough to assert on.
struct Sent {
  std::uint32_t seq;
  std::uint8_t flags;
  std::size_t len;
  std::string why;
  std::uint32_t count;
  std::uint16_t segment_size;
};

class RecordingSink final : public SegmentSink {
 public:
  void transmit(const OutSegment& s, Instant) override {
    sent.push_back(Sent{s.seq.raw(), s.flags, s.payload.size(), s.why, s.count, s.segment_size});
  }
  std::size_t sack_blocks() const override { return blocks; }

  std::vector<Sent> sent;
  std::size_t blocks = 0;
};

class SenderTest : public ::testing::Test {
 protected:
  /// The handshake as a client: SYN out, SYN-ACK with `wnd` back after 10 ms.
  void establish(bool sack = false, std::uint32_t wnd = 65535) {
    sender.open(SeqNum{kIss});
    sender.send_syn(false, {}, 0, now);
    sender.negotiate(kMss, 0, sack);
    sender.init_window(wnd, SeqNum{kIrs}, SeqNum{kIss + 1});
    now += 10ms;
    sender.on_syn_acked(SeqNum{kIss + 1}, now);
    sink.sent.clear();
  }
  /// An ACK from the peer (no data), with SACK blocks as absolute pairs.
  static Segment ack(std::uint32_t ack_no, std::uint16_t window = 65535,
                     std::vector<std::pair<std::uint32_t, std::uint32_t>> sacks = {}) {
    Segment seg;
    seg.header.flags = Ack;
    seg.header.seq = kIrs + 1;
    seg.header.ack = ack_no;
    seg.header.window = window;
    for (const auto& [l, r] : sacks) {
      seg.header.options.sack[seg.header.options.sack_count++] = wire::SackBlock{l, r};
    }
    return seg;
  }
  /// Runs both halves of ACK processing, as the Tcb does.
  AckResult take(const Segment& seg) {
    const AckResult r = sender.on_ack(seg, now);
    sender.after_ack(seg, r, now);
    return r;
  }
  void write(std::size_t n) {
    const std::vector<std::uint8_t> data(n, 'x');
    ASSERT_EQ(sender.write(data), n);
  }

  TcpSettings settings;
  TcpCounters counters;
  ConnTrace trace{nullptr, SocketId{}, FourTuple{}};
  RecordingSink sink;
  Sender sender{settings, counters, trace, sink};
  Instant now{};
};

TEST_F(SenderTest, TheSynIsTimedAndItsAckGivesTheFirstRttSample) {
  sender.open(SeqNum{kIss});
  sender.send_syn(false, {}, 0, now);
  ASSERT_EQ(sink.sent.size(), 1u);
  EXPECT_EQ(sink.sent[0].flags, Syn);
  EXPECT_EQ(sink.sent[0].seq, kIss);
  EXPECT_EQ(sender.snd().max, SeqNum{kIss + 1});
  sender.arm_handshake_timer(now);
  EXPECT_EQ(sender.timers().retransmit, now + settings.rto_initial);
  now += 30ms;
  sender.on_syn_acked(SeqNum{kIss + 1}, now);
  EXPECT_EQ(sender.rtt().srtt(), 30ms);
  EXPECT_FALSE(sender.timers().retransmit.has_value());
}

TEST_F(SenderTest, ASecondSynIsARetransmissionAndIsNotTimed) {
  sender.open(SeqNum{kIss});
  sender.send_syn(true, {}, 0, now);
  sender.back_off();
  sender.send_syn(true, {}, 0, now + 1s);
  ASSERT_EQ(sink.sent.size(), 2u);
  EXPECT_EQ(sink.sent[1].flags, Syn | Ack);
  EXPECT_EQ(sink.sent[1].why, "SYN-ACK retransmit");
  EXPECT_EQ(sink.sent[1].count, 1u);
  EXPECT_EQ(sender.retransmits(), 1u);
  now += 2s;
  sender.on_syn_acked(SeqNum{kIss + 1}, now);
  EXPECT_FALSE(sender.rtt().has_sample());  // Karn: no sample from a retransmitted SYN
}

TEST_F(SenderTest, PushSendsTheInitialWindowInFullSegments) {
  establish();
  write(20000);
  EXPECT_TRUE(sender.push(now));
  // RFC 6928: IW = min(10*MSS, max(2*MSS, 14600)) = 10 segments of 1000.
  ASSERT_EQ(sink.sent.size(), 10u);
  for (std::size_t i = 0; i < sink.sent.size(); ++i) {
    EXPECT_EQ(sink.sent[i].seq, kIss + 1 + i * kMss);
    EXPECT_EQ(sink.sent[i].len, kMss);
    EXPECT_EQ(sink.sent[i].flags, Ack);
  }
  EXPECT_FALSE(sender.push(now));  // cwnd is full
  sender.arm_timers(now);
  EXPECT_TRUE(sender.timers().retransmit.has_value());
}

TEST_F(SenderTest, PayloadRoomLeavesSpaceForTheSackBlocksThatRideAlong) {
  establish(true);
  sink.blocks = 2;  // the Receiver has two blocks to report: 4 + 2*8 option bytes
  write(3000);
  sender.push(now);
  ASSERT_FALSE(sink.sent.empty());
  EXPECT_EQ(sink.sent[0].len, kMss - 20);
}

TEST_F(SenderTest, ACumulativeAckFreesTheBufferSamplesRttAndStopsTheTimer) {
  establish();
  write(10 * kMss);  // the whole initial window: cwnd limits the sender
  sender.push(now);
  sender.arm_timers(now);
  now += 20ms;
  const AckResult r = take(ack(kIss + 1 + 10 * kMss));
  EXPECT_TRUE(r.advanced);
  EXPECT_FALSE(r.fin_acked);
  EXPECT_EQ(sender.queued(), 0u);
  EXPECT_EQ(sender.snd().una, SeqNum{kIss + 1 + 10 * kMss});
  EXPECT_EQ(sender.rtt().srtt(), 11250us);  // 10 ms from the SYN, then 20: 7/8·10 + 1/8·20
  EXPECT_FALSE(sender.timers().retransmit.has_value());
  EXPECT_GT(sender.congestion().cwnd(), 10 * kMss);  // slow start grew it
}

TEST_F(SenderTest, AnAckOfTheFinSaysSo) {
  establish();
  write(500);
  sender.queue_fin();
  sender.push(now);
  ASSERT_EQ(sink.sent.size(), 1u);
  EXPECT_EQ(sink.sent[0].flags, Ack | Fin | Psh);
  EXPECT_FALSE(sender.fin_acked());
  const AckResult partial = take(ack(kIss + 1 + 500));  // the data, not the FIN
  EXPECT_FALSE(partial.fin_acked);
  const AckResult all = take(ack(kIss + 1 + 501));
  EXPECT_TRUE(all.fin_acked);
  EXPECT_TRUE(sender.fin_acked());
}

TEST_F(SenderTest, RoomOpensOnlyForAWriterThatFoundTheBufferFull) {
  sender.set_buffer(2000);
  establish();
  const std::vector<std::uint8_t> data(3000, 'x');
  EXPECT_EQ(sender.write(data), 2000u);  // short: the writer wants to hear of room
  sender.push(now);
  EXPECT_TRUE(take(ack(kIss + 1 + 1000)).room_opened);
  EXPECT_FALSE(take(ack(kIss + 1 + 2000)).room_opened);  // told once
}

TEST_F(SenderTest, ThreeDuplicateAcksRetransmitTheHeadWithoutSack) {
  establish();
  write(5000);
  sender.push(now);
  sink.sent.clear();
  for (int i = 0; i < 3; ++i) take(ack(kIss + 1));
  ASSERT_EQ(sink.sent.size(), 1u);
  EXPECT_EQ(sink.sent[0].seq, kIss + 1);
  EXPECT_EQ(sink.sent[0].why, "fast retransmit");
  EXPECT_TRUE(sender.congestion().in_recovery());
  EXPECT_EQ(counters.fast_retransmits, 1u);
  EXPECT_EQ(sender.snd().recover, SeqNum{kIss + 1 + 5000});
}

TEST_F(SenderTest, AnAckThatKeepsTheWindowClosedIsNoDuplicate) {
  establish();
  write(5000);
  sender.push(now);
  sink.sent.clear();
  take(ack(kIss + 1, 0));  // the window closes: not a duplicate
  for (int i = 0; i < 3; ++i) take(ack(kIss + 1, 0));
  EXPECT_TRUE(sink.sent.empty());
  EXPECT_FALSE(sender.congestion().in_recovery());
}

TEST_F(SenderTest, SackedDataAboveAHoleStartsRecoveryAtTheHole) {
  establish(true);
  write(5000);
  sender.push(now);
  sink.sent.clear();
  // Segments 2-5 arrived: more than (DupThresh - 1) * MSS above the first.
  take(ack(kIss + 1, 65535, {{kIss + 1 + 1000, kIss + 1 + 5000}}));
  ASSERT_FALSE(sink.sent.empty());
  EXPECT_EQ(sink.sent[0].seq, kIss + 1);
  EXPECT_EQ(sink.sent[0].len, kMss);
  EXPECT_EQ(sink.sent[0].why, "fast retransmit");
  EXPECT_TRUE(sender.congestion().in_recovery());
}

TEST_F(SenderTest, TheRetransmissionTimeoutGoesBackToSndUna) {
  establish();
  write(3000);
  sender.push(now);
  sink.sent.clear();
  sender.back_off();
  sender.on_retransmit_timeout(now);
  ASSERT_EQ(sink.sent.size(), 1u);
  EXPECT_EQ(sink.sent[0].seq, kIss + 1);
  EXPECT_EQ(sink.sent[0].why, "RTO retransmit");
  EXPECT_EQ(sink.sent[0].count, 1u);
  EXPECT_EQ(sender.snd().nxt, SeqNum{kIss + 1 + kMss});
  EXPECT_EQ(sender.congestion().cwnd(), kMss);  // RFC 5681 loss window
  EXPECT_EQ(sender.retries(), 1u);
}

TEST_F(SenderTest, AZeroWindowIsProbedByThePersistTimerNotRetransmitted) {
  establish(false, 0);
  write(100);
  EXPECT_FALSE(sender.push(now));
  sender.arm_timers(now);
  EXPECT_FALSE(sender.timers().retransmit.has_value());
  ASSERT_TRUE(sender.timers().persist.has_value());
  now = *sender.timers().persist;
  ASSERT_TRUE(sender.timer_expired(SendTimer::Persist, now));
  EXPECT_TRUE(sender.on_persist_timeout(now));
  ASSERT_EQ(sink.sent.size(), 1u);
  EXPECT_EQ(sink.sent[0].seq, kIss + 1);
  EXPECT_EQ(sink.sent[0].len, 1u);
  EXPECT_EQ(sink.sent[0].why, "zero-window probe");
  EXPECT_EQ(sender.snd().nxt, SeqNum{kIss + 1});  // the probed byte is sent again later
  EXPECT_EQ(counters.zero_window_probes, 1u);
}

TEST_F(SenderTest, NagleHoldsASmallSegmentWhileAnotherIsUnacked) {
  establish();
  write(100);
  sender.push(now);
  write(100);
  EXPECT_FALSE(sender.push(now));
  take(ack(kIss + 1 + 100));
  EXPECT_TRUE(sender.push(now));
  ASSERT_EQ(sink.sent.size(), 2u);
  EXPECT_EQ(sink.sent[1].seq, kIss + 1 + 100);
}

TEST_F(SenderTest, TheWindowIsTakenOnlyFromANewerSegment) {
  establish();
  Segment newer = ack(kIss + 1, 1000);
  newer.header.seq = kIrs + 10;
  take(newer);
  EXPECT_EQ(sender.snd().wnd, 1000u);
  take(ack(kIss + 1, 3000));  // SEG.SEQ below WL1: an old segment
  EXPECT_EQ(sender.snd().wnd, 1000u);
}

TEST_F(SenderTest, AShrunkPathMtuResendsWhatIsInFlightAtTheNewSize) {
  establish();
  write(2000);
  sender.push(now);
  sink.sent.clear();
  sender.shrink_mss(600);
  sender.resend_in_flight(now);
  ASSERT_EQ(sink.sent.size(), 1u);
  EXPECT_EQ(sink.sent[0].seq, kIss + 1);
  EXPECT_EQ(sink.sent[0].len, 600u);
  EXPECT_EQ(sink.sent[0].why, "path MTU shrank: retransmit");
}

}  // namespace
}  // namespace tapstack::tcp
