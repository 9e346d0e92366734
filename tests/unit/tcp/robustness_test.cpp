// Random segments against a listener and its connections: nothing may crash
// or trip the sanitizers, and the sequence variables stay ordered.
#include "support/tcp_harness.hpp"

namespace tapstack::tcp::testing {
namespace {

using namespace wire::tcp_flags;

TEST(TcpRobustness, RandomSegmentsKeepInvariants) {
  for (std::uint64_t seed = 1; seed <= 8; ++seed) {
    SCOPED_TRACE("seed=" + std::to_string(seed));
    TcpSettings s;
    s.syn_backlog = 4;
    TcpHarness h(s, seed);
    const SocketId c = h.established_server(5000, 2);
    SeededRng r(seed * 7919);
    std::uint32_t peer_seq = 5001;
    for (int i = 0; i < 4000; ++i) {
      SegSpec seg;
      seg.flags = static_cast<std::uint8_t>(r.next_u32() & 0x3f);
      if (r.chance(0.7)) seg.flags = static_cast<std::uint8_t>((seg.flags & ~(Syn | Rst)) | Ack);
      seg.seq = peer_seq + r.uniform(0, 200000) - 100000;
      seg.ack = h.iss + r.uniform(0, 4000) - 1000;
      seg.window = static_cast<std::uint16_t>(r.uniform(0, 65535));
      seg.payload.assign(r.uniform(0, 1600), static_cast<char>('a' + i % 26));
      seg.src_port = r.chance(0.8) ? kRemotePort : static_cast<std::uint16_t>(r.uniform(1, 65535));
      if (r.chance(0.2)) seg.options.mss = static_cast<std::uint16_t>(r.uniform(0, 70000));
      if (r.chance(0.2)) seg.options.window_scale = static_cast<std::uint8_t>(r.uniform(0, 14));
      if (r.chance(0.2)) {
        seg.options.sack_count = static_cast<std::uint8_t>(r.uniform(1, 4));
        for (std::size_t k = 0; k < seg.options.sack_count; ++k) {
          seg.options.sack[k] = wire::SackBlock{h.iss + r.uniform(0, 3000), h.iss + r.uniform(0, 3000)};
        }
      }
      if (r.chance(0.5)) peer_seq += static_cast<std::uint32_t>(seg.payload.size());
      h.in(seg);
      if (r.chance(0.05)) (void)h.write(c, std::string(r.uniform(1, 5000), 'w'));
      if (r.chance(0.05)) (void)h.read_all(c);
      if (r.chance(0.1)) h.advance(Duration{r.uniform(0, 3'000'000)});
      h.ip.sent.clear();
      (void)h.drain();
      for (const TcpSocketInfo& info : h.layer.list()) {
        if (info.state == TcpState::Listen) continue;
        ASSERT_LE(info.snd_una_rel, info.snd_nxt_rel + 0u) << state_name(info.state);
        ASSERT_LE(info.mss, 65535u);
        ASSERT_GE(info.mss, 64u);
      }
    }
    (void)h.layer.close(c, h.now);
    h.advance(600s);
  }
}

}  // namespace
}  // namespace tapstack::tcp::testing
