// TcpLayer per-segment cost with N idle connections open: one data segment
// to one connection, the read, then poll and next_deadline as the daemon
// runs them after every batch. Flat in N when timers are queued and
// connections are found by hash rather than by a scan of every slot.
#include <benchmark/benchmark.h>

#include <vector>

#include "stack/base/rng.hpp"
#include "stack/events.hpp"
#include "stack/net/transport.hpp"
#include "stack/tcp/tcp_layer.hpp"
#include "stack/wire/tcp.hpp"

namespace tapstack::tcp {
namespace {

const wire::Ipv4Address kLocal{10, 0, 0, 2};
const wire::Ipv4Address kPeer{10, 0, 0, 1};
constexpr std::uint16_t kPort = 7;

/// Keeps the last segment the layer sent (the SYN-ACK tells the ISS).
class LastSegment final : public net::Ipv4Output {
 public:
  Result<void> send_ipv4(wire::Ipv4Address src, wire::Ipv4Address dst, net::IpProtocol,
                         Bytes payload, const net::Ipv4SendOptions&) override {
    last = wire::parse_tcp(payload, src, dst, false).header;
    return {};
  }
  std::size_t path_mtu(wire::Ipv4Address) const override { return 1500; }
  std::size_t link_mtu() const override { return 1500; }
  void note_path_mtu(wire::Ipv4Address, std::size_t) override {}
  wire::Ipv4Address local_address() const override { return kLocal; }
  bool is_local_address(wire::Ipv4Address a) const override { return a == kLocal; }
  wire::TcpHeader last;
};

struct Bench {
  LastSegment ip;
  SeededRng rng{1};
  EventQueue events;
  TcpLayer layer{ip, rng, events, TcpSettings{}};
  Instant now = Instant{} + std::chrono::seconds(1);
  SocketId listener;
  SocketId accepted;

  void in(std::uint16_t port, std::uint8_t flags, std::uint32_t seq, std::uint32_t ack,
          Bytes payload = {}) {
    wire::TcpHeader h;
    h.src_port = port;
    h.dst_port = kPort;
    h.seq = seq;
    h.ack = ack;
    h.flags = flags;
    h.window = 65535;
    const auto bytes = wire::build_tcp(kPeer, kLocal, h, payload);
    net::Ipv4PacketInfo info;
    info.src = kPeer;
    info.dst = kLocal;
    info.checksum_trusted = true;
    (void)layer.on_ipv4_packet(info, bytes, now);
  }
  /// A handshake from `port`, accepted; returns our ISS + 1.
  std::uint32_t connect_from(std::uint16_t port) {
    using namespace wire::tcp_flags;
    in(port, Syn, 1000, 0);
    const std::uint32_t iss = ip.last.seq;
    in(port, Ack, 1001, iss + 1);
    accepted = *layer.accept(listener);
    return iss + 1;
  }
};

void BM_SegmentWithIdleConnections(benchmark::State& state) {
  Bench b;
  b.listener = *b.layer.open();
  (void)b.layer.bind(b.listener, kLocal, kPort);
  (void)b.layer.listen(b.listener, 65535);
  const auto idle = static_cast<std::uint16_t>(state.range(0));
  for (std::uint16_t i = 0; i < idle; ++i) b.connect_from(static_cast<std::uint16_t>(20000 + i));
  const std::uint16_t active = 10000;
  const std::uint32_t ack = b.connect_from(active);
  const SocketId id = b.accepted;
  (void)b.events.drain();
  std::vector<std::uint8_t> data(100, 'x'), buf(4096);
  std::uint32_t seq = 1001;
  for (auto _ : state) {
    b.in(active, wire::tcp_flags::Ack | wire::tcp_flags::Psh, seq, ack, data);
    seq += static_cast<std::uint32_t>(data.size());
    b.now += std::chrono::microseconds(50);
    (void)b.layer.recv(id, buf, b.now);
    b.layer.poll(b.now);
    benchmark::DoNotOptimize(b.layer.next_deadline());
    (void)b.events.drain();
  }
}
BENCHMARK(BM_SegmentWithIdleConnections)->Arg(10)->Arg(1000)->Arg(10000);

}  // namespace
}  // namespace tapstack::tcp
