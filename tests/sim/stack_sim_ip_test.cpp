// Two whole Stacks on a simulated Ethernet (sim_ethernet.hpp): UDP datagrams
// larger than the MTU fragmented by one Stack and reassembled by the other,
// under loss (whole or not at all), duplication and reordering; and ICMP
// echo both ways. Seeded: every run replays exactly.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <utility>
#include <vector>

#include "sim/sim_ethernet.hpp"
#include "sim/tcp_transfer_app.hpp"
#include "support/stack_harness.hpp"

namespace tapstack::sim {
namespace {

using test::stack_counter;

constexpr std::uint16_t kPort = 7000;
constexpr std::size_t kDatagramSize = 8000;  // six fragments at MTU 1500
constexpr std::uint32_t kDatagrams = 200;
constexpr Instant kLimit = Instant{} + 60s;

/// Datagram `index`: the index in its first four bytes, then bytes derived from it.
std::vector<std::uint8_t> datagram(std::uint32_t index) {
  auto bytes = make_payload(kDatagramSize, index + 1);
  store_be32(bytes, 0, index);
  return bytes;
}

/// Echo requests from `from` to `to`, one at a time, each waiting for its
/// reply; returns the replies.
std::vector<net::PingReply> ping(SimEthernet& net, Stack& from, const Stack& to, std::uint16_t count,
                                 std::size_t size) {
  const auto payload = make_payload(size, count);
  std::vector<net::PingReply> replies;
  for (std::uint16_t seq = 1; seq <= count; ++seq) {
    EXPECT_TRUE(from.icmp().ping(SimEthernet::address(to), 0x7a7a, seq, payload, net.now()).ok());
    EXPECT_TRUE(net.run_until(
        kLimit, [&] { return replies.size() == seq; },
        [&] {
          for (const auto& r : from.icmp().drain_ping_replies()) replies.push_back(r);
        }));
  }
  return replies;
}

struct UdpTally {
  std::vector<std::uint32_t> copies = std::vector<std::uint32_t>(kDatagrams);  // by index
  std::size_t corrupted = 0;

