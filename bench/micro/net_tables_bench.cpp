// Per-frame cost of the ARP cache and the reassembler against how full they
// are: one frame in, then next_deadline() as the daemon asks after every
// batch. Flat from 16 to 100,000 entries means nothing scans the table.
#include <benchmark/benchmark.h>

#include "tests/support/stack_harness.hpp"

namespace tapstack::test {
namespace {

// 10.0.0.2/8, so every filler address is on-link and learnable.
StackConfig wide_config(std::size_t entries) {
  StackConfig c = default_config();
  c.address = wire::Ipv4Cidr{kStackIp, 8};
  c.arp.max_entries = entries + 16;
  c.ip.reassembly.max_datagrams = 4 * (entries + 16);  // one each: no source at its share
  c.ip.reassembly.max_bytes = 1u << 30;
  return c;
}

wire::Ipv4Address filler(std::size_t i) {
  return wire::Ipv4Address{static_cast<std::uint32_t>((10u << 24) + (1u << 16) + i)};
}

// An ICMP echo request answered through the ARP cache holding N entries.
void BM_EchoWithArpEntries(benchmark::State& state) {
  const auto n = static_cast<std::size_t>(state.range(0));
  StackHarness h(wide_config(n));
  for (std::size_t i = 0; i < n; ++i) {
    h.learn(filler(i), wire::MacAddress{{0x02, 0, 0, static_cast<std::uint8_t>(i >> 16),
                                         static_cast<std::uint8_t>(i >> 8), static_cast<std::uint8_t>(i)}});
  }
  h.learn(kPeerIp, kPeerMac);
  const auto frame = ipv4_frame({.protocol = kProtoIcmp},
                                icmp_echo(wire::IcmpType::EchoRequest, 1, 1, pattern(56)));
  for (auto _ : state) {
    h.receive(frame);
    benchmark::DoNotOptimize(h.stack.next_deadline());
    h.sink.frames.clear();
  }
}
BENCHMARK(BM_EchoWithArpEntries)->Arg(16)->Arg(1000)->Arg(100'000);

// A two-fragment datagram reassembled beside N incomplete ones.
void BM_ReassemblyWithDatagramsInProgress(benchmark::State& state) {
  const auto n = static_cast<std::size_t>(state.range(0));
  StackHarness h(wide_config(n));
  FakeTransport udp;
  h.stack.register_transport(net::IpProtocol::Udp, udp);
  const auto payload = pattern(64);
  for (std::size_t i = 0; i < n; ++i) {
    h.receive(ipv4_frame({.src = filler(i), .mf = true}, Bytes(payload).first(32)));
  }
  const auto head = ipv4_frame({.id = 7, .mf = true}, Bytes(payload).first(32));
  const auto tail = ipv4_frame({.id = 7, .offset = 32}, Bytes(payload).subspan(32));
  for (auto _ : state) {
    h.receive(head);
    benchmark::DoNotOptimize(h.stack.next_deadline());
    h.receive(tail);
    benchmark::DoNotOptimize(h.stack.next_deadline());
    udp.packets.clear();
  }
  state.counters["in_progress"] =
      static_cast<double>(h.stack.ipv4().reassembler().datagrams_in_progress());
}
BENCHMARK(BM_ReassemblyWithDatagramsInProgress)->Arg(16)->Arg(1000)->Arg(100'000);

}  // namespace
}  // namespace tapstack::test
