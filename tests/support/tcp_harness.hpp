#pragma once
// TcpHarness: one TcpLayer with a capturing fake IPv4 output, a manual clock
// and a seeded RNG. Hand-built segments go in with in(SegSpec{...}); what the
// layer sent comes out decoded, and gmock matchers print decoded segments.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <deque>
#include <ostream>
#include <string>
#include <vector>

#include "stack/base/rng.hpp"
#include "stack/events.hpp"
#include "stack/net/transport.hpp"
#include "stack/tcp/tcp_layer.hpp"
#include "stack/trace.hpp"
#include "stack/wire/tcp.hpp"

// Tests build SegSpec with designated initializers naming only the fields
// that matter; g++ 12 warns about the rest although they have defaults.
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

namespace tapstack::tcp::testing {

inline const wire::Ipv4Address kLocal{10, 0, 0, 2};
inline const wire::Ipv4Address kRemote{10, 0, 0, 1};
inline constexpr std::uint16_t kLocalPort = 80;
inline constexpr std::uint16_t kRemotePort = 40000;

/// A segment the layer sent, decoded.
struct OutSegment {
  wire::Ipv4Address src, dst;
  wire::TcpHeader h;
  std::string payload;
  std::uint16_t segment_size = 0;  // a super-segment for the link to cut (offload)
  net::Ecn ecn = net::Ecn::NotEct;  // the IPv4 ECN field asked for
};

inline std::ostream& operator<<(std::ostream& os, const OutSegment& s) {
  os << "[" << s.src.to_string() << ":" << s.h.src_port << " > " << s.dst.to_string() << ":"
     << s.h.dst_port << " " << wire::tcp_flags_to_string(s.h.flags) << " seq=" << s.h.seq
     << " ack=" << s.h.ack << " win=" << s.h.window << " len=" << s.payload.size();
  if (s.h.options.mss) os << " mss=" << *s.h.options.mss;
  if (s.h.options.window_scale) os << " ws=" << int{*s.h.options.window_scale};
  return os << "]";
}

MATCHER_P(HasFlags, flags, "flags " + wire::tcp_flags_to_string(static_cast<std::uint8_t>(flags))) {
  return arg.h.flags == flags;
}
MATCHER_P(HasSeq, seq, "seq " + std::to_string(seq)) { return arg.h.seq == seq; }
MATCHER_P(HasAck, ack, "ack " + std::to_string(ack)) { return arg.h.ack == ack; }
MATCHER_P(HasWindow, w, "window " + std::to_string(w)) { return arg.h.window == w; }
MATCHER_P(HasPayload, p, "payload \"" + std::string(p) + "\"") { return arg.payload == p; }
MATCHER_P(HasLen, n, "payload length " + std::to_string(n)) { return arg.payload.size() == n; }

/// Captures everything the layer sends.
class FakeIpv4Output final : public net::Ipv4Output {
 public:
  Result<void> send_ipv4(wire::Ipv4Address src, wire::Ipv4Address dst, net::IpProtocol,
                         Bytes payload, const net::Ipv4SendOptions& options) override {
    all_dont_fragment = all_dont_fragment && options.dont_fragment;
    const auto parsed = wire::parse_tcp(payload, src, dst);
    EXPECT_EQ(parsed.status, wire::TcpParseStatus::Ok) << "layer sent a bad segment";
    sent.push_back(OutSegment{src, dst, parsed.header,
                              std::string(parsed.payload.begin(), parsed.payload.end()),
                              options.segment_size, options.ecn});
    return {};
  }
  std::size_t path_mtu(wire::Ipv4Address) const override { return mtu; }
  std::size_t link_mtu() const override { return link; }
  void note_path_mtu(wire::Ipv4Address, std::size_t m) override { mtu = std::max<std::size_t>(m, 576); }
  wire::Ipv4Address local_address() const override { return kLocal; }
  bool is_local_address(wire::Ipv4Address a) const override { return a == kLocal; }

  std::deque<OutSegment> sent;
  std::size_t mtu = 1500;   // toward the peer
  std::size_t link = 1500;  // the interface's
  bool all_dont_fragment = true;
};

/// Records trace events.
class RecordingTrace final : public TraceSink {
 public:
  void on_trace(const TraceEvent& e) override { events.push_back(e); }
  std::vector<TraceEvent> events;
};

/// Fields of an incoming segment (remote → local) with test defaults.
struct SegSpec {
  std::uint8_t flags = wire::tcp_flags::Ack;
  std::uint32_t seq = 0;
  std::uint32_t ack = 0;
  std::uint16_t window = 65535;
  std::string payload;
  wire::TcpOptions options;
  std::uint16_t src_port = kRemotePort;
  std::uint16_t dst_port = kLocalPort;
  net::Ecn ecn = net::Ecn::NotEct;  // the IPv4 ECN field it arrives with
};

class TcpHarness {
 public:
  explicit TcpHarness(TcpSettings s = {}, std::uint64_t seed = 1)
      : rng(seed), settings(s), layer(ip, rng, events, settings, &trace) {}

