#pragma once
// Two TcpLayers joined by a SimLink in each direction, on virtual time. Each
// host's Ipv4Output hands the TCP payload to its outgoing link; the network
// delivers it to the other layer when the link says it arrives. run_until()
// advances time event by event and calls a step callback after each one so
// tests can drive their applications.
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <queue>
#include <tuple>
#include <vector>

#include "sim/sim_link.hpp"
#include "stack/base/rng.hpp"
#include "stack/events.hpp"
#include "stack/net/transport.hpp"
#include "stack/tcp/tcp_layer.hpp"

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
                         Bytes payload, const net::Ipv4SendOptions&) override;
  std::size_t path_mtu(wire::Ipv4Address) const override { return mtu; }
  void note_path_mtu(wire::Ipv4Address, std::size_t m) override { mtu = std::max<std::size_t>(m, 576); }
  wire::Ipv4Address local_address() const override { return addr_; }
  bool is_local_address(wire::Ipv4Address a) const override { return a == addr_; }

  tcp::TcpLayer& tcp() { return layer_; }
  EventQueue& events() { return events_; }
  wire::Ipv4Address addr() const { return addr_; }

  std::size_t mtu = 1500;
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
      : links_{SimLink(a_to_b, seed * 4 + 1), SimLink(b_to_a, seed * 4 + 2)} {
    hosts_.push_back(std::make_unique<SimHost>(*this, 0, wire::Ipv4Address{10, 0, 0, 1}, settings,
                                               seed * 4 + 3, trace));
    hosts_.push_back(std::make_unique<SimHost>(*this, 1, wire::Ipv4Address{10, 0, 0, 2}, settings,
                                               seed * 4 + 4, trace));
  }

  SimHost& a() { return *hosts_[0]; }
  SimHost& b() { return *hosts_[1]; }
  Instant now() const { return now_; }
  const SimLink& link(int from) const { return links_[static_cast<std::size_t>(from)]; }

  void enqueue(int from, Bytes payload) {
    for (const Instant at : links_[static_cast<std::size_t>(from)].transmit(now_, payload.size())) {
      in_flight_.push(Packet{at, next_seq_++, 1 - from,
                             std::vector<std::uint8_t>(payload.begin(), payload.end())});
    }
  }

  /// Runs events until `done()` is true or virtual time passes `limit`.
  /// `step` runs after every event (packet delivery or timer round).
  /// Returns true if done() became true.
  bool run_until(Instant limit, const std::function<bool()>& done, const std::function<void()>& step) {
    step();
    while (!done()) {
      Instant next = std::min(a().tcp().next_deadline(), b().tcp().next_deadline());
      if (!in_flight_.empty()) next = std::min(next, in_flight_.top().at);
      if (next == Instant::max() || next > limit) return false;
      now_ = std::max(now_, next);
      if (!in_flight_.empty() && in_flight_.top().at <= now_) {
        // Moving out of top() is safe: the heap order depends only on at/seq.
        Packet p = std::move(const_cast<Packet&>(in_flight_.top()));
        in_flight_.pop();
        SimHost& to = *hosts_[static_cast<std::size_t>(p.to)];
        SimHost& from = *hosts_[static_cast<std::size_t>(1 - p.to)];
        net::Ipv4PacketInfo info;
        info.src = from.addr();
        info.dst = to.addr();
        info.ttl = 64;
        (void)to.tcp().on_ipv4_packet(info, p.bytes, now_);
      } else {
        a().tcp().poll(now_);
        b().tcp().poll(now_);
      }
      step();
    }
    return true;
  }

 private:
  struct Packet {
    Instant at;
    std::uint64_t seq;
    int to;
    std::vector<std::uint8_t> bytes;
    bool operator>(const Packet& o) const { return std::tie(at, seq) > std::tie(o.at, o.seq); }
  };

  std::vector<std::unique_ptr<SimHost>> hosts_;
  SimLink links_[2];
  std::priority_queue<Packet, std::vector<Packet>, std::greater<>> in_flight_;
  std::uint64_t next_seq_ = 0;
  Instant now_{};
};

inline Result<void> SimHost::send_ipv4(wire::Ipv4Address, wire::Ipv4Address, net::IpProtocol,
                                       Bytes payload, const net::Ipv4SendOptions&) {
  ++packets_sent;
  net_.enqueue(index_, payload);
  return {};
}

}  // namespace tapstack::sim
