#pragma once
// A sans-I/O link impairment model: loss, duplication, reordering, delay with
// jitter, corruption and a token-bucket rate limit, per direction, from a
// seeded generator so every run can be replayed; plus targeted one-shot faults
// ("drop the next SYN-ACK", "delay the next ACK by 300 ms"). The daemon puts it
// between the TAP and the stack; the simulation tests put it between two
// stacks. It is driven like the stack: submit(frame, now) → frames go to the
// direction's sink when due; poll(now) releases due frames; next_deadline()
// says when to call again.
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "stack/base/bytes.hpp"
#include "stack/base/rng.hpp"
#include "stack/base/time.hpp"
#include "stack/link/frame_sink.hpp"
#include "stack/wire/address.hpp"

namespace tapstack::link {

/// Which way a frame travels, seen from the stack.
enum class Direction : std::uint8_t { ToStack = 0, FromStack = 1 };

/// What a submitted frame starts with, so faults can find the TCP header.
enum class Framing : std::uint8_t {
  Ethernet,  // an Ethernet II frame (the daemon's TAP)
  Ipv4,      // an IPv4 packet
  Tcp,       // a bare TCP segment (the simulation's links)
};

/// The random impairments of one direction. Probabilities are in [0, 1].
struct ImpairmentSettings {
  double loss = 0.0;       // a frame is dropped
  double duplicate = 0.0;  // a frame is delivered twice
  double reorder = 0.0;    // a frame is held back by reorder_hold, so later ones pass it
  double corrupt = 0.0;    // one bit after the link header is flipped
  Duration delay{0};       // added to every frame
  Duration jitter{0};      // a uniform extra delay in [0, jitter]
  Duration reorder_hold = 10ms;
  std::uint64_t rate = 0;   // bytes per second through a token bucket; 0: unlimited
  std::uint64_t burst = 0;  // the bucket's depth in bytes; 0: one frame (a serializing link)
  Duration queue_limit = 100ms;  // the rate limiter drops a frame that would wait longer

  /// True when any impairment is switched on.
  bool any() const {
    return loss > 0 || duplicate > 0 || reorder > 0 || corrupt > 0 || delay.count() > 0 ||
           jitter.count() > 0 || rate > 0;
  }
  friend bool operator==(const ImpairmentSettings&, const ImpairmentSettings&) = default;
};

/// Which TCP segments a one-shot fault applies to (RFC 9293 §3.1 flags).
enum class TcpMatch : std::uint8_t {
  SynAck = 1,  // SYN and ACK
  Syn = 2,     // SYN without ACK
  Fin = 3,     // FIN set
  Rst = 4,     // RST set
  Ack = 5,     // a pure ACK: no payload, no SYN, FIN or RST
  Data = 6,    // a segment carrying payload
  Any = 7,     // every TCP segment
};

/// "syn-ack", "syn", … as the CLI and config spell them.
std::string_view to_string(TcpMatch match);
/// The inverse of to_string; nullopt for an unknown name.
std::optional<TcpMatch> parse_tcp_match(std::string_view name);

/// A TCP connection's two ends, the stack's first. A fault bound to it
/// matches its segments in both directions.
struct TcpConnection {
  wire::Ipv4Address local_addr;
  std::uint16_t local_port = 0;
  wire::Ipv4Address remote_addr;
  std::uint16_t remote_port = 0;
  friend bool operator==(const TcpConnection&, const TcpConnection&) = default;
};

/// A targeted fault: acts on the next `count` matching segments, then is gone.
struct OneShotFault {
  enum class Action : std::uint8_t { Drop = 1, Delay = 2 };
  Action action = Action::Drop;
  TcpMatch match = TcpMatch::Any;
  std::uint32_t count = 1;
  std::uint16_t port = 0;  // source or destination port; 0: any
  Duration delay{0};       // Delay only
  std::optional<Direction> direction{};  // nullopt: either direction
  // Only this connection's segments; nullopt: any. Bare TCP segments
  // (Framing::Tcp) carry no addresses, so there only the ports are compared.
  std::optional<TcpConnection> connection{};
  std::uint32_t socket = 0;  // the stack socket `connection` was named by, for display; 0: none
  friend bool operator==(const OneShotFault&, const OneShotFault&) = default;
};

/// What the model did to one direction's frames.
struct ImpairmentCounters {
  std::uint64_t submitted = 0;
  std::uint64_t delivered = 0;
  std::uint64_t dropped = 0;        // random loss
  std::uint64_t duplicated = 0;
  std::uint64_t reordered = 0;
  std::uint64_t delayed = 0;        // held by delay or jitter
  std::uint64_t corrupted = 0;
  std::uint64_t rate_limited = 0;   // waited for tokens
  std::uint64_t rate_dropped = 0;   // the rate limiter's queue was full
  std::uint64_t fault_dropped = 0;  // by a one-shot fault
  std::uint64_t fault_delayed = 0;

