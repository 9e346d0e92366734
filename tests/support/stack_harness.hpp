#pragma once
// Test support for the stack core: a capturing frame sink, a fake transport,
// frame builders and decoders, and StackHarness: a Stack with a manual clock
// and a seeded RNG, so each test drives it one frame or one tick at a time.
#include <gtest/gtest.h>

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "stack/base/bytes.hpp"
#include "stack/base/rng.hpp"
#include "stack/base/time.hpp"
#include "stack/link/frame_sink.hpp"
#include "stack/net/transport.hpp"
#include "stack/stack.hpp"
#include "stack/wire/address.hpp"
#include "stack/wire/arp.hpp"
#include "stack/wire/checksum.hpp"
#include "stack/wire/ethernet.hpp"
#include "stack/wire/icmp.hpp"
#include "stack/wire/ipv4.hpp"
#include "stack/wire/tcp.hpp"

namespace tapstack::test {

using Buffer = std::vector<std::uint8_t>;

inline constexpr wire::MacAddress kStackMac{{0x02, 0x00, 0x00, 0x00, 0x00, 0x02}};
inline constexpr wire::MacAddress kPeerMac{{0x02, 0x00, 0x00, 0x00, 0x00, 0x01}};
inline constexpr wire::MacAddress kGatewayMac{{0x02, 0x00, 0x00, 0x00, 0x00, 0xfe}};
inline constexpr wire::Ipv4Address kStackIp{10, 0, 0, 2};
inline constexpr wire::Ipv4Address kPeerIp{10, 0, 0, 1};
inline constexpr wire::Ipv4Address kGatewayIp{10, 0, 0, 254};
inline constexpr wire::Ipv4Address kRemoteIp{192, 0, 2, 7};
inline constexpr std::uint8_t kProtoIcmp = 1;
inline constexpr std::uint8_t kProtoTcp = 6;
inline constexpr std::uint8_t kProtoUdp = 17;

/// Keeps a copy of every transmitted frame. Super-frames (segmentation
/// offload) are kept whole in `super_frames` and cut into `frames` as the
/// link would.
class CapturingSink final : public FrameSink {
 public:
  struct SuperFrame {
    Buffer frame;
    std::uint16_t segment_size = 0;
  };
  void transmit(Bytes frame) override { frames.emplace_back(frame.begin(), frame.end()); }
  void transmit_segmented(Bytes frame, std::uint16_t segment_size) override {
    super_frames.push_back({Buffer(frame.begin(), frame.end()), segment_size});
    FrameSink::transmit_segmented(frame, segment_size);
  }
  std::vector<Buffer> take() { return std::exchange(frames, {}); }
  std::vector<Buffer> frames;
  std::vector<SuperFrame> super_frames;
};

/// A transport that records what it is given and answers `delivery`.
class FakeTransport final : public net::TransportProtocol {
 public:
  struct Packet {
    net::Ipv4PacketInfo info;
    Buffer payload;
  };
  struct Error {
    net::IcmpErrorInfo info;
    Buffer transport_header;  // a copy: info.transport_header dies with the call
  };
  Delivery on_ipv4_packet(const net::Ipv4PacketInfo& info, Bytes payload, Instant) override {
    packets.push_back({info, Buffer(payload.begin(), payload.end())});
    return delivery;
  }
  void on_icmp_error(const net::IcmpErrorInfo& error, Instant) override {
    errors.push_back({error, Buffer(error.transport_header.begin(), error.transport_header.end())});
  }
  void poll(Instant) override {}
  Instant next_deadline() const override { return Instant::max(); }

