#pragma once
// Two TcpLayers joined by a simulated link, on virtual time. Each host's
// Ipv4Output hands the TCP payload to the link, which is the impairment model
// the daemon uses (A plays the stack: A→B is FromStack, B→A is ToStack); the
// model delivers it to the other layer when it is due. A TCP super-segment
// (TcpSettings::segmentation_offload) is cut first, by the stack's own
// segmenter, as a link with segmentation offload would. run_until()
// advances time event by event and calls a step callback after each one so
// tests can drive their applications. The link carries no IPv4 header, so
// a segment's ECN field rides across it in two reserved bits of its TCP
// header, cleared again on delivery; `ce_mark` makes the link mark that
// share of a direction's ECT packets CE, as an AQM would instead of dropping.
#include <array>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <vector>

#include "sim/sim_link.hpp"
#include "stack/base/rng.hpp"
#include "stack/events.hpp"
#include "stack/link/tcp_segmenter.hpp"
#include "stack/net/transport.hpp"
#include "stack/tcp/tcp_layer.hpp"
#include "stack/wire/ipv4.hpp"

namespace tapstack::sim {

class SimNetwork;

/// One host: address, a TcpLayer and its event queue.
class SimHost final : public net::Ipv4Output {
 public:
  SimHost(SimNetwork& net, int index, wire::Ipv4Address addr, const tcp::TcpSettings& settings,
          std::uint64_t seed, TraceSink* trace)
      : net_(net), index_(index), addr_(addr), rng_(seed),
        layer_(*this, rng_, events_, settings, trace) {}

  Result<void> send_ipv4(wire::Ipv4Address src, wire::Ipv4Address dst, net::IpProtocol,
                         Bytes payload, const net::Ipv4SendOptions& options) override;
  std::size_t path_mtu(wire::Ipv4Address) const override { return mtu; }
  std::size_t link_mtu() const override { return link; }
  void note_path_mtu(wire::Ipv4Address, std::size_t m) override { mtu = std::max<std::size_t>(m, 576); }
  wire::Ipv4Address local_address() const override { return addr_; }
  bool is_local_address(wire::Ipv4Address a) const override { return a == addr_; }

  tcp::TcpLayer& tcp() { return layer_; }
  EventQueue& events() { return events_; }
  wire::Ipv4Address addr() const { return addr_; }

  std::size_t mtu = 1500;   // toward the peer
  std::size_t link = 1500;  // the interface's
  std::uint64_t packets_sent = 0;

 private:
  SimNetwork& net_;
  int index_;
  wire::Ipv4Address addr_;
  SeededRng rng_;
  EventQueue events_;
  tcp::TcpLayer layer_;
};

class SimNetwork {
 public:
  SimNetwork(const LinkConfig& a_to_b, const LinkConfig& b_to_a, const tcp::TcpSettings& settings,
             std::uint64_t seed, TraceSink* trace = nullptr)
      : to_a_(*this, 0), to_b_(*this, 1), ce_rng_(seed * 4 + 2),
        link_(to_a_, to_b_, tapstack::link::Framing::Tcp, seed * 4 + 1) {
    link_.configure(LinkDirection::FromStack, to_impairment(a_to_b));
    link_.configure(LinkDirection::ToStack, to_impairment(b_to_a));
    hosts_.push_back(std::make_unique<SimHost>(*this, 0, wire::Ipv4Address{10, 0, 0, 1}, settings,
                                               seed * 4 + 3, trace));
    hosts_.push_back(std::make_unique<SimHost>(*this, 1, wire::Ipv4Address{10, 0, 0, 2}, settings,
                                               seed * 4 + 4, trace));
  }

  SimHost& a() { return *hosts_[0]; }
  SimHost& b() { return *hosts_[1]; }
  Instant now() const { return now_; }
  /// What the link did to the packets host `from` sent.
  const LinkCounters& link(int from) const { return link_.counters(direction_from(from)); }
  /// The link itself, for one-shot faults and run-time changes.
  LinkImpairment& impairment() { return link_; }

