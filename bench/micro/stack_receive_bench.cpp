// Stack::receive for the two paths this layer owns: an ICMP echo request
// answered at once, and a 4000-byte datagram arriving in three fragments.
#include <benchmark/benchmark.h>

#include "tests/support/stack_harness.hpp"

namespace tapstack::test {
namespace {

void BM_ReceiveIcmpEcho(benchmark::State& state) {
  StackHarness h;
  h.learn(kPeerIp, kPeerMac);
  const auto frame = ipv4_frame({.protocol = kProtoIcmp},
                                icmp_echo(wire::IcmpType::EchoRequest, 1, 1,
                                          pattern(static_cast<std::size_t>(state.range(0)))));
  for (auto _ : state) {
    h.receive(frame);
    h.sink.frames.clear();
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * frame.size()));
}
BENCHMARK(BM_ReceiveIcmpEcho)->Arg(56)->Arg(1400);

void BM_ReceiveReassembly(benchmark::State& state) {
  StackHarness h;
  FakeTransport udp;
  h.stack.register_transport(net::IpProtocol::Udp, udp);
  const auto payload = pattern(4000);
  std::vector<Buffer> fragments;
  for (std::size_t off = 0; off < payload.size(); off += 1480) {
    const std::size_t n = std::min<std::size_t>(1480, payload.size() - off);
    fragments.push_back(ipv4_frame({.id = 9, .mf = off + n < payload.size(),
                                    .offset = static_cast<std::uint16_t>(off)},
                                   Bytes(payload).subspan(off, n)));
  }
  for (auto _ : state) {
    for (auto it = fragments.rbegin(); it != fragments.rend(); ++it) h.receive(*it);
    udp.packets.clear();
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * payload.size()));
}
BENCHMARK(BM_ReceiveReassembly);

}  // namespace
}  // namespace tapstack::test
