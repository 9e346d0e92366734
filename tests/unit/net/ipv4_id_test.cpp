// IPv4 identification: per-destination counters (RFC 6864, RFC 7739).
#include <gtest/gtest.h>

#include <set>

#include "support/stack_harness.hpp"

namespace tapstack::test {
namespace {

constexpr wire::Ipv4Address kOtherIp{10, 0, 0, 3};

// Sends `size` bytes of UDP to `dst`; returns the ID of each frame that left.
std::vector<std::uint16_t> send_ids(StackHarness& h, wire::Ipv4Address dst, std::size_t size = 8) {
  EXPECT_TRUE(h.stack.ipv4().send_ipv4(wire::Ipv4Address::any(), dst, net::IpProtocol::Udp,
                                       pattern(size), {}));
  std::vector<std::uint16_t> ids;
  for (const auto& frame : h.take_frames()) ids.push_back(decode_ipv4_frame(frame)->ip.identification);
  return ids;
}

std::uint16_t send_id(StackHarness& h, wire::Ipv4Address dst) { return send_ids(h, dst).at(0); }

StackHarness& with_neighbours(StackHarness& h) {
  h.learn(kPeerIp, kPeerMac);
  h.learn(kOtherIp, wire::MacAddress{{0x02, 0, 0, 0, 0, 0x03}});
  return h;
}

TEST(Ipv4Id, EachDestinationHasItsOwnSequence) {
  StackHarness h;
  with_neighbours(h);
  std::vector<std::uint16_t> peer, other;
  for (int i = 0; i < 10; ++i) {
    peer.push_back(send_id(h, kPeerIp));
    other.push_back(send_id(h, kOtherIp));
  }
  for (std::size_t i = 1; i < peer.size(); ++i) {
    EXPECT_EQ(peer[i], static_cast<std::uint16_t>(peer[i - 1] + 1));
    EXPECT_EQ(other[i], static_cast<std::uint16_t>(other[i - 1] + 1));
  }
  EXPECT_NE(other[0], static_cast<std::uint16_t>(peer[0] + 1));  // not one interleaved sequence
}

TEST(Ipv4Id, IdleScanLearnsNothingAboutOtherDestinations) {
  StackHarness h;
  with_neighbours(h);
  // The zombie scan: probe the ID, make the target send elsewhere, probe again.
  const auto before = send_id(h, kPeerIp);
  for (int i = 0; i < 100; ++i) send_id(h, kOtherIp);
  EXPECT_EQ(send_id(h, kPeerIp), static_cast<std::uint16_t>(before + 1));
}

TEST(Ipv4Id, IdleCounterMovesBySecretStep) {
  StackHarness h;
  with_neighbours(h);
  std::set<int> steps;
  for (int i = 0; i < 20; ++i) {
    const auto before = send_id(h, kPeerIp);
    h.advance(std::chrono::seconds{2});  // the neighbours' entries outlive the loop
    steps.insert(static_cast<std::uint16_t>(send_id(h, kPeerIp) - before));
  }
  EXPECT_GT(steps.size(), 10u);  // not a count of anything
}

TEST(Ipv4Id, DistinctAcrossThousandsOfFragmentedDatagrams) {
  StackHarness h;
  with_neighbours(h);
  std::set<std::uint16_t> seen;
  for (int i = 0; i < 2000; ++i) {
    const auto ids = send_ids(h, kPeerIp, 4000);
    ASSERT_EQ(ids.size(), 3u);
    EXPECT_EQ(ids[0], ids[1]);
    EXPECT_EQ(ids[0], ids[2]);
    seen.insert(ids[0]);
    h.advance(std::chrono::milliseconds{5});
  }
  EXPECT_EQ(seen.size(), 2000u);
}

}  // namespace
}  // namespace tapstack::test
