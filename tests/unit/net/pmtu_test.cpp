// Path MTU from ICMP "fragmentation needed" (RFC 1191) only through the
// flow it quotes (RFC 5927 §7.2, RFC 8201 §4): a message quoting no
// connection of ours, or a sequence number not in flight, changes nothing,
// and the MSS we offer is what the interface receives (RFC 9293 §3.7.1),
// never the path MTU toward the peer.
#include <gtest/gtest.h>

#include <algorithm>

#include "stack/wire/tcp.hpp"
#include "support/stack_harness.hpp"

namespace tapstack::test {
namespace {

constexpr std::uint16_t kPort = 9000;
constexpr std::uint32_t kIrs = 7000;

class PathMtuTest : public ::testing::Test {
 protected:
  PathMtuTest() {
    h.learn(kPeerIp, kPeerMac);
    listener_ = *h.stack.tcp().open();
    EXPECT_TRUE(h.stack.tcp().bind(listener_, kStackIp, kPort).ok());
    EXPECT_TRUE(h.stack.tcp().listen(listener_, 8).ok());
  }

  struct Handshake {
    std::uint32_t iss = 0;
    std::uint16_t offered_mss = 0;
  };

  /// A connection from kPeerIp:peer_port, completed; returns our ISS and the
  /// MSS our SYN-ACK offered.
  Handshake connect_from(std::uint16_t peer_port) {
    wire::TcpHeader syn = header(peer_port, wire::tcp_flags::Syn, kIrs, 0);
    syn.options.mss = 1460;
    h.receive(tcp_frame(syn, {}));
    const auto frames = h.take_frames();
    EXPECT_EQ(frames.size(), 1u);
    const auto synack = wire::parse_tcp(decode_ipv4_frame(frames.at(0))->payload, kStackIp, kPeerIp);
    Handshake result{synack.header.seq, synack.header.options.mss.value_or(0)};
    h.receive(tcp_frame(header(peer_port, wire::tcp_flags::Ack, kIrs + 1, result.iss + 1), {}));
    return result;
  }

  static wire::TcpHeader header(std::uint16_t peer_port, std::uint8_t flags, std::uint32_t seq,
                                std::uint32_t ack) {
    return peer_tcp_header(peer_port, kPort, flags, seq, ack);
  }
  static Buffer tcp_frame(const wire::TcpHeader& t, Bytes payload) {
    return ipv4_frame({.protocol = kProtoTcp}, wire::build_tcp(kPeerIp, kStackIp, t, payload));
  }
  /// ICMP 3/4 from the peer quoting an IPv4 header from us to it with
  /// protocol TCP and the given 8 bytes of TCP header.
  static Buffer frag_needed(std::uint16_t mtu, std::uint16_t src_port, std::uint16_t dst_port,
                            std::uint32_t seq) {
    Buffer tcp8(8);
    store_be16(tcp8, 0, src_port);
    store_be16(tcp8, 2, dst_port);
    store_be32(tcp8, 4, seq);
    const auto quoted =
        ipv4_packet({.src = kStackIp, .dst = kPeerIp, .protocol = kProtoTcp, .df = true}, tcp8);
    return ipv4_frame({.protocol = kProtoIcmp}, icmp_message(3, 4, mtu, quoted));
  }
  /// Payload sizes of the TCP segments sent since the last call.
  std::vector<std::size_t> sent_payloads() {
    std::vector<std::size_t> sizes;
    for (const auto& f : h.take_frames()) {
      const auto ip = decode_ipv4_frame(f);
      if (ip && ip->ip.protocol == kProtoTcp) {
        sizes.push_back(wire::parse_tcp(ip->payload, kStackIp, kPeerIp).payload.size());
      }
    }
    return sizes;
  }

  StackHarness h;
  SocketId listener_{};
};

TEST_F(PathMtuTest, FragNeededQuotingNoConnectionChangesNothing) {
  // The message: next-hop MTU 68, ports and sequence of no connection.
  h.receive(frag_needed(68, 51234, 443, 0x9e3779b9));
  EXPECT_EQ(h.stack.ipv4().path_mtu(kPeerIp), 1500u);
  EXPECT_EQ(h.counter("tcp.icmp_errors_ignored"), 1u);
  EXPECT_EQ(connect_from(40000).offered_mss, 1460);
}

TEST_F(PathMtuTest, FragNeededQuotingASequenceNotInFlightChangesNothing) {
  const Handshake c = connect_from(40000);
  h.receive(frag_needed(576, kPort, 40000, c.iss + 100000));
  EXPECT_EQ(h.stack.ipv4().path_mtu(kPeerIp), 1500u);
  EXPECT_EQ(h.counter("tcp.icmp_errors_ignored"), 1u);
  EXPECT_EQ(h.counter("tcp.pmtu_updates"), 0u);
}

TEST_F(PathMtuTest, FragNeededForASegmentInFlightShrinksThatConnection) {
  const Handshake c = connect_from(40000);
  const SocketId conn = *h.stack.tcp().accept(listener_);
  ASSERT_EQ(*h.stack.tcp().send(conn, pattern(2920), h.now), 2920u);
  EXPECT_EQ(sent_payloads(), (std::vector<std::size_t>{1460, 1460}));
  // A router on the way takes at most 1280 bytes: the first segment comes back quoted.
  h.receive(frag_needed(1280, kPort, 40000, c.iss + 1));
  EXPECT_EQ(h.stack.ipv4().path_mtu(kPeerIp), 1280u);
  EXPECT_EQ(h.counter("tcp.pmtu_updates"), 1u);
  EXPECT_EQ(h.counter("tcp.icmp_errors"), 1u);
  // What is in flight goes again at once, in 1240-byte segments.
  const auto resent = sent_payloads();
  ASSERT_FALSE(resent.empty());
  EXPECT_EQ(resent.front(), 1240u);
  EXPECT_LE(*std::max_element(resent.begin(), resent.end()), 1240u);
  const auto pmtu = std::find_if(h.trace.events.begin(), h.trace.events.end(),
                                 [](const TraceEvent& e) { return e.kind == TraceKind::PathMtu; });
  ASSERT_NE(pmtu, h.trace.events.end());
  EXPECT_EQ(pmtu->a, 1240);
  EXPECT_EQ(pmtu->b, 1460);
  EXPECT_EQ(pmtu->c, 1280);
  // What we offer others is still what the interface receives.
  EXPECT_EQ(connect_from(40001).offered_mss, 1460);
}

}  // namespace
}  // namespace tapstack::test