  void in(const SegSpec& spec) {
    wire::TcpHeader h;
    h.src_port = spec.src_port;
    h.dst_port = spec.dst_port;
    h.seq = spec.seq;
    h.ack = spec.ack;
    h.flags = spec.flags;
    h.window = spec.window;
    h.options = spec.options;
    const Bytes payload(reinterpret_cast<const std::uint8_t*>(spec.payload.data()),
                        spec.payload.size());
    const auto bytes = wire::build_tcp(kRemote, kLocal, h, payload);
    net::Ipv4PacketInfo info;
    info.src = kRemote;
    info.dst = kLocal;
    info.ttl = 64;
    info.tos = static_cast<std::uint8_t>(spec.ecn);
    (void)layer.on_ipv4_packet(info, bytes, now);
  }

  /// The oldest captured segment (fails the test if there is none).
  OutSegment out() {
    if (ip.sent.empty()) {
      ADD_FAILURE() << "expected a segment, none was sent";
      return {};
    }
    OutSegment s = ip.sent.front();
    ip.sent.pop_front();
    return s;
  }
  void expect_quiet() {
    EXPECT_TRUE(ip.sent.empty()) << "unexpected segment " << (ip.sent.empty() ? OutSegment{} : ip.sent.front());
  }
  /// Moves the clock forward, firing due timers on the way.
  void advance(Duration d) {
    const Instant end = now + d;
    while (layer.next_deadline() <= end) {
      now = std::max(now, layer.next_deadline());
      layer.poll(now);
    }
    now = end;
  }
  std::vector<SocketEvent> drain() { return events.drain(); }
  bool has_event(SocketId id, SocketEventKind kind, Errc error = Errc::Ok) {
    for (const auto& e : events.drain()) {
      if (e.id == id && e.kind == kind && e.error == error) return true;
    }
    return false;
  }

  /// Active open to kRemote:kRemotePort, completed with a SYN-ACK (IRS = irs).
  /// Returns the socket; iss holds our ISS afterwards. SACK only if peer_sack.
  SocketId established_client(std::uint32_t irs = 1000, std::optional<std::uint8_t> peer_ws = 7,
                              std::uint16_t peer_mss = 1460, bool peer_sack = false) {
    const SocketId id = *layer.open();
    EXPECT_TRUE(layer.bind(id, kLocal, kLocalPort).ok());
    EXPECT_TRUE(layer.connect(id, kRemote, kRemotePort, now).ok());
    const OutSegment syn = out();
    iss = syn.h.seq;
    SegSpec synack{.flags = wire::tcp_flags::Syn | wire::tcp_flags::Ack, .seq = irs, .ack = iss + 1};
    synack.options.mss = peer_mss;
    synack.options.window_scale = peer_ws;
    synack.options.sack_permitted = peer_sack;
    in(synack);
    out();  // the handshake ACK
    (void)drain();
    return id;
  }

  /// Passive open on kLocalPort: SYN in, SYN-ACK out, ACK in, accepted.
  SocketId established_server(std::uint32_t irs = 5000, std::optional<std::uint8_t> peer_ws = 7) {
    listener = *layer.open();
    EXPECT_TRUE(layer.bind(listener, kLocal, kLocalPort).ok());
    EXPECT_TRUE(layer.listen(listener, 8).ok());
    SegSpec syn{.flags = wire::tcp_flags::Syn, .seq = irs};
    syn.options.mss = 1460;
    syn.options.window_scale = peer_ws;
    in(syn);
    iss = out().h.seq;
    in({.seq = irs + 1, .ack = iss + 1});
    (void)drain();
    auto id = layer.accept(listener);
    EXPECT_TRUE(id.ok());
    return id.ok() ? *id : SocketId{};
  }

  std::string read_all(SocketId id) {
    std::string s;
    std::uint8_t buf[4096];
    for (;;) {
      auto r = layer.recv(id, buf, now);
      if (!r.ok() || *r == 0) break;
      s.append(reinterpret_cast<const char*>(buf), *r);
    }
    return s;
  }
  Result<std::size_t> write(SocketId id, const std::string& s) {
    return layer.send(id, Bytes(reinterpret_cast<const std::uint8_t*>(s.data()), s.size()), now);
  }
  TcpState state(SocketId id) { return layer.info(id)->state; }
  /// Changes one socket's options as setsockopt does: read, change, set.
  template <typename Fn>
  bool set_option(SocketId id, Fn&& change) {
    auto o = layer.options(id);
    if (!o.ok()) return false;
    change(*o);
    return layer.set_options(id, *o, now).ok();
  }

  FakeIpv4Output ip;
  SeededRng rng;
  EventQueue events;
  TcpSettings settings;
  RecordingTrace trace;
  TcpLayer layer;
  Instant now{};
  std::uint32_t iss = 0;
  SocketId listener;
};

}  // namespace tapstack::tcp::testing
