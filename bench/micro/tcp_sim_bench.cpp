// CPU cost of TCP itself: a bulk transfer between two TcpLayers joined by
// the simulated link (tests/sim), no loss. Virtual time does not enter the
// figure; bytes_per_second is payload moved per second of CPU, `segments`
// the packets both sides sent per transfer.
#include <benchmark/benchmark.h>

#include <vector>

#include "tests/sim/sim_network.hpp"

namespace tapstack::sim {
namespace {

constexpr std::uint16_t kPort = 5000;

/// One connection moving `data` from A to B; returns the packets sent, or 0
/// if it did not finish.
std::uint64_t transfer(const std::vector<std::uint8_t>& data) {
  SimNetwork net(LinkConfig{}, LinkConfig{}, tcp::TcpSettings{}, 1);
  auto& ta = net.a().tcp();
  auto& tb = net.b().tcp();
  const SocketId listener = *tb.open();
  (void)tb.bind(listener, net.b().addr(), kPort);
  (void)tb.listen(listener, 1);
  const SocketId client = *ta.open();
  (void)ta.connect(client, net.b().addr(), kPort, net.now());
  SocketId server;
  std::size_t sent = 0;
  std::size_t received = 0;
  std::vector<std::uint8_t> buf(64 * 1024);
  const bool done = net.run_until(
      Instant{} + 3600s, [&] { return received == data.size(); },
      [&] {
        if (!server) {
          if (auto c = tb.accept(listener)) server = *c;
        }
        while (sent < data.size()) {
          const auto r = ta.send(client, Bytes(data).subspan(sent), net.now());
          if (!r || *r == 0) break;
          sent += *r;
        }
        while (server) {
          const auto r = tb.recv(server, buf, net.now());
          if (!r || *r == 0) break;
          received += *r;
        }
        (void)net.a().events().drain();
        (void)net.b().events().drain();
      });
  return done ? net.a().packets_sent + net.b().packets_sent : 0;
}

void BM_TcpSimBulkTransfer(benchmark::State& state) {
  std::vector<std::uint8_t> data(static_cast<std::size_t>(state.range(0)));
  for (std::size_t i = 0; i < data.size(); ++i) data[i] = static_cast<std::uint8_t>(i * 131);
  std::uint64_t segments = 0;
  for (auto _ : state) {
    const std::uint64_t n = transfer(data);
    if (n == 0) {
      state.SkipWithError("transfer did not finish");
      break;
    }
    segments += n;
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) * state.range(0));
  state.counters["segments"] =
      benchmark::Counter(static_cast<double>(segments), benchmark::Counter::kAvgIterations);
}
BENCHMARK(BM_TcpSimBulkTransfer)->Arg(4 << 20)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace tapstack::sim
