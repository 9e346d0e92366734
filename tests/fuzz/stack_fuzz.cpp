// libFuzzer harness: a whole Stack as a hostile host on the link sees it.
// Every service is on, and there are a listener, an established connection
// with data in flight, a connect that is never answered, a bound UDP socket
// and a DNS lookup pending. The input drives raw frames, TCP segments whose
// sequence and ACK numbers are relative to the established connection (so
// they land in its windows), segments to the listening ports, DNS answers
// with the pending query's id, clock steps, and the application's reads,
// writes and closes. The first byte picks the settings.
#include <algorithm>
#include <cstddef>
#include <cstdint>

#include "fuzz/fuzz_input.hpp"
#include "stack/wire/udp.hpp"
#include "support/stack_harness.hpp"

namespace tapstack::test {
namespace {

constexpr std::uint16_t kPeerServerPort = 9000;  // where the stack connected
constexpr std::uint16_t kListenPort = 8080;
constexpr std::uint16_t kUdpPort = 5353;
constexpr std::uint16_t kServicePorts[] = {kListenPort, 7, 9, 13, 19};

/// The id, or `fallback` when the call failed.
SocketId or_else(const Result<SocketId>& id, SocketId fallback = {}) { return id ? *id : fallback; }

/// `base` moved by a signed 16-bit step, wrapping as sequence numbers do.
std::uint32_t near(std::uint32_t base, std::uint16_t step) {
  return base + static_cast<std::uint32_t>(static_cast<std::int32_t>(static_cast<std::int16_t>(step)));
}

StackConfig settings_variant(std::uint8_t bits) {
  StackConfig c = default_config();
  c.services = {.echo = true, .discard = true, .daytime = true, .chargen = true, .udp_echo = true};
  c.daytime_text = [] { return std::string("Sunday, December 6, 2026 15:00:00-UTC\r\n"); };
  c.dns.servers = {{kPeerIp}};
  c.tcp.sack = (bits & 1) != 0;
  c.tcp.window_scaling = (bits & 2) != 0;
  c.tcp.syn_cookies = (bits & 4) != 0;
  if ((bits & 8) != 0) c.tcp.send_buffer = c.tcp.recv_buffer = 4096;
  c.tcp.delayed_ack = (bits & 16) != 0;
  if ((bits & 32) != 0) c.tcp.syn_backlog = 1;  // the second SYN already gets a cookie
  if ((bits & 64) != 0) c.tcp.segmentation_offload = 65535;
  return c;
}

class StackFuzz {
 public:
  explicit StackFuzz(std::uint8_t settings) : h_(settings_variant(settings)) {
    (void)h_.stack.start(h_.now);
    h_.learn(kPeerIp, kPeerMac);
    listener_ = open_listener();
    establish();
    connecting_ = or_else(tcp().open());
    (void)tcp().connect(connecting_, kPeerIp, kPeerServerPort + 1, h_.now);
    udp_ = or_else(h_.stack.udp().open());
    (void)h_.stack.udp().bind(udp_, wire::Ipv4Address::any(), kUdpPort);
    (void)h_.stack.resolver().resolve("pending.example", h_.now);
    settle();
  }

  void step(FuzzInput& in) {
    switch (in.u8() % 7) {
      case 0: raw_frame(in); break;
      case 1: connection_segment(in); break;
      case 2: service_segment(in); break;
      case 3: complete_handshake(); break;
      case 4: dns_answer(in); break;
      case 5: h_.advance(std::chrono::microseconds{std::int64_t{1} << (in.u8() % 28)}); break;
      default: application(in); break;
    }
    settle();
  }

 private:
  tcp::TcpLayer& tcp() { return h_.stack.tcp(); }

  SocketId open_listener() {
    const auto id = tcp().open();
    if (!id) return {};
    (void)tcp().bind(*id, wire::Ipv4Address::any(), kListenPort);
    (void)tcp().listen(*id, 8);
    return *id;
  }

  // The stack connects to the peer; the peer answers SYN-ACK with every
  // option, and the stack sends 3000 bytes that stay in flight.
  void establish() {
    client_ = or_else(tcp().open());
    (void)tcp().connect(client_, kPeerIp, kPeerServerPort, h_.now);
    settle();
    wire::TcpHeader syn_ack = peer_tcp_header(kPeerServerPort, client_port_, 0x12, 1000, stack_next_);
    syn_ack.options.mss = 1460;
    syn_ack.options.window_scale = 7;
    syn_ack.options.sack_permitted = true;
    send_tcp(syn_ack, {});
    peer_next_ = 1001;
    settle();
    (void)tcp().send(client_, pattern(3000), h_.now);
  }

  void send_tcp(const wire::TcpHeader& header, Bytes payload) {
    const auto segment = wire::build_tcp(kPeerIp, kStackIp, header, payload);
    h_.receive(ipv4_frame({.protocol = kProtoTcp}, segment));
  }

  void raw_frame(FuzzInput& in) {
    const auto frame = in.bytes(in.u16() % 1600);
    h_.receive(frame);
  }

  static wire::TcpOptions options_from(FuzzInput& in, std::uint32_t sack_base) {
    wire::TcpOptions o;
    const std::uint8_t bits = in.u8();
    if ((bits & 1) != 0) o.mss = in.u16();
    if ((bits & 2) != 0) o.window_scale = static_cast<std::uint8_t>(in.u8() % 15);
    o.sack_permitted = (bits & 4) != 0;
    if ((bits & 8) != 0) {
      o.sack_count = static_cast<std::uint8_t>(1 + in.u8() % 3);
      for (std::uint8_t i = 0; i < o.sack_count; ++i) {
        const std::uint32_t left = near(sack_base, in.u16());
        o.sack[i] = {left, left + in.u16() % 4096};
      }
    }
    return o;
  }