  Delivery delivery = Delivery::Delivered;
  std::vector<Packet> packets;
  std::vector<Error> errors;
};

/// 10.0.0.2/24, gateway 10.0.0.254, MTU 1500, default settings.
inline StackConfig default_config() {
  StackConfig c;
  c.mac = kStackMac;
  c.address = wire::Ipv4Cidr{kStackIp, 24};
  c.gateway = kGatewayIp;
  return c;
}

inline Buffer ethernet_frame(const wire::MacAddress& dst, const wire::MacAddress& src,
                             std::uint16_t type, Bytes payload) {
  Buffer frame(wire::kEthernetHeaderSize);
  wire::EthernetHeader{dst, src, type}.emit(frame);
  frame.insert(frame.end(), payload.begin(), payload.end());
  return frame;
}

/// What ipv4_packet() builds; every field has a sensible default.
struct Ipv4Spec {
  wire::Ipv4Address src = kPeerIp;
  wire::Ipv4Address dst = kStackIp;
  std::uint8_t protocol = kProtoUdp;
  std::uint8_t ttl = 64;
  std::uint8_t tos = 0;
  std::uint16_t id = 0x1234;
  bool df = false;
  bool mf = false;
  std::uint16_t offset = 0;  // bytes
  Buffer options{};          // a multiple of 4 bytes
};

inline Buffer ipv4_packet(const Ipv4Spec& s, Bytes payload) {
  const std::size_t ihl = 20 + s.options.size();
  Buffer p(ihl);
  p[0] = static_cast<std::uint8_t>(0x40 | (ihl / 4));
  p[1] = s.tos;
  store_be16(p, 2, static_cast<std::uint16_t>(ihl + payload.size()));
  store_be16(p, 4, s.id);
  store_be16(p, 6, static_cast<std::uint16_t>((s.df ? 0x4000 : 0) | (s.mf ? 0x2000 : 0) | (s.offset / 8)));
  p[8] = s.ttl;
  p[9] = s.protocol;
  store_be32(p, 12, s.src.value());
  store_be32(p, 16, s.dst.value());
  std::copy(s.options.begin(), s.options.end(), p.begin() + 20);
  store_be16(p, 10, wire::internet_checksum(p));
  p.insert(p.end(), payload.begin(), payload.end());
  return p;
}

inline Buffer ipv4_frame(const Ipv4Spec& s, Bytes payload, const wire::MacAddress& dst = kStackMac,
                         const wire::MacAddress& src = kPeerMac) {
  const auto packet = ipv4_packet(s, payload);
  return ethernet_frame(dst, src, 0x0800, packet);
}

inline Buffer icmp_message(std::uint8_t type, std::uint8_t code, std::uint32_t rest, Bytes body) {
  Buffer m(wire::kIcmpHeaderSize);
  m.insert(m.end(), body.begin(), body.end());
  wire::IcmpHeader{type, code, rest}.emit(m);
  return m;
}

inline Buffer icmp_echo(wire::IcmpType type, std::uint16_t ident, std::uint16_t seq, Bytes data) {
  return icmp_message(static_cast<std::uint8_t>(type), 0, (std::uint32_t{ident} << 16) | seq, data);
}

inline Buffer arp_frame(const wire::ArpPacket& p, const wire::MacAddress& eth_dst) {
  Buffer body(wire::kArpPacketSize);
  p.emit(body);
  return ethernet_frame(eth_dst, p.sender_mac, 0x0806, body);
}

/// A TCP header of a peer's segment, its window fully open.
inline wire::TcpHeader peer_tcp_header(std::uint16_t src_port, std::uint16_t dst_port,
                                       std::uint8_t flags, std::uint32_t seq, std::uint32_t ack) {
  wire::TcpHeader t;
  t.src_port = src_port;
  t.dst_port = dst_port;
  t.seq = seq;
  t.ack = ack;
  t.flags = flags;
  t.window = 65535;
  return t;
}

inline Buffer pattern(std::size_t size, std::uint8_t seed = 0) {
  Buffer b(size);
  for (std::size_t i = 0; i < size; ++i) b[i] = static_cast<std::uint8_t>(i * 31 + seed);
  return b;
}

/// A transmitted IPv4 frame, decoded for assertions.
struct SentIpv4 {
  wire::EthernetHeader eth;
  wire::Ipv4Header ip;
  Buffer payload;
};

inline std::optional<SentIpv4> decode_ipv4_frame(Bytes frame) {
  const auto eth = wire::EthernetView::parse(frame);
  if (!eth || eth->ether_type() != 0x0800) return std::nullopt;
  const auto ip = wire::Ipv4View::parse(eth->payload());
  if (!ip || !ip->checksum_valid()) return std::nullopt;
  return SentIpv4{wire::EthernetHeader::decode(*eth), wire::Ipv4Header::decode(*ip),
                  Buffer(ip->payload().begin(), ip->payload().end())};
}

inline std::optional<wire::ArpPacket> decode_arp_frame(Bytes frame) {
  const auto eth = wire::EthernetView::parse(frame);
  if (!eth || eth->ether_type() != 0x0806) return std::nullopt;
  const auto arp = wire::ArpView::parse(eth->payload());
  return arp ? wire::ArpPacket::decode(*arp) : std::nullopt;
}

/// One of Stack::counters() by name ("reasm.dropped_timeout").
inline std::uint64_t stack_counter(const Stack& stack, std::string_view name) {
  for (const auto& [n, v] : stack.counters()) {
    if (n == name) return v;
  }
  ADD_FAILURE() << "no counter " << name;
  return 0;
}

/// Keeps every trace event the stack emits.
class TraceRecorder final : public TraceSink {
 public:
  void on_trace(const TraceEvent& e) override { events.push_back(e); }
  std::vector<TraceEvent> events;
};

/// A Stack with a manual clock, a seeded RNG, a capturing sink and a trace recorder.
class StackHarness {
 public:
  explicit StackHarness(const StackConfig& config = default_config(), std::uint64_t seed = 1)
      : rng(seed), stack(config, sink, rng, &trace) {
    stack.poll(now);  // tells the stack the time, as the daemon does before any send
  }

  void receive(Bytes frame) { stack.receive(frame, now); }
  /// Moves the clock forward and runs due timers.
  void advance(Duration d) {
    now += d;
    stack.poll(now);
  }
  std::vector<Buffer> take_frames() { return sink.take(); }

  /// Makes `ip` known as `mac` through an ARP request to us; drops our reply.
  void learn(wire::Ipv4Address ip, const wire::MacAddress& mac) {
    receive(arp_frame({wire::ArpOperation::Request, mac, ip, wire::MacAddress{}, kStackIp},
                      wire::MacAddress::broadcast()));
    sink.frames.clear();
  }

  std::uint64_t counter(std::string_view name) const { return stack_counter(stack, name); }

  SeededRng rng;
  CapturingSink sink;
  TraceRecorder trace;
  Instant now{std::chrono::seconds{1000}};
  Stack stack;
};

}  // namespace tapstack::test