  /// Calls f(name, value) for each counter.
  template <class F>
  void for_each(F&& f) const {
    f("submitted", submitted);
    f("delivered", delivered);
    f("dropped", dropped);
    f("duplicated", duplicated);
    f("reordered", reordered);
    f("delayed", delayed);
    f("corrupted", corrupted);
    f("rate_limited", rate_limited);
    f("rate_dropped", rate_dropped);
    f("fault_dropped", fault_dropped);
    f("fault_delayed", fault_delayed);
  }
};

class Impairment {
 public:
  /// Frames going to the stack are released to `to_stack`, frames the stack
  /// sent to `from_stack`. Both must outlive the model.
  Impairment(FrameSink& to_stack, FrameSink& from_stack, Framing framing = Framing::Ethernet,
             std::uint64_t seed = 1);
  Impairment(const Impairment&) = delete;
  Impairment& operator=(const Impairment&) = delete;

  /// Replaces one direction's random impairments (frames already queued keep their times).
  void configure(Direction direction, const ImpairmentSettings& settings);
  const ImpairmentSettings& settings(Direction direction) const;
  /// Restarts both directions' generators from `seed`: the same seed and the
  /// same frames give the same decisions.
  void reseed(std::uint64_t seed);
  std::uint64_t seed() const { return seed_; }
  void add_fault(const OneShotFault& fault);
  /// The faults that have not fired yet (count is what is left).
  const std::vector<OneShotFault>& faults() const { return faults_; }
  /// Switches every impairment and fault off and zeroes the counters; queued
  /// frames are still delivered.
  void clear();

  /// True while anything is configured or queued: then frames must go
  /// through submit(). When false, a caller may bypass the model entirely.
  bool active() const;

  /// Takes a frame; it reaches the direction's sink now or later, twice, or never.
  void submit(Direction direction, Bytes frame, Instant now);
  /// Releases every frame that is due.
  void poll(Instant now);
  /// When poll() next has a frame to release; Instant::max() when none is queued.
  Instant next_deadline() const;

  const ImpairmentCounters& counters(Direction direction) const;

 private:
  struct Queued {
    Instant at;
    std::uint64_t order;
    std::vector<std::uint8_t> bytes;
  };
  struct Lane {
    Lane(FrameSink& s, std::uint64_t seed) : sink(s), rng(seed) {}
    FrameSink& sink;
    SeededRng rng;
    ImpairmentSettings settings;
    ImpairmentCounters counters;
    std::vector<Queued> heap;  // a min-heap on (at, order)
    std::uint64_t next_order = 0;
    bool releasing = false;
    // Token bucket (RFC 2697's single-rate bucket, as a shaper): tokens are
    // bytes × 10^6 so refills at `rate` bytes/s per µs stay integral.
    std::int64_t tokens = 0;
    Instant bucket_at{};
    bool bucket_started = false;
  };

  Lane& lane(Direction d) { return lanes_[static_cast<std::size_t>(d)]; }
  const Lane& lane(Direction d) const { return lanes_[static_cast<std::size_t>(d)]; }
  /// The first fault matching the frame, with its count taken; nullopt if none.
  std::optional<OneShotFault> take_fault(Direction direction, Bytes frame);
  /// When the frame may leave the rate limiter; nullopt when it must be dropped.
  std::optional<Instant> shape(Lane& lane, std::size_t size, Instant now);
  void corrupt(Lane& lane, std::vector<std::uint8_t>& bytes) const;
  void release(Lane& lane, Instant now);

  Framing framing_;
  std::uint64_t seed_;
  Lane lanes_[2];
  std::vector<OneShotFault> faults_;
};

}  // namespace tapstack::link
