// The impairment model the daemon uses, exercised through the simulation:
// 10 % loss both ways still moves every byte (and the retransmissions show),
// and a one-shot "drop the next SYN-ACK" costs the connect one initial RTO.
#include <gtest/gtest.h>

#include "sim/sim_network.hpp"
#include "sim/tcp_transfer_app.hpp"

namespace tapstack::sim {
namespace {

constexpr std::uint16_t kPort = 6000;
constexpr Instant kLimit = Instant{} + 3600s;

TEST(ImpairmentSim, TenPercentLossBothWaysTransfersIntactWithRetransmissions) {
  LinkConfig link;
  link.loss = 0.10;
  SimNetwork net(link, link, tcp::TcpSettings{}, 101);
  constexpr std::size_t kBytes = 1024 * 1024;
  const auto up = make_payload(kBytes, 1);
  const auto down = make_payload(kBytes, 2);
  auto& ta = net.a().tcp();
  auto& tb = net.b().tcp();
  const SocketId listener = *tb.open();
  ASSERT_TRUE(tb.bind(listener, net.b().addr(), kPort).ok());
  ASSERT_TRUE(tb.listen(listener, 4).ok());
  TransferEnd client{&net.a().tcp(), *ta.open(), &up, &down};
  TransferEnd server{&net.b().tcp(), SocketId{}, &down, &up};
  ASSERT_TRUE(ta.connect(client.id, net.b().addr(), kPort, net.now()).ok());
  ASSERT_TRUE(net.run_until(
      kLimit, [&] { return client.done() && server.done(); },
      [&] {
        pump_pair(listener, client, server, net.now());
        (void)net.a().events().drain();
        (void)net.b().events().drain();
      }));
  EXPECT_EQ(client.error, Errc::Ok);
  EXPECT_EQ(server.error, Errc::Ok);
  EXPECT_EQ(client.received, kBytes);
  EXPECT_EQ(server.received, kBytes);
  EXPECT_EQ(client.mismatches + server.mismatches, 0u);
  const auto& to_b = net.link(0);
  const auto& to_a = net.link(1);
  // About a tenth of each direction's packets were lost, and TCP made them good.
  EXPECT_NEAR(static_cast<double>(to_b.dropped) / static_cast<double>(to_b.submitted), 0.10, 0.02);
  EXPECT_NEAR(static_cast<double>(to_a.dropped) / static_cast<double>(to_a.submitted), 0.10, 0.02);
  EXPECT_GT(ta.counters().retransmits + tb.counters().retransmits, to_b.dropped / 2);
  const double secs = static_cast<double>(to_micros(net.now())) / 1e6;
  std::printf("  10%% loss both ways: %zu bytes each way in %.2f s virtual (%.2f Mbit/s), "
              "%llu retransmits (%llu fast, %llu timeouts), %llu link drops\n",
              kBytes, secs, static_cast<double>(kBytes) * 8 / secs / 1e6,
              static_cast<unsigned long long>(ta.counters().retransmits + tb.counters().retransmits),
              static_cast<unsigned long long>(ta.counters().fast_retransmits +
                                              tb.counters().fast_retransmits),
              static_cast<unsigned long long>(ta.counters().rto_expirations +
                                              tb.counters().rto_expirations),
              static_cast<unsigned long long>(to_b.dropped + to_a.dropped));
}

/// Virtual time from connect() until the client is ESTABLISHED.
Duration connect_time(bool drop_syn_ack, std::uint64_t* dropped = nullptr) {
  SimNetwork net(LinkConfig{}, LinkConfig{}, tcp::TcpSettings{}, 5);
  if (drop_syn_ack) {
    net.impairment().add_fault({.action = link::OneShotFault::Action::Drop,
                                .match = link::TcpMatch::SynAck,
                                .port = kPort});
  }
  auto& ta = net.a().tcp();
  auto& tb = net.b().tcp();
  const SocketId listener = *tb.open();
  EXPECT_TRUE(tb.bind(listener, net.b().addr(), kPort).ok());
  EXPECT_TRUE(tb.listen(listener, 4).ok());
  const SocketId c = *ta.open();
  const Instant start = net.now();
  EXPECT_TRUE(ta.connect(c, net.b().addr(), kPort, start).ok());
  EXPECT_TRUE(net.run_until(
      kLimit, [&] { return ta.info(c)->state == tcp::TcpState::Established; }, [] {}));
  if (dropped) *dropped = net.link(1).fault_dropped;
  EXPECT_TRUE(net.impairment().faults().empty() || !drop_syn_ack);
  return net.now() - start;
}

TEST(ImpairmentSim, DroppingTheNextSynAckCostsTheConnectOneRto) {
  const Duration plain = connect_time(false);
  std::uint64_t dropped = 0;
  const Duration impaired = connect_time(true, &dropped);
  EXPECT_EQ(dropped, 1u);
  const Duration rto = tcp::TcpSettings{}.rto_initial;
  std::printf("  connect: %lld µs plain, %lld µs with the SYN-ACK dropped (initial RTO %lld µs)\n",
              static_cast<long long>(plain.count()), static_cast<long long>(impaired.count()),
              static_cast<long long>(rto.count()));
  EXPECT_GE(impaired - plain, rto);
  EXPECT_LE(impaired - plain, rto + 10ms);
}

}  // namespace
}  // namespace tapstack::sim
