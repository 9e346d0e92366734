#pragma once
// Two whole Stacks on one simulated Ethernet segment, on virtual time, so
// ARP, IPv4 fragmentation and reassembly, ICMP, UDP and TCP all meet the
// link's impairments. Each Stack's FrameSink hands its frames to the link,
// which is the impairment model the daemon uses (A plays the stack: A→B is
// FromStack, B→A is ToStack); the model delivers them to the other Stack
// when they are due. run_until() advances time event by event (a deadline
// of either Stack or of the link) and calls a step callback after each one
// so tests can drive their applications.
#include <algorithm>
#include <cstdint>
#include <functional>

#include "sim/sim_link.hpp"
#include "stack/base/rng.hpp"
#include "stack/stack.hpp"

namespace tapstack::sim {

class SimEthernet {
 public:
  /// A: 02:00:00:00:00:01, 10.0.0.1/24; B: …:02, 10.0.0.2/24; default
  /// settings otherwise. Both have sent their gratuitous ARP at time 0.
  SimEthernet(const LinkConfig& a_to_b, const LinkConfig& b_to_a, std::uint64_t seed)
      : a_(*this, LinkDirection::FromStack, 1, seed * 4 + 3),
        b_(*this, LinkDirection::ToStack, 2, seed * 4 + 4),
        link_(a_.inbox, b_.inbox, tapstack::link::Framing::Ethernet, seed * 4 + 1) {
    link_.configure(LinkDirection::FromStack, to_impairment(a_to_b));
    link_.configure(LinkDirection::ToStack, to_impairment(b_to_a));
    (void)a_.stack.start(now_);
    (void)b_.stack.start(now_);
  }

  Stack& a() { return a_.stack; }
  Stack& b() { return b_.stack; }
  Instant now() const { return now_; }
  static wire::Ipv4Address address(const Stack& stack) { return stack.config().address.address; }
  /// What the link did to the frames A (0) or B (1) sent.
  const LinkCounters& link(int from) const {
    return link_.counters(from == 0 ? LinkDirection::FromStack : LinkDirection::ToStack);
  }
  /// The link itself, for changing its settings while the Stacks run.
  LinkImpairment& impairment() { return link_; }

  /// Drops both Stacks' socket events: these tests poll their sockets instead.
  void discard_events() {
    (void)a().drain_events(now_);
    (void)b().drain_events(now_);
  }

  /// Runs events until `done()` is true (returns true) or the next event
  /// lies past `limit` (returns false, with the clock at `limit`). `step`
  /// runs first and after every event (frame delivery or timer round).
  bool run_until(Instant limit, const std::function<bool()>& done, const std::function<void()>& step) {
    step();
    while (!done()) {
      const Instant next = std::min({a().next_deadline(), b().next_deadline(), link_.next_deadline()});
      if (next > limit) {
        now_ = std::max(now_, limit);
        return false;
      }
      now_ = std::max(now_, next);
      if (link_.next_deadline() <= now_) link_.poll(now_);
      if (a().next_deadline() <= now_) a().poll(now_);
      if (b().next_deadline() <= now_) b().poll(now_);
      step();
    }
    return true;
  }

  /// Lets `span` of virtual time pass, running every event in it.
  void run_for(Duration span, const std::function<void()>& step) {
    (void)run_until(now_ + span, [] { return false; }, step);
  }

 private:
  /// One host: its Stack, the sink that puts its frames on the link, and
  /// the sink the link delivers the other host's frames to.
  struct Host {
    class Outbox final : public FrameSink {
     public:
      Outbox(SimEthernet& net, LinkDirection direction) : net_(net), direction_(direction) {}
      void transmit(Bytes frame) override { net_.link_.submit(direction_, frame, net_.now_); }

     private:
      SimEthernet& net_;
      LinkDirection direction_;
    };
    class Inbox final : public FrameSink {
     public:
      Inbox(SimEthernet& net, Stack& stack) : net_(net), stack_(stack) {}
      void transmit(Bytes frame) override { stack_.receive(frame, net_.now_); }

     private:
      SimEthernet& net_;
      Stack& stack_;
    };

    Host(SimEthernet& net, LinkDirection sends, std::uint8_t number, std::uint64_t seed)
        : outbox(net, sends), inbox(net, stack), rng(seed), stack(config(number), outbox, rng) {}

    static StackConfig config(std::uint8_t number) {
      StackConfig c;
      c.mac = wire::MacAddress{{0x02, 0x00, 0x00, 0x00, 0x00, number}};
      c.address = wire::Ipv4Cidr{wire::Ipv4Address{10, 0, 0, number}, 24};
      return c;
    }

    Outbox outbox;
    Inbox inbox;
    SeededRng rng;
    Stack stack;
  };

  Host a_, b_;
  LinkImpairment link_;
  Instant now_{};
};

}  // namespace tapstack::sim