  // A segment of the established connection, its numbers near the windows.
  void connection_segment(FuzzInput& in) {
    auto header = peer_tcp_header(kPeerServerPort, client_port_, in.u8(),
                                  near(peer_next_, in.u16()), near(stack_next_, in.u16()));
    header.window = in.u16();
    header.options = options_from(in, stack_next_);
    const auto payload = pattern(std::size_t{in.u8()} * 8, in.u8());
    send_tcp(header, payload);
    if (header.seq == peer_next_ && (header.flags & 0x04) == 0) {
      peer_next_ += static_cast<std::uint32_t>(payload.size()) + ((header.flags & 0x01) != 0 ? 1 : 0);
    }
  }

  // A segment from another peer port to a listening service.
  void service_segment(FuzzInput& in) {
    const std::uint16_t port = kServicePorts[in.u8() % std::size(kServicePorts)];
    peer_port_ = static_cast<std::uint16_t>(41000 + in.u8() % 16);
    auto header = peer_tcp_header(peer_port_, port, in.u8(), in.u32(), in.u32());
    header.options = options_from(in, 0);
    send_tcp(header, pattern(in.u8(), in.u8()));
  }

  // ACKs the last SYN-ACK the stack sent to a peer port: connections (and
  // SYN cookies) reach ESTABLISHED and the accept queue.
  void complete_handshake() {
    if (!last_syn_ack_) return;
    const auto& s = *last_syn_ack_;
    send_tcp(peer_tcp_header(s.dst_port, s.src_port, 0x10, s.ack, s.seq + 1), {});
    last_syn_ack_.reset();
  }

  void dns_answer(FuzzInput& in) {
    if (!dns_port_) return;
    Buffer message = {static_cast<std::uint8_t>(dns_id_ >> 8), static_cast<std::uint8_t>(dns_id_)};
    const auto rest = in.bytes(in.u8() * 2u);
    message.insert(message.end(), rest.begin(), rest.end());
    const auto datagram = wire::build_udp(kPeerIp, kStackIp, 53, dns_port_, message);
    h_.receive(ipv4_frame({.protocol = kProtoUdp}, datagram));
  }

  void application(FuzzInput& in) {
    std::uint8_t buffer[4096];
    const SocketId socket = in.u8() % 4 == 0 ? accepted_ : client_;
    switch (in.u8() % 7) {
      case 0: (void)tcp().recv(socket, MutableBytes(buffer, in.u16() % sizeof buffer), h_.now); break;
      case 1: (void)tcp().send(socket, pattern(in.u16() % 70000), h_.now); break;
      case 2: (void)tcp().shutdown_send(socket, h_.now); break;
      case 3: (void)tcp().close(socket, h_.now); break;
      case 4: accepted_ = or_else(tcp().accept(listener_), accepted_); break;
      case 5: (void)h_.stack.udp().recv_from(udp_); break;
      default:
        (void)h_.stack.udp().send_to(udp_, kPeerIp, in.u16(), pattern(in.u16() % 9000));
        break;
    }
  }

  // Reads what the stack sent: the connection's highest sequence number, the
  // last SYN-ACK to a peer port, the last DNS query. Then drops the frames.
  void settle() {
    (void)h_.stack.drain_events(h_.now);
    for (const auto& frame : h_.take_frames()) {
      const auto ip = decode_ipv4_frame(frame);
      if (!ip) continue;
      if (ip->ip.protocol == kProtoTcp) {
        note_tcp(ip->payload);
      } else if (ip->ip.protocol == kProtoUdp && ip->payload.size() >= 10 &&
                 load_be16(ip->payload, 2) == 53) {
        dns_port_ = load_be16(ip->payload, 0);
        dns_id_ = load_be16(ip->payload, 8);
      }
    }
  }

  void note_tcp(const Buffer& segment) {
    const auto parsed = wire::parse_tcp(segment, kStackIp, kPeerIp, false);
    if (parsed.status != wire::TcpParseStatus::Ok) return;
    const auto& t = parsed.header;
    if (t.dst_port == kPeerServerPort) {
      client_port_ = t.src_port;
      const auto end = t.seq + static_cast<std::uint32_t>(parsed.payload.size()) +
                       ((t.flags & 0x03) != 0 ? 1 : 0);
      if (static_cast<std::int32_t>(end - stack_next_) > 0 || stack_next_ == 0) stack_next_ = end;
    } else if ((t.flags & 0x12) == 0x12) {
      last_syn_ack_ = t;
    }
  }

  StackHarness h_;
  SocketId listener_, client_, connecting_, accepted_, udp_;
  std::uint16_t client_port_ = 0;
  std::uint16_t peer_port_ = 41000;
  std::uint32_t peer_next_ = 0;   // the peer's next sequence number on the connection
  std::uint32_t stack_next_ = 0;  // the stack's highest sequence number sent + 1
  std::optional<wire::TcpHeader> last_syn_ack_;
  std::uint16_t dns_port_ = 0, dns_id_ = 0;
};

}  // namespace
}  // namespace tapstack::test

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  tapstack::test::FuzzInput in(data, size);
  tapstack::test::StackFuzz fuzz(in.u8());
  for (int ops = 0; ops < 256 && !in.empty(); ++ops) fuzz.step(in);
  return 0;
}
