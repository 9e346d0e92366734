#pragma once
// TcpLayer: the TCP transport. Owns the socket table (listeners and TCBs),
// demultiplexes segments (RFC 9293 §3.10.7), answers segments for no
// connection with RST (§3.10.7.1), runs listen backlogs with SYN cookies
// (RFC 4987 §3.6), and offers the socket API the daemon calls.
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <unordered_map>
#include <vector>

#include "stack/base/result.hpp"
#include "stack/base/rng.hpp"
#include "stack/events.hpp"
#include "stack/net/transport.hpp"
#include "stack/tcp/isn.hpp"
#include "stack/tcp/port_table.hpp"
#include "stack/tcp/socket_options.hpp"
#include "stack/tcp/tcb.hpp"
#include "stack/tcp/tcp_types.hpp"
#include "stack/tcp/time_wait.hpp"
#include "stack/tcp/timer_queue.hpp"
#include "stack/trace.hpp"

namespace tapstack::tcp {

class TcpLayer final : public net::TransportProtocol {
 public:
  TcpLayer(net::Ipv4Output& ip, Rng& rng, EventQueue& events, const TcpSettings& settings,
           TraceSink* trace = nullptr);
  ~TcpLayer() override;
  TcpLayer(const TcpLayer&) = delete;
  TcpLayer& operator=(const TcpLayer&) = delete;

  // --- net::TransportProtocol ---
  Delivery on_ipv4_packet(const net::Ipv4PacketInfo& info, Bytes payload, Instant now) override;
  void on_icmp_error(const net::IcmpErrorInfo& error, Instant now) override;
  void poll(Instant now) override;
  Instant next_deadline() const override;

  // --- socket API ---
  /// A new, unbound socket.
  Result<SocketId> open();
  /// Port 0 picks an ephemeral port. Listeners and open sockets conflict on
  /// the same port; connections lingering after close() (FIN-WAIT, TIME-WAIT
  /// records) do not, as if SO_REUSEADDR were always set.
  Result<void> bind(SocketId id, wire::Ipv4Address addr, std::uint16_t port);
  /// Passive open (RFC 9293 §3.10.1). An unbound socket gets an ephemeral port.
  Result<void> listen(SocketId id, std::uint32_t backlog);
  /// The next established connection, or WouldBlock.
  Result<SocketId> accept(SocketId listener);
  /// Active open; completes later with a Connected or Closed(error) event.
  Result<void> connect(SocketId id, wire::Ipv4Address addr, std::uint16_t port, Instant now);
  /// Copies what fits in the send buffer; WouldBlock when nothing does.
  /// A Writable event follows once ACKs free space after a short send or
  /// while the buffer was full.
  Result<std::size_t> send(SocketId id, Bytes data, Instant now);
  /// 0 means end of stream; WouldBlock when nothing is waiting.
  Result<std::size_t> recv(SocketId id, MutableBytes out, Instant now);
  std::size_t send_space(SocketId id) const;
  std::size_t recv_available(SocketId id) const;
  /// FIN after the queued data (RFC 9293 §3.10.4, SHUT_WR).
  Result<void> shutdown_send(SocketId id, Instant now);
  /// Orderly close; the id is released and the connection finishes detached.
  /// Unread received data turns it into an abort (RFC 2525 §2.17, as Linux).
  Result<void> close(SocketId id, Instant now);
  /// Sends RST if connected, and releases the id (RFC 9293 §3.10.5).
  void abort(SocketId id, Instant now);
  // --- per-socket options (tcp_layer_options.cpp) ---
  /// What was set on the socket (SO_*, TCP_*); unset ones mean settings().
  Result<SocketOptions> options(SocketId id) const;
  /// Kept for a connection made later (a listener's for each one it
  /// accepts) and applied to a connection at once. TCP_CONGESTION switches
  /// a live connection, which keeps its window.
  Result<void> set_options(SocketId id, const SocketOptions& options, Instant now);
  /// The algorithm in use (or to be used, before connect/listen).
  Result<CongestionAlgorithm> congestion(SocketId id) const;
  /// TCP_QUICKACK on a connection (Tcb::quickack); a no-op before one.
  Result<void> quickack(SocketId id, bool on, Instant now);

  std::optional<TcpSocketInfo> info(SocketId id) const;
  /// Every socket, including connections detached by close() and TIME-WAIT records.
  std::vector<TcpSocketInfo> list() const;
  const TcpCounters& counters() const { return counters_; }
  template <typename Fn>
  void for_each_counter(Fn&& fn) const {
    counters_.for_each(std::forward<Fn>(fn));
  }
  const TcpSettings& settings() const { return settings_; }
  /// Attaches (or with nullptr detaches) the trace sink after construction.
  void set_trace_sink(TraceSink* trace) {
    trace_ = trace;
    env_.trace = trace;
  }
  /// Test access to a connection's TCB (nullptr for listeners/unknown ids).
  Tcb* tcb_for_test(SocketId id);

