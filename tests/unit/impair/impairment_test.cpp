// The impairment model on its own: each kind of impairment, the token bucket,
// one-shot faults firing exactly as often as asked, and seed reproducibility.
// Time is virtual; every generator is seeded.
#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

#include "stack/link/impairment.hpp"

namespace tapstack::link {
namespace {

constexpr std::uint8_t kFin = 0x01, kSyn = 0x02, kRst = 0x04, kPsh = 0x08, kAck = 0x10;

/// An Ethernet II + IPv4 + TCP frame (checksums are not the model's business).
std::vector<std::uint8_t> tcp_frame(std::uint8_t flags, std::uint16_t src = 40000,
                                    std::uint16_t dst = 80, std::size_t payload = 0,
                                    std::uint8_t fill = 0) {
  std::vector<std::uint8_t> f(14 + 20 + 20 + payload, fill);
  f[12] = 0x08;
  f[13] = 0x00;
  MutableBytes ip(f.data() + 14, f.size() - 14);
  ip[0] = 0x45;
  store_be16(ip, 2, static_cast<std::uint16_t>(40 + payload));
  store_be16(ip, 6, 0);
  ip[9] = 6;
  MutableBytes tcp = ip.subspan(20);
  store_be16(tcp, 0, src);
  store_be16(tcp, 2, dst);
  tcp[12] = 0x50;
  tcp[13] = flags;
  return f;
}

/// A frame of one connection: tcp_frame with the IPv4 addresses filled in.
std::vector<std::uint8_t> tcp_frame_between(std::uint8_t flags, wire::Ipv4Address src_addr,
                                            std::uint16_t src, wire::Ipv4Address dst_addr,
                                            std::uint16_t dst) {
  auto f = tcp_frame(flags, src, dst);
  MutableBytes ip(f.data() + 14, 20);
  store_be32(ip, 12, src_addr.value());
  store_be32(ip, 16, dst_addr.value());
  return f;
}

/// A frame numbered by its first payload byte, for ordering checks.
std::vector<std::uint8_t> numbered(std::uint8_t n) {
  auto f = tcp_frame(kAck | kPsh, 40000, 80, 4, 0);
  f[54] = n;
  return f;
}

struct Arrival {
  Instant at;
  std::vector<std::uint8_t> bytes;
};

/// Records what a direction delivers and when (the test's clock).
class Recorder final : public FrameSink {
 public:
  explicit Recorder(const Instant& clock) : clock_(clock) {}
  void transmit(Bytes frame) override { got.push_back({clock_, {frame.begin(), frame.end()}}); }
  std::vector<Arrival> got;

 private:
  const Instant& clock_;
};

struct Fixture {
  explicit Fixture(std::uint64_t seed = 7, Framing framing = Framing::Ethernet)
      : in(now), out(now), model(in, out, framing, seed) {}

  void send(const std::vector<std::uint8_t>& f, Direction d = Direction::ToStack) {
    model.submit(d, f, now);
  }
  /// Advances the clock deadline by deadline until nothing is queued.
  void run() {
    for (int i = 0; i < 100000 && model.next_deadline() != Instant::max(); ++i) {
      now = model.next_deadline();
      model.poll(now);
    }
  }
  const ImpairmentCounters& counters(Direction d = Direction::ToStack) { return model.counters(d); }

