// Urgent data (issue 5): RFC 9293 §3.8.5 keeps URG only for compatibility
// and RFC 6093 §5 recommends that new applications not use it; like Linux
// with SO_OOBINLINE, received urgent data is delivered inline, in order, and
// the urgent pointer (within, past or without payload) changes nothing.
#include "support/tcp_harness.hpp"

namespace tapstack::tcp::testing {
namespace {

using namespace wire::tcp_flags;

constexpr std::uint32_t kIrs = 1000;

/// Sends the harness a segment with an urgent pointer (SegSpec has none).
void urgent_in(TcpHarness& h, std::uint8_t flags, std::uint32_t seq, std::uint16_t urgent,
               const std::string& payload) {
  wire::TcpHeader hdr;
  hdr.src_port = kRemotePort;
  hdr.dst_port = kLocalPort;
  hdr.seq = seq;
  hdr.ack = h.iss + 1;
  hdr.flags = flags;
  hdr.window = 65535;
  hdr.urgent = urgent;
  const Bytes data(reinterpret_cast<const std::uint8_t*>(payload.data()), payload.size());
  const auto bytes = wire::build_tcp(kRemote, kLocal, hdr, data);
  net::Ipv4PacketInfo info;
  info.src = kRemote;
  info.dst = kLocal;
  info.ttl = 64;
  (void)h.layer.on_ipv4_packet(info, bytes, h.now);
}

TEST(TcpUrgent, UrgentDataIsDeliveredInlineInOrder) {
  TcpHarness h;
  const SocketId id = h.established_client(kIrs);
  urgent_in(h, Ack | Urg | Psh, kIrs + 1, 2, "ab");  // pointer inside the segment
  urgent_in(h, Ack | Urg, kIrs + 3, 500, "cd");      // pointer past the segment
  urgent_in(h, Ack | Urg, kIrs + 5, 1, "");          // URG without payload
  urgent_in(h, Ack, kIrs + 5, 0, "ef");
  urgent_in(h, Ack | Urg, kIrs + 9, 1, "ij");        // out of order, then filled
  urgent_in(h, Ack, kIrs + 7, 0, "gh");
  urgent_in(h, Ack | Urg, kIrs + 11, 0, "kl");       // pointer zero
  EXPECT_EQ(h.read_all(id), "abcdefghijkl");
  EXPECT_EQ(h.state(id), TcpState::Established);
  EXPECT_EQ(h.layer.info(id)->rcv_nxt, kIrs + 13);
  for (const auto& s : h.ip.sent) EXPECT_FALSE(s.h.has(Rst)) << s;
  EXPECT_EQ(h.layer.counters().rx_dropped_malformed, 0u);
}

TEST(TcpUrgent, UrgentPointerIsIgnoredOnSegmentsWithoutUrg) {
  TcpHarness h;
  const SocketId id = h.established_client(kIrs);
  urgent_in(h, Ack, kIrs + 1, 0xffff, "xyz");  // a stray pointer without the flag
  EXPECT_EQ(h.read_all(id), "xyz");
  EXPECT_EQ(h.state(id), TcpState::Established);
}

}  // namespace
}  // namespace tapstack::tcp::testing