 private:
  struct Listener {
    wire::Ipv4Address addr;
    std::uint16_t port = 0;
    std::uint32_t backlog = 1;
    std::uint32_t syn_queued = 0;
    std::deque<SocketId> accept_queue;
    std::optional<Instant> last_cookie;  // cookies are checked only shortly after one was sent
  };
  struct Slot {
    std::uint16_t generation = 1;
    bool in_use = false;
    bool user_owned = false;  // false: detached by close(), or not accepted yet
    SocketId parent;          // the listener of a not-yet-accepted connection
    wire::Ipv4Address bound_addr;
    std::uint16_t bound_port = 0;
    SocketOptions options;
    std::unique_ptr<Tcb> tcb;
    std::unique_ptr<Listener> listener;
  };

  /// The user's socket; the non-const form also marks its timers for rescheduling.
  Slot* slot_for(SocketId id);
  const Slot* slot_for(SocketId id) const;
  SocketId id_of(std::uint32_t index) const;
  /// A passive connection leaves settings_.local_reserve slots to open().
  Result<std::uint32_t> allocate_slot(bool passive);
  void free_slot(std::uint32_t index, Instant now);
  /// The TCB's deadline may have moved: requeue it before the next timer query.
  void touch(std::uint32_t index) const { timers_dirty_.push_back(index); }
  void flush_timers() const;
  /// Removes a connection from the demux table (if it is still the one there).
  void unlink(std::uint32_t index);
  bool port_in_use(wire::Ipv4Address addr, std::uint16_t port, bool any_connection) const;
  Result<std::uint16_t> ephemeral_port(wire::Ipv4Address addr);
  Tcb& make_tcb(std::uint32_t index, const FourTuple& tuple);
  std::optional<std::uint32_t> find_listener(wire::Ipv4Address addr, std::uint16_t port) const;
  void deliver(std::uint32_t index, const Segment& seg, Instant now);
  void after_tcb_event(std::uint32_t index, TcpState before, Instant now);
  void on_listen_segment(std::uint32_t listener_index, const Segment& seg, Instant now);
  void on_listen_syn(std::uint32_t listener_index, const Segment& seg, Instant now);
  void on_cookie_ack(std::uint32_t listener_index, const Segment& seg, Instant now);
  void send_syn_cookie(const Segment& syn, Instant now, SocketId listener);
  std::optional<std::uint16_t> check_syn_cookie(const Segment& ack, Instant now) const;
  void reset_for(const Segment& seg, Instant now, const char* why);
  /// Layer-level trace events (segments that reach no TCB).
  void trace_segment(TraceKind kind, Instant now, SocketId id, const FourTuple& tuple,
                     const wire::TcpHeader& h, std::size_t len, const char* why) const;
  void trace_incoming(TraceKind kind, Instant now, SocketId id, const Segment& seg,
                      const char* why) const;
  void trace_drop(Instant now, const net::Ipv4PacketInfo& info, const char* why) const;
  bool accept_queue_full(const Listener& l) const;

  // tcp_time_wait.cpp
  /// A TIME-WAIT connection the user let go of becomes a record; its slot is freed.
  void retire_to_time_wait(std::uint32_t index, Instant now);
  void add_time_wait(const TimeWaitRecord& r);
  void remove_time_wait(const FourTuple& tuple);
  /// True when the segment should go on to the listener (RFC 6191 reuse).
  bool on_time_wait_segment(TimeWaitRecord& r, const Segment& seg, bool listening, Instant now);
  void send_time_wait_ack(const TimeWaitRecord& r, Instant now);
  void expire_time_wait(Instant now);
  /// connect() to a 4-tuple a record holds: take it over if timestamps make that safe.
  bool take_over_time_wait(const FourTuple& tuple);

  net::Ipv4Output& ip_;
  EventQueue& events_;
  TcpSettings settings_;
  TraceSink* trace_;
  TcpCounters counters_;
  ChallengeAckLimiter challenge_acks_;
  TcbEnv env_;
  IsnGenerator isn_;
  Rng& rng_;
  std::vector<Slot> slots_;
  std::vector<std::uint32_t> free_slots_;
  std::uint32_t slots_used_ = 0;
  std::unordered_map<FourTuple, std::uint32_t, KeyedTupleHash> connections_;
  std::map<std::pair<std::uint32_t, std::uint16_t>, std::uint32_t> listeners_;
  PortTable ports_;
  TimeWaitTable time_wait_;
  // Deadlines are requeued lazily, by the next poll or deadline query, so a
  // burst of segments to one connection requeues it once.
  mutable TimerQueue timers_;
  mutable std::vector<std::uint32_t> timers_dirty_;
};

}  // namespace tapstack::tcp