  Instant now = Instant{} + 1s;
  Recorder in, out;
  Impairment model;
};

TEST(Impairment, NothingConfiguredPassesEveryFrameAtOnce) {
  Fixture f;
  EXPECT_FALSE(f.model.active());
  f.send(numbered(1));
  f.send(numbered(2), Direction::FromStack);
  ASSERT_EQ(f.in.got.size(), 1u);
  ASSERT_EQ(f.out.got.size(), 1u);
  EXPECT_EQ(f.in.got[0].at, f.now);
  EXPECT_EQ(f.in.got[0].bytes, numbered(1));
  EXPECT_EQ(f.model.next_deadline(), Instant::max());
}

TEST(Impairment, LossDropsAboutTheConfiguredShareInOneDirectionOnly) {
  Fixture f;
  f.model.configure(Direction::ToStack, {.loss = 0.3});
  EXPECT_TRUE(f.model.active());
  for (int i = 0; i < 10000; ++i) {
    f.send(numbered(1));
    f.send(numbered(2), Direction::FromStack);
  }
  EXPECT_NEAR(static_cast<double>(f.counters().dropped), 3000, 300);
  EXPECT_EQ(f.in.got.size() + f.counters().dropped, 10000u);
  EXPECT_EQ(f.out.got.size(), 10000u);
  EXPECT_EQ(f.counters(Direction::FromStack).dropped, 0u);
}

TEST(Impairment, DuplicationDeliversTwoIdenticalCopies) {
  Fixture f;
  f.model.configure(Direction::ToStack, {.duplicate = 1.0});
  f.send(numbered(9));
  ASSERT_EQ(f.in.got.size(), 2u);
  EXPECT_EQ(f.in.got[0].bytes, f.in.got[1].bytes);
  EXPECT_EQ(f.counters().duplicated, 1u);
}

TEST(Impairment, DelayHoldsFramesAndReportsTheDeadline) {
  Fixture f;
  f.model.configure(Direction::FromStack, {.delay = 5ms});
  const Instant sent = f.now;
  f.send(numbered(1), Direction::FromStack);
  EXPECT_TRUE(f.out.got.empty());
  EXPECT_EQ(f.model.next_deadline(), sent + 5ms);
  f.now = sent + 4ms;
  f.model.poll(f.now);
  EXPECT_TRUE(f.out.got.empty());
  f.run();
  ASSERT_EQ(f.out.got.size(), 1u);
  EXPECT_EQ(f.out.got[0].at, sent + 5ms);
  EXPECT_EQ(f.counters(Direction::FromStack).delayed, 1u);
}

TEST(Impairment, JitterSpreadsArrivalsWithinItsBound) {
  Fixture f;
  f.model.configure(Direction::ToStack, {.delay = 10ms, .jitter = 4ms});
  const Instant sent = f.now;
  for (int i = 0; i < 200; ++i) f.send(numbered(static_cast<std::uint8_t>(i)));
  f.run();
  ASSERT_EQ(f.in.got.size(), 200u);
  Instant lo = Instant::max(), hi = Instant::min();
  for (const auto& a : f.in.got) {
    lo = std::min(lo, a.at);
    hi = std::max(hi, a.at);
  }
  EXPECT_GE(lo, sent + 10ms);
  EXPECT_LE(hi, sent + 14ms);
  EXPECT_GT(hi - lo, 2ms);
}

TEST(Impairment, ReorderLetsLaterFramesPassAHeldOne) {
  Fixture f;
  f.model.configure(Direction::ToStack, {.reorder = 0.25, .reorder_hold = 3ms});
  for (int i = 0; i < 100; ++i) {
    f.send(numbered(static_cast<std::uint8_t>(i)));
    f.now += 1ms;
  }
  f.run();
  ASSERT_EQ(f.in.got.size(), 100u);
  int inversions = 0;
  for (std::size_t i = 1; i < f.in.got.size(); ++i) {
    if (f.in.got[i].bytes[54] < f.in.got[i - 1].bytes[54]) ++inversions;
  }
  EXPECT_GT(f.counters().reordered, 10u);
  EXPECT_GT(inversions, 5);
}

TEST(Impairment, CorruptionFlipsOneBitAfterTheEthernetHeader) {
  Fixture f;
  f.model.configure(Direction::ToStack, {.corrupt = 1.0});
  const auto original = tcp_frame(kAck, 1, 2, 100, 0x5a);
  for (int i = 0; i < 50; ++i) f.send(original);
  f.run();
  ASSERT_EQ(f.in.got.size(), 50u);
  for (const auto& a : f.in.got) {
    int bits = 0;
    for (std::size_t i = 0; i < original.size(); ++i) {
      const auto diff = static_cast<unsigned>(a.bytes[i] ^ original[i]);
      if (diff != 0) {
        EXPECT_GE(i, 14u);
      }
      bits += __builtin_popcount(diff);
    }
    EXPECT_EQ(bits, 1);
  }
  EXPECT_EQ(f.counters().corrupted, 50u);
}

TEST(Impairment, RateLimitSerializesFramesAtTheConfiguredRate) {
  Fixture f;
  // 10 frames of 100 bytes at 1000 B/s: one every 100 ms.
  f.model.configure(Direction::FromStack, {.rate = 1000, .queue_limit = 10s});
  auto frame = tcp_frame(kAck, 1, 2, 46);
  ASSERT_EQ(frame.size(), 100u);
  const Instant sent = f.now;
  for (int i = 0; i < 10; ++i) f.send(frame, Direction::FromStack);
  f.run();
  ASSERT_EQ(f.out.got.size(), 10u);
  for (std::size_t i = 0; i < 10; ++i) {
    EXPECT_EQ(f.out.got[i].at, sent + Duration{static_cast<std::int64_t>(i) * 100'000});
  }
  EXPECT_EQ(f.counters(Direction::FromStack).rate_limited, 9u);
}

TEST(Impairment, RateLimitAllowsABurstAndDropsBeyondTheQueueLimit) {
  Fixture f;
  f.model.configure(Direction::ToStack, {.rate = 1000, .burst = 300, .queue_limit = 250ms});
  auto frame = tcp_frame(kAck, 1, 2, 46);
  const Instant sent = f.now;
  for (int i = 0; i < 10; ++i) f.send(frame);
  // Three leave at once from the full bucket; then one per 100 ms up to 250 ms.
  EXPECT_EQ(f.in.got.size(), 3u);
  f.run();
  ASSERT_EQ(f.in.got.size(), 5u);
  EXPECT_EQ(f.in.got[3].at, sent + 100ms);
  EXPECT_EQ(f.in.got[4].at, sent + 200ms);
  EXPECT_EQ(f.counters().rate_dropped, 5u);
  // After a quiet second the bucket is full again.
  f.now = sent + 2s;
  for (int i = 0; i < 3; ++i) f.send(frame);
  EXPECT_EQ(f.in.got.size(), 8u);
}

std::vector<Arrival> lossy_run(std::uint64_t seed) {
  Fixture f(seed);
  const ImpairmentSettings s{.loss = 0.2, .duplicate = 0.1, .reorder = 0.1, .corrupt = 0.1,
                             .delay = 1ms, .jitter = 2ms};
  f.model.configure(Direction::ToStack, s);
  for (int i = 0; i < 300; ++i) {
    f.send(numbered(static_cast<std::uint8_t>(i)));
    f.now += 100us;
  }
  f.run();
  return f.in.got;
}

bool same(const std::vector<Arrival>& a, const std::vector<Arrival>& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (a[i].at != b[i].at || a[i].bytes != b[i].bytes) return false;
  }
  return true;
}

TEST(Impairment, TheSameSeedReplaysTheSameRun) {
  EXPECT_TRUE(same(lossy_run(42), lossy_run(42)));
  EXPECT_FALSE(same(lossy_run(42), lossy_run(43)));
}

TEST(Impairment, ReseedRestartsTheGenerators) {
  Fixture a(5), b(99);
  for (auto* f : {&a, &b}) f->model.configure(Direction::ToStack, {.loss = 0.5});
  b.model.reseed(5);
  for (int i = 0; i < 200; ++i) {
    a.send(numbered(static_cast<std::uint8_t>(i)));
    b.send(numbered(static_cast<std::uint8_t>(i)));
  }
  EXPECT_TRUE(same(a.in.got, b.in.got));
}

TEST(Impairment, DropNextSynAckFiresOnceOnTheMatchingSegment) {
  Fixture f;
  f.model.add_fault({.action = OneShotFault::Action::Drop, .match = TcpMatch::SynAck});
  EXPECT_TRUE(f.model.active());
  f.send(tcp_frame(kSyn));                    // not a SYN-ACK
  f.send(tcp_frame(kSyn | kAck), Direction::FromStack);  // dropped
  f.send(tcp_frame(kSyn | kAck), Direction::FromStack);  // the retransmission passes
  EXPECT_EQ(f.in.got.size(), 1u);
  EXPECT_EQ(f.out.got.size(), 1u);
  EXPECT_EQ(f.counters(Direction::FromStack).fault_dropped, 1u);
  EXPECT_TRUE(f.model.faults().empty());
  EXPECT_FALSE(f.model.active());
}

TEST(Impairment, EachFlagPatternMatchesItsSegments) {
  struct Case {
    TcpMatch match;
    std::uint8_t flags;
    std::size_t payload;
    bool hit;
  };
  const Case cases[] = {
      {TcpMatch::Syn, kSyn, 0, true},           {TcpMatch::Syn, kSyn | kAck, 0, false},
      {TcpMatch::Fin, kFin | kAck, 0, true},    {TcpMatch::Fin, kAck, 0, false},
      {TcpMatch::Rst, kRst, 0, true},           {TcpMatch::Rst, kAck, 10, false},
      {TcpMatch::Ack, kAck, 0, true},           {TcpMatch::Ack, kAck, 10, false},
      {TcpMatch::Ack, kAck | kFin, 0, false},   {TcpMatch::Data, kAck | kPsh, 10, true},
      {TcpMatch::Data, kAck, 0, false},         {TcpMatch::Any, kAck, 0, true},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(std::string(to_string(c.match)) + " flags " + std::to_string(c.flags));
    Fixture f;
    f.model.add_fault({.action = OneShotFault::Action::Drop, .match = c.match});
    f.send(tcp_frame(c.flags, 1, 2, c.payload));
    EXPECT_EQ(f.in.got.empty(), c.hit);
  }
}

TEST(Impairment, DropNextSegmentsOfAPortCountsDown) {
  Fixture f;
  f.model.add_fault({.action = OneShotFault::Action::Drop, .match = TcpMatch::Any, .count = 3,
                     .port = 7});
  for (int i = 0; i < 5; ++i) {
    f.send(tcp_frame(kAck, 40000, 80));  // another port: untouched
    f.send(i % 2 ? tcp_frame(kAck, 40000, 7) : tcp_frame(kAck, 7, 40000), Direction::FromStack);
  }
  EXPECT_EQ(f.in.got.size(), 5u);
  EXPECT_EQ(f.out.got.size(), 2u);
  EXPECT_EQ(f.counters(Direction::FromStack).fault_dropped, 3u);
  EXPECT_TRUE(f.model.faults().empty());
}

TEST(Impairment, DropNextOfAConnectionTakesOnlyItsSegmentsBothWays) {
  const wire::Ipv4Address stack{10, 0, 0, 2}, peer{10, 0, 0, 1}, other{10, 0, 0, 3};
  Fixture f;
  f.model.add_fault({.action = OneShotFault::Action::Drop, .match = TcpMatch::Any, .count = 3,
                     .connection = TcpConnection{stack, 7, peer, 40000}, .socket = 65539});
  for (int i = 0; i < 3; ++i) {
    // Same service, another connection: another peer port, or another peer.
    f.send(tcp_frame_between(kAck, peer, 40001, stack, 7));
    f.send(tcp_frame_between(kAck, stack, 7, other, 40000), Direction::FromStack);
  }
  EXPECT_EQ(f.in.got.size(), 3u);
  EXPECT_EQ(f.out.got.size(), 3u);
  ASSERT_EQ(f.model.faults().size(), 1u);
  EXPECT_EQ(f.model.faults()[0].count, 3u);
  for (int i = 0; i < 3; ++i) {
    // The connection itself, one segment each way: the first 3 are dropped.
    f.send(tcp_frame_between(kAck, peer, 40000, stack, 7));
    f.send(tcp_frame_between(kAck, stack, 7, peer, 40000), Direction::FromStack);
  }
  EXPECT_EQ(f.counters(Direction::ToStack).fault_dropped, 2u);
  EXPECT_EQ(f.counters(Direction::FromStack).fault_dropped, 1u);
  EXPECT_EQ(f.in.got.size(), 3u + 1u);
  EXPECT_EQ(f.out.got.size(), 3u + 2u);
  EXPECT_TRUE(f.model.faults().empty());
}

TEST(Impairment, AConnectionFaultWaitsForItsConnection) {
  const wire::Ipv4Address stack{10, 0, 0, 2}, peer{10, 0, 0, 1};
  Fixture f;
  f.model.add_fault({.action = OneShotFault::Action::Drop, .match = TcpMatch::Data,
                     .connection = TcpConnection{stack, 7, peer, 40000}});
  f.send(tcp_frame(kAck | kPsh, 40000, 7, 10));  // right ports, addresses 0.0.0.0
  f.send(tcp_frame_between(kAck, peer, 40000, stack, 7));  // the connection, but no data
  EXPECT_EQ(f.in.got.size(), 2u);
  ASSERT_EQ(f.model.faults().size(), 1u);
  EXPECT_EQ(f.model.faults()[0].connection->remote_port, 40000);
}

TEST(Impairment, BareTcpSegmentsMatchAConnectionByItsPorts) {
  const wire::Ipv4Address stack{10, 0, 0, 2}, peer{10, 0, 0, 1};
  Fixture f(7, Framing::Tcp);
  f.model.add_fault({.action = OneShotFault::Action::Drop, .match = TcpMatch::Any, .count = 2,
                     .connection = TcpConnection{stack, 7, peer, 40000}});
  const auto bare = [](const std::vector<std::uint8_t>& frame) {
    return std::vector<std::uint8_t>(frame.begin() + 34, frame.end());
  };
  f.send(bare(tcp_frame(kAck, 40001, 7)));                         // another connection
  f.send(bare(tcp_frame(kAck, 40000, 7)));                         // dropped
  f.send(bare(tcp_frame(kAck, 7, 40000)), Direction::FromStack);  // dropped
  EXPECT_EQ(f.in.got.size(), 1u);
  EXPECT_TRUE(f.out.got.empty());
  EXPECT_TRUE(f.model.faults().empty());
}

TEST(Impairment, DelayNextAckHoldsOnlyThatAck) {
  Fixture f;
  f.model.add_fault({.action = OneShotFault::Action::Delay, .match = TcpMatch::Ack,
                     .delay = 300ms, .direction = Direction::FromStack});
  const Instant sent = f.now;
  f.send(tcp_frame(kAck));  // the other direction: not this fault's
  f.send(tcp_frame(kAck | kPsh, 1, 2, 10), Direction::FromStack);  // data, not a pure ACK
  f.send(tcp_frame(kAck), Direction::FromStack);                   // delayed
  f.send(tcp_frame(kAck, 1, 2), Direction::FromStack);             // passes
  EXPECT_EQ(f.in.got.size(), 1u);
  EXPECT_EQ(f.out.got.size(), 2u);
  f.run();
  ASSERT_EQ(f.out.got.size(), 3u);
  EXPECT_EQ(f.out.got[2].at, sent + 300ms);
  EXPECT_EQ(f.counters(Direction::FromStack).fault_delayed, 1u);
}

TEST(Impairment, ClearSwitchesOffButDeliversWhatIsQueued) {
  Fixture f;
  f.model.configure(Direction::ToStack, {.delay = 50ms});
  f.model.add_fault({.action = OneShotFault::Action::Drop, .match = TcpMatch::Syn});
  f.send(numbered(1));
  f.model.clear();
  EXPECT_TRUE(f.model.faults().empty());
  EXPECT_TRUE(f.model.active());  // one frame still queued
  f.run();
  EXPECT_EQ(f.in.got.size(), 1u);
  EXPECT_FALSE(f.model.active());
}

TEST(Impairment, ClearZeroesTheCounters) {
  Fixture f;
  f.model.configure(Direction::ToStack, {.loss = 1.0});
  f.send(numbered(1));
  ASSERT_EQ(f.counters(Direction::ToStack).dropped, 1u);
  f.model.clear();
  EXPECT_EQ(f.counters(Direction::ToStack).dropped, 0u);
}

TEST(Impairment, MalformedFramesPassFaultsUntouched) {
  Fixture f;
  f.model.add_fault({.action = OneShotFault::Action::Drop, .match = TcpMatch::Any});
  std::vector<std::uint8_t> tiny(5, 0);
  auto bad_ihl = tcp_frame(kSyn);
  bad_ihl[14] = 0x4f;  // header longer than the packet
  auto short_total = tcp_frame(kSyn);
  short_total[17] = 10;  // total length shorter than the header
  f.send(tiny);
  f.send(bad_ihl);
  f.send(short_total);
  EXPECT_EQ(f.in.got.size(), 3u);
  EXPECT_EQ(f.model.faults().size(), 1u);
}

TEST(Impairment, BareTcpFramingFindsTheHeaderAtTheStart) {
  Fixture f(7, Framing::Tcp);
  f.model.add_fault({.action = OneShotFault::Action::Drop, .match = TcpMatch::SynAck});
  const auto frame = tcp_frame(kSyn | kAck);
  f.send(std::vector<std::uint8_t>(frame.begin() + 34, frame.end()));
  EXPECT_TRUE(f.in.got.empty());
}

/// A sink that answers every frame it gets by submitting one the other way.
class Echoer final : public FrameSink {
 public:
  void transmit(Bytes frame) override {
    ++count;
    if (model && count < 100) model->submit(Direction::FromStack, frame, *now);
  }
  Impairment* model = nullptr;
  const Instant* now = nullptr;
  int count = 0;
};

TEST(Impairment, ASinkMaySubmitWhileFramesAreReleased) {
  Instant now = Instant{} + 1s;
  Echoer in;
  Recorder out(now);
  Impairment model(in, out);
  in.model = &model;
  in.now = &now;
  model.configure(Direction::ToStack, {.delay = 1ms});
  model.configure(Direction::FromStack, {.delay = 1ms});
  for (int i = 0; i < 10; ++i) model.submit(Direction::ToStack, numbered(1), now);
  now += 1ms;
  model.poll(now);
  EXPECT_EQ(in.count, 10);
  now += 1ms;
  model.poll(now);
  EXPECT_EQ(out.got.size(), 10u);
}

TEST(Impairment, MatchNamesRoundTrip) {
  for (auto m : {TcpMatch::SynAck, TcpMatch::Syn, TcpMatch::Fin, TcpMatch::Rst, TcpMatch::Ack,
                 TcpMatch::Data, TcpMatch::Any}) {
    EXPECT_EQ(parse_tcp_match(to_string(m)), m);
  }
  EXPECT_EQ(parse_tcp_match("synack"), std::nullopt);
}

}  // namespace
}  // namespace tapstack::link
