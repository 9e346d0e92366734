// Two whole Stacks on a simulated Ethernet (sim_ethernet.hpp): the first
// packet resolves ARP on both sides, ARP retries through loss, and TCP bulk
// transfers both ways at once under loss, duplication and reordering arrive
// byte for byte. Seeded: every run replays exactly.
#include <gtest/gtest.h>

#include <cstdio>
#include <string>

#include "sim/sim_ethernet.hpp"
#include "sim/tcp_transfer_app.hpp"
#include "support/stack_harness.hpp"

namespace tapstack::sim {
namespace {

using test::stack_counter;

constexpr std::uint16_t kPort = 5000;
constexpr Instant kLimit = Instant{} + 600s;
constexpr std::size_t kMiB = 1024 * 1024;

/// A connects to a listener on B; each sends `bytes` and checks every byte it
/// reads against what the other sent. Returns when both have closed.
void expect_transfer_intact(SimEthernet& net, std::size_t bytes, std::uint64_t seed) {
  const auto up = make_payload(bytes, seed * 2 + 1);
  const auto down = make_payload(bytes, seed * 2 + 2);
  auto& ta = net.a().tcp();
  auto& tb = net.b().tcp();
  const SocketId listener = *tb.open();
  ASSERT_TRUE(tb.bind(listener, SimEthernet::address(net.b()), kPort).ok());
  ASSERT_TRUE(tb.listen(listener, 4).ok());
  TransferEnd client{&ta, *ta.open(), &up, &down};
  TransferEnd server{&tb, SocketId{}, &down, &up};
  ASSERT_TRUE(ta.connect(client.id, SimEthernet::address(net.b()), kPort, net.now()).ok());
  ASSERT_TRUE(net.run_until(
      kLimit, [&] { return client.done() && server.done(); },
      [&] {
        pump_pair(listener, client, server, net.now());
        net.discard_events();
      }))
      << "unfinished at virtual " << to_micros(net.now()) << " µs";
  EXPECT_EQ(client.error, Errc::Ok);
  EXPECT_EQ(server.error, Errc::Ok);
  EXPECT_EQ(client.received, bytes);
  EXPECT_EQ(server.received, bytes);
  EXPECT_EQ(client.mismatches + server.mismatches, 0u);
}

TEST(StackSim, FirstPacketResolvesArpOnBothSides) {
  SimEthernet net({}, {}, 1);
  // Each Stack announced itself at start; RFC 826 learns only as the target,
  // so neither knows the other yet.
  net.run_for(10ms, [] {});
  EXPECT_TRUE(net.a().arp().entries().empty());
  EXPECT_TRUE(net.b().arp().entries().empty());
  expect_transfer_intact(net, 10000, 1);
  // A asked once; B learnt A from that request, so it answered without asking.
  EXPECT_EQ(stack_counter(net.a(), "arp.tx_requests"), 1u);
  EXPECT_EQ(stack_counter(net.a(), "arp.rx_replies"), 1u);
  EXPECT_EQ(stack_counter(net.b(), "arp.tx_replies"), 1u);
  EXPECT_EQ(stack_counter(net.b(), "arp.tx_requests"), 0u);
  EXPECT_EQ(net.a().arp().lookup(SimEthernet::address(net.b())), net.b().config().mac);
  EXPECT_EQ(net.b().arp().lookup(SimEthernet::address(net.a())), net.a().config().mac);
}

TEST(StackSim, ArpRetriesThroughTwentyPercentLossAndTcpConnects) {
  const LinkConfig lossy{.loss = 0.20};
  SimEthernet net(lossy, lossy, 19);  // a seed that loses the first two ARP exchanges
  // Past the announcements: B's would otherwise answer A's pending request.
  net.run_for(10ms, [] {});
  expect_transfer_intact(net, 64 * 1024, 19);
  EXPECT_EQ(stack_counter(net.a(), "arp.tx_requests"), 3u);
  EXPECT_EQ(stack_counter(net.a(), "arp.resolution_failures"), 0u);
  EXPECT_EQ(net.a().arp().lookup(SimEthernet::address(net.b())), net.b().config().mac);
  EXPECT_EQ(net.b().arp().lookup(SimEthernet::address(net.a())), net.a().config().mac);
  std::printf("  20%% loss: ARP resolved after %llu requests; %llu + %llu frames dropped\n",
              static_cast<unsigned long long>(stack_counter(net.a(), "arp.tx_requests")),
              static_cast<unsigned long long>(net.link(0).dropped),
              static_cast<unsigned long long>(net.link(1).dropped));
}

struct BulkCase {
  const char* name;
  LinkConfig link;
  std::uint64_t seed;
};

class StackBulkTransfer : public ::testing::TestWithParam<BulkCase> {};

TEST_P(StackBulkTransfer, TwoMiBBothWaysEveryByteChecked) {
  const BulkCase& c = GetParam();
  SCOPED_TRACE("seed=" + std::to_string(c.seed));
  SimEthernet net(c.link, c.link, c.seed);
  expect_transfer_intact(net, 2 * kMiB, c.seed);
  const double secs = static_cast<double>(to_micros(net.now())) / 1e6;
  std::printf("  %s: 2 MiB each way in %.2f s virtual, %llu retransmits, %llu frames dropped, "
              "%llu duplicated, %llu reordered\n",
              c.name, secs,
              static_cast<unsigned long long>(net.a().tcp().counters().retransmits +
                                              net.b().tcp().counters().retransmits),
              static_cast<unsigned long long>(net.link(0).dropped + net.link(1).dropped),
              static_cast<unsigned long long>(net.link(0).duplicated + net.link(1).duplicated),
              static_cast<unsigned long long>(net.link(0).reordered + net.link(1).reordered));
}

INSTANTIATE_TEST_SUITE_P(
    Link, StackBulkTransfer,
    ::testing::Values(BulkCase{"clean", {}, 11}, BulkCase{"loss2", {.loss = 0.02}, 12},
                      BulkCase{"loss10", {.loss = 0.10}, 13},
                      BulkCase{"dup_reorder", {.duplicate = 0.02, .reorder = 0.05}, 14}),
    [](const auto& test_case) { return std::string(test_case.param.name); });

}  // namespace
}  // namespace tapstack::sim