  std::size_t distinct() const {
    return static_cast<std::size_t>(std::count_if(copies.begin(), copies.end(), [](auto n) { return n > 0; }));
  }
};

/// A sends kDatagrams to B, one every 2 ms (well under the link's rate), on
/// a link made `impaired` once ARP has resolved (so every loss is a
/// fragment's); then waits past the reassembly timeout.
UdpTally send_datagrams(SimEthernet& net, const LinkConfig& impaired) {
  (void)ping(net, net.a(), net.b(), 1, 0);
  net.impairment().configure(LinkDirection::FromStack, to_impairment(impaired));
  auto& ua = net.a().udp();
  auto& ub = net.b().udp();
  const SocketId rx = *ub.open();
  EXPECT_TRUE(ub.bind(rx, wire::Ipv4Address::any(), kPort).ok());
  const SocketId tx = *ua.open();
  UdpTally tally;
  const auto receive = [&] {
    net.discard_events();
    for (auto d = ub.recv_from(rx); d; d = ub.recv_from(rx)) {
      const std::uint32_t index = d->data.size() >= 4 ? load_be32(d->data, 0) : kDatagrams;
      if (index >= kDatagrams || d->data != datagram(index)) {
        ++tally.corrupted;
      } else {
        ++tally.copies[index];
      }
    }
  };
  for (std::uint32_t i = 0; i < kDatagrams; ++i) {
    EXPECT_TRUE(ua.send_to(tx, SimEthernet::address(net.b()), kPort, datagram(i)).ok());
    net.run_for(2ms, receive);
  }
  net.run_for(net.b().config().ip.reassembly.timeout + 1s, receive);
  return tally;
}

TEST(StackSimUdp, DatagramsAboveTheMtuAreFragmentedAndReassembled) {
  SimEthernet net({}, {}, 31);
  const UdpTally tally = send_datagrams(net, {});
  EXPECT_EQ(tally.distinct(), kDatagrams);
  EXPECT_EQ(tally.corrupted, 0u);
  EXPECT_EQ(stack_counter(net.a(), "ip.tx_fragmented_datagrams"), kDatagrams);
  EXPECT_EQ(stack_counter(net.b(), "reasm.reassembled"), kDatagrams);
  EXPECT_EQ(stack_counter(net.b(), "reasm.dropped_timeout"), 0u);
}

TEST(StackSimUdp, UnderLossADatagramArrivesWholeOrNotAtAll) {
  SimEthernet net({}, {}, 32);
  const UdpTally tally = send_datagrams(net, {.loss = 0.10});
  const auto reassembled = stack_counter(net.b(), "reasm.reassembled");
  const auto timed_out = stack_counter(net.b(), "reasm.dropped_timeout");
  const auto evicted = stack_counter(net.b(), "reasm.dropped_evicted") +
                       stack_counter(net.b(), "reasm.dropped_source_share");
  EXPECT_EQ(tally.corrupted, 0u);
  EXPECT_EQ(tally.distinct(), reassembled);
  // Six fragments each at 10 % loss: about 0.9^6 = 53 % arrive whole. Every
  // other datagram lost a fragment: its rest timed out, or was evicted
  // while more than its source's share (max_datagrams / 4) waited.
  EXPECT_GT(tally.distinct(), kDatagrams / 3);
  EXPECT_LT(tally.distinct(), kDatagrams * 3 / 4);
  EXPECT_GT(timed_out, 0u);
  EXPECT_EQ(reassembled + timed_out + evicted, kDatagrams);
  std::printf("  10%% loss: %zu of %u datagrams whole, %llu reassemblies timed out, %llu evicted, "
              "%llu fragments lost\n",
              tally.distinct(), kDatagrams, static_cast<unsigned long long>(timed_out),
              static_cast<unsigned long long>(evicted),
              static_cast<unsigned long long>(net.link(0).dropped));
}

TEST(StackSimUdp, DuplicatedAndReorderedFragmentsStillReassemble) {
  SimEthernet net({}, {}, 33);
  const UdpTally tally = send_datagrams(net, {.duplicate = 0.20, .reorder = 0.30});
  EXPECT_EQ(tally.distinct(), kDatagrams);
  EXPECT_EQ(tally.corrupted, 0u);
  EXPECT_GT(net.link(0).reordered, 0u);
  EXPECT_GT(stack_counter(net.b(), "reasm.dropped_duplicate"), 0u);
  std::printf("  duplication and reordering: %u datagrams whole, %llu fragments duplicated, "
              "%llu reordered\n",
              kDatagrams, static_cast<unsigned long long>(net.link(0).duplicated),
              static_cast<unsigned long long>(net.link(0).reordered));
}

TEST(StackSimIcmp, PingBothWays) {
  SimEthernet net({}, {}, 34);
  for (const auto& [from, to] : {std::pair{&net.a(), &net.b()}, std::pair{&net.b(), &net.a()}}) {
    for (const std::size_t size : {56u, 4000u}) {  // 4000: fragmented both ways
      const auto replies = ping(net, *from, *to, 3, size);
      ASSERT_EQ(replies.size(), 3u);
      for (std::uint16_t i = 0; i < 3; ++i) {
        EXPECT_EQ(replies[i].seq, i + 1);
        EXPECT_EQ(replies[i].from, SimEthernet::address(*to));
        EXPECT_EQ(replies[i].payload_size, size);
        EXPECT_FALSE(replies[i].host_unreachable);
        EXPECT_GE(replies[i].received_at - replies[i].sent_at, 2ms);  // 1 ms each way
      }
    }
  }
  EXPECT_EQ(stack_counter(net.a(), "icmp.tx_echo_replies"), 6u);
  EXPECT_EQ(stack_counter(net.b(), "icmp.tx_echo_replies"), 6u);
}

}  // namespace
}  // namespace tapstack::sim
