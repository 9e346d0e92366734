#include <gtest/gtest.h>

#include "support/stack_harness.hpp"

namespace tapstack::test {
namespace {

// Valid frames of every kind the stack understands, to mutate.
std::vector<Buffer> seeds() {
  const auto quoted = ipv4_packet({.src = kStackIp, .dst = kPeerIp}, pattern(8));
  return {
      arp_frame({wire::ArpOperation::Request, kPeerMac, kPeerIp, wire::MacAddress{}, kStackIp},
                wire::MacAddress::broadcast()),
      ipv4_frame({.protocol = kProtoIcmp}, icmp_echo(wire::IcmpType::EchoRequest, 1, 2, pattern(64))),
      ipv4_frame({.protocol = kProtoIcmp}, icmp_message(3, 4, 1200, quoted)),
      ipv4_frame({.protocol = kProtoUdp, .id = 3, .mf = true}, pattern(64)),
      ipv4_frame({.protocol = kProtoUdp, .id = 3, .offset = 64}, pattern(30)),
      ipv4_frame({.protocol = kProtoTcp, .options = {1, 1, 1, 0}}, pattern(40)),
  };
}

// 100k random and mutated frames: nothing crashes, reads out of bounds (run
// under ASan) or loses track of memory, and every frame is accounted for.
TEST(StackFuzz, RandomAndMutatedFramesAreHandled) {
  constexpr std::uint64_t kSeed = 20240611;
  SeededRng rng(kSeed);
  StackHarness h(default_config(), kSeed);
  FakeTransport udp;
  udp.delivery = net::TransportProtocol::Delivery::NoListener;
  h.stack.register_transport(net::IpProtocol::Udp, udp);
  const auto base = seeds();
  constexpr int kFrames = 100'000;
  for (int i = 0; i < kFrames; ++i) {
    Buffer frame;
    if (rng.chance(0.1)) {
      frame.resize(rng.uniform(0, 1600));
      for (auto& b : frame) b = static_cast<std::uint8_t>(rng.next_u32());
    } else {
      frame = base[rng.uniform(0, static_cast<std::uint32_t>(base.size() - 1))];
      const auto flips = rng.uniform(1, 4);
      for (std::uint32_t f = 0; f < flips; ++f) {
        // Mutate mostly the headers, where the parsing decisions are.
        const auto limit = static_cast<std::uint32_t>(std::min<std::size_t>(frame.size(), 64) - 1);
        frame[rng.uniform(0, limit)] = static_cast<std::uint8_t>(rng.next_u32());
      }
      if (rng.chance(0.2)) frame.resize(rng.uniform(0, static_cast<std::uint32_t>(frame.size())));
    }
    h.receive(frame);
    if (i % 1000 == 0) h.advance(std::chrono::seconds{1});
    h.sink.frames.clear();
  }
  EXPECT_EQ(h.counter("eth.rx_frames"), static_cast<std::uint64_t>(kFrames)) << "seed " << kSeed;
  EXPECT_LE(h.stack.ipv4().reassembler().bytes_held(), net::ReassemblySettings{}.max_bytes);
  h.advance(std::chrono::minutes{5});
  EXPECT_EQ(h.stack.ipv4().reassembler().datagrams_in_progress(), 0u);
}

}  // namespace
}  // namespace tapstack::test
