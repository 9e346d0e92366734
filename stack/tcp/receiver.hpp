#pragma once
// The receiving half of a connection (RFC 9293 §3.3.1 receive sequence
// space): in-order and out-of-order data (§3.10.7.4 seventh), when to
// acknowledge (RFC 1122 §4.2.3.2, RFC 5681 §4.2), which SACK and D-SACK
// blocks to report (RFC 2018, RFC 2883), and the window to advertise under
// receiver SWS avoidance (RFC 1122 §4.2.3.3). It sends nothing itself: it
// asks for an ACK (ack_now) and the Tcb sends it with what window() and
// add_sack_blocks() say.
#include <cstdint>
#include <optional>
#include <utility>

#include "stack/base/bytes.hpp"
#include "stack/base/time.hpp"
#include "stack/tcp/buffers.hpp"
#include "stack/tcp/conn_trace.hpp"
#include "stack/tcp/segment.hpp"
#include "stack/tcp/seq_num.hpp"
#include "stack/tcp/tcp_types.hpp"

namespace tapstack::tcp {

/// RFC 9293 §3.3.1 receive sequence variables.
struct ReceiveState {
  SeqNum irs, nxt;
  SeqNum adv_edge;             // right edge of the last window advertised (never shrinks)
  std::uint8_t wnd_shift = 0;  // our shift, applied to windows we send
  std::uint32_t mss = 536;     // the MSS we advertised
};

/// What arriving data means for the state machine.
struct DataResult {
  bool readable = false;  // data reached RCV.NXT: the user may read
  bool fin = false;       // a FIN held beyond a hole is now in order
};

class Receiver {
 public:
  Receiver(const TcpSettings& settings, TcpCounters& counters, const ConnTrace& trace);

  // --- set-up ---
  /// Sizes the buffer and, before the handshake (`choose_scale`), our window
  /// scale (RFC 7323 §2.3). After it the buffer only grows.
  void set_buffer(std::size_t bytes, bool choose_scale = true);
  /// The peer's SYN arrived with sequence number `irs`.
  void open(SeqNum irs);
  /// A SYN-cookie connection: the SYN-ACK (not remembered) advertised what
  /// fits the unscaled 16-bit window.
  void open_from_cookie(SeqNum irs);
  /// The MSS we offer in our SYN.
  void set_mss(std::uint32_t mss) { rcv_.mss = mss; }
  /// What the SYNs agreed: window scaling, SACK (RFC 7323 §2.2, RFC 2018
  /// §2), and timestamps, whose option leaves less room for SACK blocks.
  void negotiate(bool window_scaling, bool sack, bool timestamps);

  // --- input (RFC 9293 §3.10.7.4) ---
  /// First check: the four cases of the acceptability table.
  bool acceptable(const Segment& seg) const;
  /// An unacceptable segment of old data is reported as a D-SACK (RFC 2883 §4).
  void on_unacceptable(const Segment& seg);
  /// Seventh: stores the segment's text; `send_mss` sizes "full-sized" for
  /// the every-second-segment ACK rule.
  DataResult on_data(const Segment& seg, Instant now, std::uint32_t send_mss);
  /// Eighth: the peer's FIN is in order; it takes one sequence number.
  void on_fin();
  bool fin_received() const { return fin_received_; }

  // --- acknowledgments ---
  /// Asks for an ACK at the end of this round; `why` labels it in traces.
  void ack_now(const char* why) { ack_why_ = why; }
  /// TCP_QUICKACK: the next `n` in-order segments are acknowledged at once.
  void set_quick_acks(std::uint32_t n) { quick_acks_ = n; }
  std::uint32_t quick_acks() const { return quick_acks_; }
  /// Cancels a pending delayed ACK; true if one was pending (it is then due now).
  bool flush_delayed_ack();
  /// The reason of the ACK asked for since the last call, or null; clears it.
  const char* take_ack_request();
  /// A segment carrying our ACK and window left: nothing is owed any more.
  void on_ack_sent();
  /// The window field for an outgoing segment; moves the advertised edge.
  std::uint16_t window_to_advertise(bool syn);
  /// RFC 2018 SACK blocks for the ACK being sent (none without out-of-order
  /// data), after an RFC 2883 D-SACK block for duplicate data just received.
  void add_sack_blocks(wire::TcpOptions& options) const;
  std::size_t sack_block_count() const;

  // --- the user ---
  std::size_t read(MutableBytes out);
  /// RFC 1122 §4.2.3.3: after a read, an update is due if the window opened
  /// enough. It leaves when this round of work ends, so a segment that
  /// carries it first (usually the application's reply) makes it needless.
  void offer_window_update(Instant now);
  /// Whether the window would move by at least the SWS threshold.
  bool window_update_due() const;

  // --- timers ---
  /// The delayed-ACK timer fired (RFC 1122 §4.2.3.2): an ACK is due now.
  bool delayed_ack_expired(Instant now);
  /// The window-update timer fired.
  bool window_update_expired(Instant now);
  Instant next_deadline() const;
  void stop_timers();

  // --- queries ---
  const ReceiveState& rcv() const { return rcv_; }
  std::size_t capacity() const { return store_.capacity(); }
  SeqNum nxt() const { return rcv_.nxt; }
  /// RCV.WND: what is left of the window last advertised.
  std::uint32_t window() const;
  std::size_t readable() const { return store_.readable(); }
  std::uint64_t bytes_received() const { return bytes_received_; }

 private:
  /// Drops what was received before; false if nothing new is left.
  bool trim_duplicate(const Segment& seg, Bytes& data, SeqNum& seq, Instant now);
  /// RFC 5681 §4.2 / RFC 1122 §4.2.3.2: ACK now or delay it.
  void schedule_ack(Instant now, std::uint32_t send_mss);

  const TcpSettings& settings_;
  TcpCounters& counters_;
  const ConnTrace& trace_;
  ReceiveState rcv_;
  ReceiveStore store_;
  std::optional<Instant> delayed_ack_timer_;
  std::optional<Instant> window_update_timer_;  // at the end of this round of work
  std::optional<std::pair<SeqNum, SeqNum>> dsack_;  // duplicate data to report (RFC 2883)
  std::optional<SeqNum> ooo_fin_;  // FIN seen beyond a hole
  const char* ack_why_ = nullptr;  // an ACK is owed at the end of this round, and why
  std::uint32_t unacked_bytes_ = 0;  // received since our last ACK (delayed ACK)
  std::uint32_t quick_acks_ = 0;     // TCP_QUICKACK: segments still acknowledged at once
  std::uint64_t bytes_received_ = 0;
  bool fin_received_ = false;
  bool sack_ok_ = false;  // both sides sent SACK-permitted
  std::size_t max_sack_blocks_ = wire::kMaxSackBlocks;  // that fit beside the other options
};

}  // namespace tapstack::tcp