  void enqueue(int from, Bytes payload, net::Ecn ecn) {
    const bool ect = ecn == net::Ecn::Ect0 || ecn == net::Ecn::Ect1;
    const auto side = static_cast<std::size_t>(from);
    if (ect && ce_rng_.chance(ce_mark[side])) {
      ecn = net::Ecn::Ce;
      ++ce_marked[side];
    }
    std::vector<std::uint8_t> carried(payload.begin(), payload.end());
    if (carried.size() > 12) carried[12] |= static_cast<std::uint8_t>(static_cast<unsigned>(ecn) << 1);
    link_.submit(direction_from(from), carried, now_);
  }
  /// Per sending host: the share of its ECT packets marked CE, and how many were.
  std::array<double, 2> ce_mark{};
  std::array<std::uint64_t, 2> ce_marked{};

  /// Runs events until `done()` is true or virtual time passes `limit`.
  /// `step` runs after every event (packet delivery or timer round).
  /// Returns true if done() became true.
  bool run_until(Instant limit, const std::function<bool()>& done, const std::function<void()>& step) {
    step();
    while (!done()) {
      Instant next = std::min(a().tcp().next_deadline(), b().tcp().next_deadline());
      next = std::min(next, link_.next_deadline());
      if (next == Instant::max() || next > limit) return false;
      now_ = std::max(now_, next);
      if (link_.next_deadline() <= now_) {
        link_.poll(now_);
      } else {
        a().tcp().poll(now_);
        b().tcp().poll(now_);
      }
      step();
    }
    return true;
  }

 private:
  /// Hands what the link releases to one host's TCP.
  class Delivery final : public FrameSink {
   public:
    Delivery(SimNetwork& net, int to) : net_(net), to_(to) {}
    void transmit(Bytes segment) override { net_.deliver(to_, segment); }

   private:
    SimNetwork& net_;
    int to_;
  };

  static LinkDirection direction_from(int from) {
    return from == 0 ? LinkDirection::FromStack : LinkDirection::ToStack;
  }

  void deliver(int to_index, Bytes segment) {
    SimHost& to = *hosts_[static_cast<std::size_t>(to_index)];
    SimHost& from = *hosts_[static_cast<std::size_t>(1 - to_index)];
    std::vector<std::uint8_t> carried(segment.begin(), segment.end());
    net::Ipv4PacketInfo info;
    if (carried.size() > 12) {
      info.tos = static_cast<std::uint8_t>((carried[12] >> 1) & 3);
      carried[12] &= 0xf9;
    }
    info.src = from.addr();
    info.dst = to.addr();
    info.ttl = 64;
    (void)to.tcp().on_ipv4_packet(info, carried, now_);
  }

  std::vector<std::unique_ptr<SimHost>> hosts_;
  Delivery to_a_, to_b_;
  SeededRng ce_rng_;
  LinkImpairment link_;
  Instant now_{};
};

inline Result<void> SimHost::send_ipv4(wire::Ipv4Address src, wire::Ipv4Address dst,
                                       net::IpProtocol, Bytes payload,
                                       const net::Ipv4SendOptions& options) {
  if (options.segment_size == 0) {
    ++packets_sent;
    net_.enqueue(index_, payload, options.ecn);
    return {};
  }
  // The segmenter works on Ethernet frames: wrap, cut, unwrap.
  constexpr std::size_t kHeaders = 14 + wire::Ipv4Header::wire_size();
  std::vector<std::uint8_t> frame(kHeaders + payload.size());
  store_be16(frame, 12, 0x0800);
  wire::Ipv4Header ip;
  ip.protocol = 6;
  ip.source = src;
  ip.destination = dst;
  ip.payload_length = static_cast<std::uint16_t>(payload.size());
  ip.emit(MutableBytes(frame).subspan(14));
  std::copy(payload.begin(), payload.end(), frame.begin() + kHeaders);
  link::segment_tcp_frame(frame, options.segment_size, [&](Bytes piece) {
    ++packets_sent;
    net_.enqueue(index_, piece.subspan(kHeaders), options.ecn);
  });
  return {};
}

}  // namespace tapstack::sim
