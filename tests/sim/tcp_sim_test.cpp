// Two TcpLayers on a simulated link: bulk transfer both ways at once under
// loss, duplication and reordering, verified byte for byte; opens, closes
// and reopens; many connections at once. Every run is reproducible from its
// seed, which failures print.
#include <gtest/gtest.h>

#include <map>
#include <set>
#include <string>
#include <tuple>

#include "sim/sim_network.hpp"
#include "sim/tcp_transfer_app.hpp"

namespace tapstack::sim {
namespace {

constexpr std::uint16_t kPort = 5000;
constexpr Instant kLimit = Instant{} + 3600s;
constexpr std::size_t kMiB = 1024 * 1024;

struct TransferResult {
  bool finished = false;
  TransferEnd client, server;
  Instant end;
  std::uint64_t retransmits = 0;
};

/// Client on host A connects to a listener on host B; both send `bytes`.
TransferResult run_transfer(SimNetwork& net, std::size_t bytes, std::uint64_t seed) {
  const auto client_data = make_payload(bytes, seed * 2 + 1);
  const auto server_data = make_payload(bytes, seed * 2 + 2);
  TransferResult r;
  auto& ta = net.a().tcp();
  auto& tb = net.b().tcp();
  const SocketId listener = *tb.open();
  EXPECT_TRUE(tb.bind(listener, net.b().addr(), kPort).ok());
  EXPECT_TRUE(tb.listen(listener, 16).ok());
  r.client = TransferEnd{&net.a().tcp(), *ta.open(), &client_data, &server_data};
  r.server = TransferEnd{&net.b().tcp(), SocketId{}, &server_data, &client_data};
  EXPECT_TRUE(ta.connect(r.client.id, net.b().addr(), kPort, net.now()).ok());
  r.finished = net.run_until(
      kLimit, [&] { return r.client.done() && r.server.done(); },
      [&] {
        pump_pair(listener, r.client, r.server, net.now());
        (void)net.a().events().drain();
        (void)net.b().events().drain();
      });
  r.end = net.now();
  for (const auto& i : ta.list()) r.retransmits += i.retransmits;
  for (const auto& i : tb.list()) r.retransmits += i.retransmits;
  r.retransmits += ta.counters().retransmits + tb.counters().retransmits;
  (void)tb.close(listener, net.now());
  return r;
}

void expect_complete(const TransferResult& r, std::size_t bytes) {
  ASSERT_TRUE(r.finished) << "did not finish by virtual " << to_micros(r.end) << " µs";
  EXPECT_EQ(r.client.error, Errc::Ok);
  EXPECT_EQ(r.server.error, Errc::Ok);
  EXPECT_EQ(r.client.received, bytes);
  EXPECT_EQ(r.server.received, bytes);
  EXPECT_EQ(r.client.mismatches, 0u);
  EXPECT_EQ(r.server.mismatches, 0u);
}

// (loss, bytes, seed)
using TransferParam = std::tuple<double, std::size_t, std::uint64_t>;

class BulkTransfer : public ::testing::TestWithParam<TransferParam> {};

TEST_P(BulkTransfer, BothDirectionsAtOnceEveryByteChecked) {
  const auto [loss, bytes, seed] = GetParam();
  SCOPED_TRACE("seed=" + std::to_string(seed) + " loss=" + std::to_string(loss));
  LinkConfig link;
  link.loss = loss;
  if (loss > 0) {
    link.duplicate = 0.01;
    link.reorder = 0.02;
    link.jitter = 500us;
  }
  SimNetwork net(link, link, tcp::TcpSettings{}, seed);
  const TransferResult r = run_transfer(net, bytes, seed);
  expect_complete(r, bytes);
  const double secs = static_cast<double>(to_micros(r.end)) / 1e6;
  std::printf("  loss %.0f%%: %zu bytes each way in %.2f s virtual (%.1f Mbit/s per direction), "
              "%llu retransmits (%llu fast, %llu timeouts), %llu link drops\n",
              loss * 100, bytes, secs, static_cast<double>(bytes) * 8 / secs / 1e6,
              static_cast<unsigned long long>(net.a().tcp().counters().retransmits +
                                              net.b().tcp().counters().retransmits),
              static_cast<unsigned long long>(net.a().tcp().counters().fast_retransmits +
                                              net.b().tcp().counters().fast_retransmits),
              static_cast<unsigned long long>(net.a().tcp().counters().rto_expirations +
                                              net.b().tcp().counters().rto_expirations),
              static_cast<unsigned long long>(net.link(0).dropped + net.link(1).dropped));
}

// 10 MiB each way at 0-5% loss; 2 MiB at 20% loss, where even SACK
// recovery (RFC 6675, lost retransmissions found by RFC 8985 §6.2, tail loss
// probes) still meets RTOs when retransmissions and ACKs are lost too, and
// the suite must stay fast under ASan.
INSTANTIATE_TEST_SUITE_P(
    Loss, BulkTransfer,
    ::testing::Values(TransferParam{0.0, 10 * kMiB, 1}, TransferParam{0.01, 10 * kMiB, 2},
                      TransferParam{0.05, 10 * kMiB, 3}, TransferParam{0.20, 2 * kMiB, 4},
                      TransferParam{0.01, 2 * kMiB, 5}, TransferParam{0.05, 2 * kMiB, 6},
                      TransferParam{0.20, kMiB / 4, 7}, TransferParam{0.20, kMiB / 4, 8}));

/// The reasons of cwnd events: which congestion control phases ran.
class CwndPhases final : public TraceSink {
 public:
  void on_trace(const TraceEvent& e) override {
    if (e.kind == TraceKind::CongestionChange) reasons.insert(e.reason);
  }
  bool any(std::string_view part) const {
    for (const auto& r : reasons) {
      if (r.find(part) != std::string::npos) return true;
    }
    return false;
  }
  std::set<std::string> reasons;
};

// (algorithm, loss, seed)
using CongestionParam = std::tuple<tcp::CongestionAlgorithm, double, std::uint64_t>;

class CongestionTransfer : public ::testing::TestWithParam<CongestionParam> {};

// 100 Mbit/s, 40 ms RTT, random loss: each algorithm delivers every byte
// and runs its own phases.
TEST_P(CongestionTransfer, LossyDelayedLinkEveryByteChecked) {
  const auto [algorithm, loss, seed] = GetParam();
  const bool cubic = algorithm == tcp::CongestionAlgorithm::Cubic;
  SCOPED_TRACE(std::string(tcp::congestion_name(algorithm)) + " loss=" + std::to_string(loss));
  LinkConfig link;
  link.loss = loss;
  link.delay = 20ms;
  link.jitter = 200us;
  tcp::TcpSettings s;
  s.congestion = algorithm;
  CwndPhases phases;
  SimNetwork net(link, link, s, seed, &phases);
  const TransferResult r = run_transfer(net, 4 * kMiB, seed);
  expect_complete(r, 4 * kMiB);
  EXPECT_TRUE(phases.any("fast recovery"));
  EXPECT_EQ(phases.any("CUBIC"), cubic);
  EXPECT_EQ(phases.any("congestion avoidance"), !cubic);
  const double secs = static_cast<double>(to_micros(r.end)) / 1e6;
  std::printf("  %s, loss %.1f%%: %.2f Mbit/s per direction\n", tcp::congestion_name(algorithm),
              loss * 100, 4.0 * kMiB * 8 / secs / 1e6);
}

INSTANTIATE_TEST_SUITE_P(
    Algorithms, CongestionTransfer,
    ::testing::Values(CongestionParam{tcp::CongestionAlgorithm::Cubic, 0.001, 61},
                      CongestionParam{tcp::CongestionAlgorithm::Cubic, 0.01, 62},
                      CongestionParam{tcp::CongestionAlgorithm::NewReno, 0.001, 61},
                      CongestionParam{tcp::CongestionAlgorithm::NewReno, 0.01, 62}));

// A deep queue at the bottleneck and no random loss: the RTT grows as slow
// start fills the queue, and HyStart++ (RFC 9406) turns to conservative slow
// start on that and then to congestion avoidance, with no loss at all.
TEST(TcpSim, HyStartLeavesSlowStartWhenTheQueueGrows) {
  LinkConfig link;
  link.bits_per_second = 20'000'000;
  link.delay = 20ms;
  link.queue_limit = 200ms;
  CwndPhases phases;
  SimNetwork net(link, link, tcp::TcpSettings{}, 71, &phases);
  const TransferResult r = run_transfer(net, 4 * kMiB, 71);
  expect_complete(r, 4 * kMiB);
  EXPECT_TRUE(phases.any("HyStart++: RTT rose"));
  EXPECT_TRUE(phases.any("HyStart++ exit to congestion avoidance"));
  EXPECT_FALSE(phases.any("fast recovery") || phases.any("RTO"));
}

// Segmentation offload: new data leaves as super-segments that the link cuts
// (tests/sim/sim_network.hpp); loss, duplication and reordering hit the cut
// segments, and recovery resends MSS-sized ones. Every byte still arrives.
TEST(TcpSim, SegmentationOffloadBothWaysUnderLoss) {
  for (const double loss : {0.0, 0.02}) {
    SCOPED_TRACE("loss=" + std::to_string(loss));
    LinkConfig link;
    link.loss = loss;
    link.duplicate = loss / 2;
    link.reorder = loss;
    tcp::TcpSettings s;
    s.segmentation_offload = 65535;
    SimNetwork net(link, link, s, 21);
    const TransferResult r = run_transfer(net, 4 * kMiB, 21);
    expect_complete(r, 4 * kMiB);
    EXPECT_GT(net.a().tcp().counters().tx_super_segments, 0u);
    EXPECT_GT(net.b().tcp().counters().tx_super_segments, 0u);
  }
}

TEST(TcpSim, CongestionOnASlowLinkWithAShortQueue) {
  // 10 Mbit/s with 5 ms of queue: the senders overflow the queue, so losses
  // come from congestion rather than chance, in both directions at once.
  LinkConfig link;
  link.bits_per_second = 10'000'000;
  link.queue_limit = 5ms;
  link.delay = 10ms;
  SimNetwork net(link, link, tcp::TcpSettings{}, 12);
  const TransferResult r = run_transfer(net, 2 * kMiB, 12);
  expect_complete(r, 2 * kMiB);
  EXPECT_GT(net.link(0).rate_dropped + net.link(1).rate_dropped, 0u);
  const double secs = static_cast<double>(to_micros(r.end)) / 1e6;
  const double mbit = 2.0 * kMiB * 8 / secs / 1e6;
  std::printf("  10 Mbit/s, 5 ms queue: %.2f Mbit/s per direction, %llu queue drops\n", mbit,
              static_cast<unsigned long long>(net.link(0).rate_dropped + net.link(1).rate_dropped));
  EXPECT_GT(mbit, 3.0);  // a fair share of the link despite the drops
}

TEST(TcpSim, EcnMarksSlowTheSendersWithoutARetransmission) {
  // A lossless link that marks 2 % of ECT packets CE each way: the ends agree
  // on ECN, each CE comes back as ECE, each sender reduces its window and
  // says CWR, and not a byte is retransmitted or lost.
  LinkConfig link;
  link.bits_per_second = 0;
  link.delay = 5ms;
  tcp::TcpSettings settings;
  settings.ecn = tcp::EcnMode::On;
  SimNetwork net(link, link, settings, 31);
  net.ce_mark = {0.02, 0.02};
  const TransferResult r = run_transfer(net, 2 * kMiB, 31);
  expect_complete(r, 2 * kMiB);
  EXPECT_EQ(r.retransmits, 0u);
  for (int side = 0; side < 2; ++side) {
    const auto& c = (side == 0 ? net.a() : net.b()).tcp().counters();
    const auto& peer = (side == 0 ? net.b() : net.a()).tcp().counters();
    SCOPED_TRACE(side == 0 ? "client" : "server");
    EXPECT_EQ(c.ecn_negotiated, 1u);
    EXPECT_GT(net.ce_marked[static_cast<std::size_t>(side)], 0u);
    EXPECT_EQ(peer.rx_ce_marks, net.ce_marked[static_cast<std::size_t>(side)]);
    EXPECT_GT(peer.tx_ece_acks, 0u);
    EXPECT_GT(c.ecn_reductions, 0u);
    EXPECT_LE(c.ecn_reductions, net.ce_marked[static_cast<std::size_t>(side)]);
    EXPECT_EQ(c.tx_cwr, c.ecn_reductions);
    std::printf("  side %d: %llu CE marks, %llu reductions\n", side,
                static_cast<unsigned long long>(net.ce_marked[static_cast<std::size_t>(side)]),
                static_cast<unsigned long long>(c.ecn_reductions));
  }
}

TEST(TcpSim, WithoutEcnNothingIsMarked) {
  LinkConfig link;
  link.bits_per_second = 0;
  tcp::TcpSettings settings;
  settings.ecn = tcp::EcnMode::Off;
  SimNetwork net(link, link, settings, 32);
  net.ce_mark = {0.5, 0.5};
  const TransferResult r = run_transfer(net, kMiB / 4, 32);
  expect_complete(r, kMiB / 4);
  EXPECT_EQ(net.ce_marked[0] + net.ce_marked[1], 0u);  // no ECT packet to mark
  EXPECT_EQ(net.a().tcp().counters().ecn_reductions, 0u);
}

TEST(TcpSim, RunsAreReproducibleFromTheSeed) {
  LinkConfig link;
  link.loss = 0.05;
  link.reorder = 0.05;
  link.duplicate = 0.02;
  std::uint64_t first_hash = 0;
  Instant first_end{};
  for (int run = 0; run < 2; ++run) {
    SimNetwork net(link, link, tcp::TcpSettings{}, 42);
    const TransferResult r = run_transfer(net, 256 * 1024, 42);
    expect_complete(r, 256 * 1024);
    if (run == 0) {
      first_hash = r.client.hash;
      first_end = r.end;
    } else {
      EXPECT_EQ(r.client.hash, first_hash);
      EXPECT_EQ(r.end, first_end);  // same seed, same virtual timeline
    }
  }
}

/// Counts events, so the test can show the sink was really used.
class CountingTrace final : public TraceSink {
 public:
  void on_trace(const TraceEvent&) override { ++count; }
  std::uint64_t count = 0;
};

TEST(TcpSim, TraceSinkDoesNotChangeBehaviour) {
  LinkConfig link;
  link.loss = 0.03;
  link.reorder = 0.03;
  CountingTrace trace;
  SimNetwork plain(link, link, tcp::TcpSettings{}, 31);
  SimNetwork traced(link, link, tcp::TcpSettings{}, 31, &trace);
  const TransferResult a = run_transfer(plain, 300'000, 31);
  const TransferResult b = run_transfer(traced, 300'000, 31);
  expect_complete(a, 300'000);
  EXPECT_GT(trace.count, 1000u);
  EXPECT_EQ(a.end, b.end);
  EXPECT_EQ(a.client.hash, b.client.hash);
  EXPECT_EQ(plain.a().packets_sent, traced.a().packets_sent);
  EXPECT_EQ(plain.b().packets_sent, traced.b().packets_sent);
}

/// Counts retransmissions by their trace reason.
class RetransmitReasons final : public TraceSink {
 public:
  void on_trace(const TraceEvent& e) override {
    if (e.kind == TraceKind::Retransmit) ++by_reason[e.reason];
  }
  std::map<std::string, std::uint64_t> by_reason;
};

TEST(TcpSim, RetransmissionsAtOnePercentLossAreAboutTheDrops) {
  // What is retransmitted and why: each loss should cost about one
  // retransmission, not a go-back-N burst of data the peer already holds.
  LinkConfig link;
  link.loss = 0.01;
  link.duplicate = 0.01;
  link.reorder = 0.02;
  link.jitter = 500us;
  RetransmitReasons reasons;
  SimNetwork net(link, link, tcp::TcpSettings{}, 2, &reasons);
  const TransferResult r = run_transfer(net, 4 * kMiB, 2);
  expect_complete(r, 4 * kMiB);
  std::uint64_t total = 0;
  for (const auto& [why, n] : reasons.by_reason) {
    std::printf("  %6llu  %s\n", static_cast<unsigned long long>(n), why.c_str());
    total += n;
  }
  const std::uint64_t drops = net.link(0).dropped + net.link(1).dropped;
  const std::uint64_t duplicate_bytes =
      net.a().tcp().counters().rx_duplicate_bytes + net.b().tcp().counters().rx_duplicate_bytes;
  std::printf("  %llu retransmits for %llu link drops; %llu duplicate bytes received\n",
              static_cast<unsigned long long>(total), static_cast<unsigned long long>(drops),
              static_cast<unsigned long long>(duplicate_bytes));
  EXPECT_LT(total, drops + drops / 2);
}

TEST(TcpSim, CloseAndReopenRepeatedly) {
  LinkConfig link;
  link.loss = 0.02;
  tcp::TcpSettings s;
  s.msl = 2s;
  SimNetwork net(link, link, s, 9);
  for (std::uint64_t round = 0; round < 10; ++round) {
    SCOPED_TRACE("round " + std::to_string(round));
    const TransferResult r = run_transfer(net, 20000 + round * 1000, 100 + round);
    expect_complete(r, 20000 + round * 1000);
  }
  // After 2*MSL every connection is gone on both sides.
  net.run_until(net.now() + 10s, [] { return false; }, [] {});
  EXPECT_TRUE(net.a().tcp().list().empty());
  EXPECT_TRUE(net.b().tcp().list().empty());
}

/// kConns clients on A exchange data with one listener on B at once.
void run_many(SimNetwork& net, int conns, std::size_t bytes) {
  auto& ta = net.a().tcp();
  auto& tb = net.b().tcp();
  const SocketId listener = *tb.open();
  ASSERT_TRUE(tb.bind(listener, net.b().addr(), kPort).ok());
  ASSERT_TRUE(tb.listen(listener, static_cast<std::uint32_t>(conns)).ok());
  std::vector<std::vector<std::uint8_t>> up, down;
  for (int i = 0; i < conns; ++i) {
    up.push_back(make_payload(bytes + static_cast<std::size_t>(i), 1000 + static_cast<std::uint64_t>(i)));
    down.push_back(make_payload(bytes, 2000 + static_cast<std::uint64_t>(i)));
  }
  std::vector<TransferEnd> clients(static_cast<std::size_t>(conns));
  std::vector<TransferEnd> servers;
  for (int i = 0; i < conns; ++i) {
    const auto k = static_cast<std::size_t>(i);
    clients[k] = TransferEnd{&net.a().tcp(), *ta.open(), &up[k], &down[k]};
    ASSERT_TRUE(ta.connect(clients[k].id, net.b().addr(), kPort, net.now()).ok());
  }
  // The server learns which client a connection belongs to from its port.
  std::map<std::uint16_t, std::size_t> by_port;
  for (std::size_t k = 0; k < clients.size(); ++k) by_port[ta.info(clients[k].id)->local_port] = k;
  servers.resize(static_cast<std::size_t>(conns));
  const bool ok = net.run_until(
      kLimit,
      [&] {
        for (std::size_t k = 0; k < clients.size(); ++k) {
          if (!clients[k].done() || !servers[k].done()) return false;
        }
        return true;
      },
      [&] {
        while (auto c = tb.accept(listener)) {
          const std::size_t k = by_port.at(tb.info(*c)->remote_port);
          servers[k] = TransferEnd{&net.b().tcp(), *c, &down[k], &up[k]};
        }
        for (auto& c : clients) c.pump(net.now());
        for (auto& s : servers) s.pump(net.now());
        (void)net.a().events().drain();
        (void)net.b().events().drain();
      });
  ASSERT_TRUE(ok);
  for (std::size_t k = 0; k < clients.size(); ++k) {
    SCOPED_TRACE("connection " + std::to_string(k));
    EXPECT_EQ(clients[k].received, bytes);
    EXPECT_EQ(servers[k].received, bytes + k);
    EXPECT_EQ(clients[k].mismatches + servers[k].mismatches, 0u);
  }
}

TEST(TcpSim, ManyConnectionsAtOnce) {
  LinkConfig link;
  link.loss = 0.01;
  link.reorder = 0.01;
  SimNetwork net(link, link, tcp::TcpSettings{}, 77);
  run_many(net, 40, 100'000);
}

TEST(TcpSim, ConnectBurstBeyondTheSynQueueUsesCookies) {
  tcp::TcpSettings s;
  s.syn_backlog = 2;
  SimNetwork net(LinkConfig{}, LinkConfig{}, s, 78);
  run_many(net, 30, 50'000);
  EXPECT_GT(net.b().tcp().counters().syn_cookies_accepted, 0u);
  EXPECT_EQ(net.b().tcp().counters().syn_cookies_failed, 0u);
}

TEST(TcpSim, SimultaneousOpenAndClose) {
  SimNetwork net(LinkConfig{}, LinkConfig{}, tcp::TcpSettings{}, 5);
  auto& ta = net.a().tcp();
  auto& tb = net.b().tcp();
  const SocketId a = *ta.open();
  const SocketId b = *tb.open();
  ASSERT_TRUE(ta.bind(a, net.a().addr(), 7001).ok());
  ASSERT_TRUE(tb.bind(b, net.b().addr(), 7002).ok());
  ASSERT_TRUE(ta.connect(a, net.b().addr(), 7002, net.now()).ok());
  ASSERT_TRUE(tb.connect(b, net.a().addr(), 7001, net.now()).ok());
  ASSERT_TRUE(net.run_until(
      kLimit,
      [&] {
        return ta.info(a)->state == tcp::TcpState::Established &&
               tb.info(b)->state == tcp::TcpState::Established;
      },
      [] {}));
  ASSERT_TRUE(ta.shutdown_send(a, net.now()).ok());
  ASSERT_TRUE(tb.shutdown_send(b, net.now()).ok());
  ASSERT_TRUE(net.run_until(
      kLimit,
      [&] {
        return ta.info(a)->state == tcp::TcpState::TimeWait &&
               tb.info(b)->state == tcp::TcpState::TimeWait;
      },
      [] {}));
}

TEST(TcpSim, ZeroWindowStallsAndResumes) {
  tcp::TcpSettings s;
  s.recv_buffer = 8192;
  SimNetwork net(LinkConfig{}, LinkConfig{}, s, 11);
  auto& ta = net.a().tcp();
  auto& tb = net.b().tcp();
  const SocketId l = *tb.open();
  ASSERT_TRUE(tb.bind(l, net.b().addr(), kPort).ok());
  ASSERT_TRUE(tb.listen(l, 1).ok());
  const SocketId c = *ta.open();
  ASSERT_TRUE(ta.connect(c, net.b().addr(), kPort, net.now()).ok());
  SocketId server;
  const auto data = make_payload(100'000, 3);
  std::size_t sent = 0;
  auto pump = [&] {
    if (!server) {
      if (auto x = tb.accept(l)) server = *x;
    }
    while (sent < data.size()) {
      auto r = ta.send(c, Bytes(data).subspan(sent), net.now());
      if (!r) break;
      sent += *r;
    }
  };
  // Nobody reads: the sender fills the 8 KiB window and then probes.
  net.run_until(net.now() + 30s, [] { return false; }, pump);
  EXPECT_EQ(tb.recv_available(server), 8192u);
  EXPECT_GT(ta.counters().zero_window_probes, 0u);
  std::vector<std::uint8_t> got;
  std::uint8_t buf[4096];
  ASSERT_TRUE(net.run_until(
      net.now() + 600s, [&] { return got.size() == data.size(); },
      [&] {
        pump();
        if (!server) return;
        while (auto r = tb.recv(server, buf, net.now())) {
          if (*r == 0) break;
          got.insert(got.end(), buf, buf + *r);
        }
      }));
  EXPECT_TRUE(got == data);
}

}  // namespace
}  // namespace tapstack::sim
