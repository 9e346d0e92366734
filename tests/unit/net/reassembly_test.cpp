#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <algorithm>

#include "stack/net/reassembler.hpp"
#include "support/stack_harness.hpp"

namespace tapstack::test {
namespace {

using net::Reassembler;
using net::ReassemblySettings;

struct Piece {
  std::size_t offset;
  std::size_t size;
  bool last;
};

Buffer fragment(const Buffer& payload, const Piece& p, std::uint16_t id = 5,
                wire::Ipv4Address src = kPeerIp) {
  return ipv4_packet(
      {.src = src, .id = id, .mf = !p.last, .offset = static_cast<std::uint16_t>(p.offset)},
      Bytes(payload).subspan(p.offset, p.size));
}

std::optional<Buffer> add(Reassembler& r, const Buffer& packet, Instant now = {}) {
  return r.add(*wire::Ipv4View::parse(packet), now);
}

// Cuts [0, size) into at least two pieces of random multiples of 8 (the last any size).
std::vector<Piece> cut(std::size_t size, const std::vector<std::size_t>& units) {
  std::vector<Piece> pieces;
  std::size_t offset = 0;
  for (std::size_t i = 0; offset < size; ++i) {
    const std::size_t want = 8 * (1 + units[i % units.size()] % 40);
    std::size_t n = std::min(want, size - offset);
    if (offset == 0 && n == size) n = (size - 1) / 8 * 8;
    pieces.push_back({offset, n, offset + n == size});
    offset += n;
  }
  return pieces;
}

// The hash key only places entries; any seed behaves the same.
struct TestReassembler : Reassembler {
  explicit TestReassembler(const ReassemblySettings& s) : Reassembler(s, rng) {}
  static inline SeededRng rng{1};
};

ReassemblySettings roomy() {
  ReassemblySettings s;
  s.max_fragments_per_datagram = 4096;
  return s;
}

TEST(Reassembler, InOrderOutOfOrderAndDuplicates) {
  const auto payload = pattern(100, 9);
  TestReassembler r(roomy());
  EXPECT_FALSE(add(r, fragment(payload, {48, 52, true})));
  EXPECT_FALSE(add(r, fragment(payload, {48, 52, true})));  // duplicate
  EXPECT_FALSE(add(r, fragment(payload, {0, 24, false})));
  const auto whole = add(r, fragment(payload, {24, 24, false}));
  ASSERT_TRUE(whole);
  const auto v = wire::Ipv4View::parse(*whole);
  ASSERT_TRUE(v);
  EXPECT_TRUE(v->checksum_valid());
  EXPECT_FALSE(v->is_fragment());
  EXPECT_EQ(Buffer(v->payload().begin(), v->payload().end()), payload);
  EXPECT_EQ(r.counters().dropped_duplicate, 1u);
  EXPECT_EQ(r.bytes_held(), 0u);
  EXPECT_EQ(r.datagrams_in_progress(), 0u);
}

TEST(Reassembler, OverlapDiscardsWholeDatagram) {
  const auto payload = pattern(64);
  TestReassembler r(roomy());
  EXPECT_FALSE(add(r, fragment(payload, {0, 32, false})));
  EXPECT_FALSE(add(r, fragment(payload, {24, 16, false})));  // overlaps [24, 32)
  EXPECT_EQ(r.counters().dropped_overlap, 1u);
  EXPECT_EQ(r.datagrams_in_progress(), 0u);
  EXPECT_FALSE(add(r, fragment(payload, {32, 32, true})));  // a fresh start, incomplete
}

TEST(Reassembler, BadLengthsAndInconsistentEndsAreCounted) {
  const auto payload = pattern(64);
  TestReassembler r(roomy());
  EXPECT_FALSE(add(r, fragment(payload, {0, 12, false})));  // not a multiple of 8
  EXPECT_EQ(r.counters().dropped_bad_length, 1u);
  EXPECT_FALSE(add(r, fragment(payload, {16, 16, true})));
  EXPECT_FALSE(add(r, fragment(payload, {32, 16, false})));  // past the known end
  EXPECT_EQ(r.counters().dropped_inconsistent, 1u);
}

TEST(Reassembler, DatagramOver65535IsDiscarded) {
  TestReassembler r(roomy());
  const auto payload = pattern(64);
  EXPECT_FALSE(add(r, fragment(payload, {0, 16, false})));
  Buffer tail(16);
  EXPECT_FALSE(add(r, ipv4_packet({.id = 5, .offset = 65528}, tail)));
  EXPECT_EQ(r.counters().dropped_too_big, 1u);
  EXPECT_EQ(r.datagrams_in_progress(), 0u);
}

TEST(Reassembler, BoundsDatagramsBytesAndFragments) {
  ReassemblySettings s;
  s.max_datagrams = 2;
  s.max_bytes = 64;
  s.max_fragments_per_datagram = 3;
  TestReassembler r(s);
  const auto payload = pattern(200);
  // One source each: the bounds in total, not a source's share, are under test.
  const auto src = [](std::uint16_t id) { return wire::Ipv4Address{10, 0, 0, static_cast<std::uint8_t>(id)}; };
  for (std::uint16_t id = 1; id <= 3; ++id) add(r, fragment(payload, {0, 8, false}, id, src(id)));
  EXPECT_EQ(r.datagrams_in_progress(), 2u);
  EXPECT_EQ(r.counters().dropped_evicted, 1u);
  for (std::size_t i = 1; i <= 3; ++i) add(r, fragment(payload, {i * 8, 8, false}, 3, src(3)));
  EXPECT_EQ(r.counters().dropped_too_many_fragments, 1u);
  add(r, fragment(payload, {0, 56, false}, 4, src(4)));
  add(r, fragment(payload, {56, 16, false}, 4, src(4)));  // 72 bytes > 64: evicts 2, then cannot fit
  EXPECT_LE(r.bytes_held(), 64u);
  EXPECT_EQ(r.counters().dropped_no_memory, 1u);
}

TEST(Reassembler, OneSourceFloodingDatagramsEvictsOnlyItsOwn) {
  StackHarness h;  // 64 datagrams at once, 16 of them per source
  FakeTransport udp;
  h.stack.register_transport(net::IpProtocol::Udp, udp);
  const auto payload = pattern(64, 3);
  const wire::Ipv4Address flooder{10, 0, 0, 66};
  h.receive(ipv4_frame({.id = 7, .mf = true}, Bytes(payload).first(32)));
  for (std::uint16_t id = 0; id < 200; ++id) {
    h.receive(ipv4_frame({.src = flooder, .id = id, .mf = true}, Bytes(payload).first(32)));
  }
  EXPECT_EQ(h.stack.ipv4().reassembler().datagrams_in_progress(), 17u);
  EXPECT_EQ(h.counter("reasm.dropped_source_share"), 200u - 16u);
  EXPECT_EQ(h.counter("reasm.dropped_evicted"), 0u);
  h.receive(ipv4_frame({.id = 7, .offset = 32}, Bytes(payload).subspan(32)));
  ASSERT_EQ(udp.packets.size(), 1u);
  EXPECT_EQ(udp.packets[0].payload, payload);
}

TEST(Reassembler, OneSourceFloodingBytesEvictsOnlyItsOwn) {
  ReassemblySettings s = roomy();
  s.max_datagrams = 1024;
  s.max_bytes = 4 * 65535;  // a source holds 65535 bytes
  TestReassembler r(s);
  const auto payload = pattern(16000, 4);
  const wire::Ipv4Address flooder{10, 0, 0, 66};
  add(r, fragment(payload, {0, 8000, false}, 7));
  for (std::uint16_t id = 0; id < 40; ++id) add(r, fragment(payload, {0, 8000, false}, id, flooder));
  EXPECT_LE(r.bytes_held(), 8000u + 65535u);
  EXPECT_EQ(r.counters().dropped_source_share, 40u - 8u);
  EXPECT_EQ(r.counters().dropped_evicted, 0u);
  EXPECT_TRUE(add(r, fragment(payload, {8000, 8000, true}, 7)));
}

TEST(Reassembler, ExpiresAfterTimeout) {
  TestReassembler r(roomy());
  const auto payload = pattern(64);
  const Instant t0{std::chrono::seconds{5}};
  add(r, fragment(payload, {0, 16, false}), t0);
  EXPECT_EQ(r.next_deadline(), t0 + std::chrono::seconds{30});
  EXPECT_TRUE(r.expire(t0 + std::chrono::seconds{29}).empty());
  const auto quotes = r.expire(t0 + std::chrono::seconds{30});
  ASSERT_EQ(quotes.size(), 1u);
  EXPECT_EQ(quotes[0].size(), 28u);
  EXPECT_EQ(r.counters().dropped_timeout, 1u);
  EXPECT_EQ(r.next_deadline(), Instant::max());
}

// Property: any cut into fragments, delivered in any order with any
// duplicates, reproduces the datagram exactly.
RC_GTEST_PROP(ReassemblerProperty, AnyOrderWithDuplicatesReproducesDatagram, ()) {
  const auto size = *rc::gen::inRange<std::size_t>(9, 6000);
  const auto units = *rc::gen::nonEmpty(rc::gen::container<std::vector<std::size_t>>(rc::gen::arbitrary<std::size_t>()));
  const auto seed = *rc::gen::arbitrary<std::uint64_t>();
  const auto payload = pattern(size, static_cast<std::uint8_t>(seed));
  auto pieces = cut(size, units);
  SeededRng rng(seed);
  const auto copies = pieces.size();
  for (std::size_t i = 0; i < copies; ++i) {
    if (rng.chance(0.3)) pieces.push_back(pieces[rng.uniform(0, static_cast<std::uint32_t>(copies - 1))]);
  }
  for (std::size_t i = pieces.size(); i > 1; --i) std::swap(pieces[i - 1], pieces[rng.uniform(0, static_cast<std::uint32_t>(i - 1))]);
  TestReassembler r(roomy());
  std::size_t completions = 0;
  for (const auto& p : pieces) {
    // Duplicates arriving after completion may start (and even complete) a
    // new datagram; every completion must be the original.
    if (const auto out = add(r, fragment(payload, p))) {
      ++completions;
      const auto v = wire::Ipv4View::parse(*out);
      RC_ASSERT(v.has_value());
      RC_ASSERT(v->checksum_valid());
      RC_ASSERT(Buffer(v->payload().begin(), v->payload().end()) == payload);
    }
  }
  RC_ASSERT(completions >= 1u);
}

// Property: overlapping fragments never crash and the datagram is never
// delivered with mixed-up data.
RC_GTEST_PROP(ReassemblerProperty, OverlapsNeverCrashOrDeliverWrongData, ()) {
  const auto size = *rc::gen::inRange<std::size_t>(16, 3000);
  const auto payload = pattern(size, 1);
  const auto other = pattern(size, 2);
  const auto count = *rc::gen::inRange<std::size_t>(1, 40);
  TestReassembler r(roomy());
  for (std::size_t i = 0; i < count; ++i) {
    const std::size_t offset = 8 * *rc::gen::inRange<std::size_t>(0, size / 8);
    const std::size_t n = std::min(size - offset, 8 * *rc::gen::inRange<std::size_t>(1, 50));
    if (n == 0) continue;
    const bool last = offset + n == size;
    const auto& source = *rc::gen::arbitrary<bool>() ? payload : other;
    if (const auto out = add(r, fragment(source, {offset, n, last}))) {
      const auto v = wire::Ipv4View::parse(*out);
      RC_ASSERT(v.has_value());
      const Buffer got(v->payload().begin(), v->payload().end());
      RC_ASSERT(got.size() == size);
    }
  }
  RC_ASSERT(r.bytes_held() <= roomy().max_bytes);
}

}  // namespace
}  // namespace tapstack::test
