#pragma once
// The sending half of a connection (RFC 9293 §3.3.1 send sequence space):
// the send buffer, what may go out now (send and congestion windows, Nagle,
// sender SWS avoidance), the RTT estimator and retransmission timer (RFC
// 6298), congestion control (RFC 5681, RFC 6582), loss recovery (RACK-TLP,
// RFC 8985, over the SACK scoreboard of RFC 6675; PRR, RFC 6937) and the
// persist timer (RFC 9293 §3.8.6.1). It knows nothing of connection states:
// the Tcb decides when each of these applies, and the Sender reports what
// an ACK changed (AckResult). Segments leave through a SegmentSink.
#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <utility>
#include <vector>

#include "stack/base/bytes.hpp"
#include "stack/base/time.hpp"
#include "stack/tcp/ack_rtt.hpp"
#include "stack/tcp/buffers.hpp"
#include "stack/tcp/congestion.hpp"
#include "stack/tcp/prr.hpp"
#include "stack/tcp/rack.hpp"
#include "stack/tcp/conn_trace.hpp"
#include "stack/tcp/ecn.hpp"
#include "stack/tcp/rtt_estimator.hpp"
#include "stack/tcp/sack_scoreboard.hpp"
#include "stack/tcp/segment.hpp"
#include "stack/tcp/sent_log.hpp"
#include "stack/tcp/seq_num.hpp"
#include "stack/tcp/tcp_types.hpp"
#include "stack/tcp/timestamps.hpp"

namespace tapstack::tcp {

/// RFC 9293 §3.3.1 send sequence variables (plus what Linux calls snd_max).
struct SendState {
  SeqNum iss, una, nxt;
  SeqNum max;             // highest sequence number sent + 1 (nxt rewinds on RTO)
  std::uint32_t wnd = 0;  // peer's window, already scaled
  std::uint32_t max_wnd = 0;  // largest window the peer offered (RFC 1122 §4.2.3.4)
  SeqNum wl1, wl2;
  std::uint8_t wnd_shift = 0;  // peer's shift, applied to windows it sends
  std::uint32_t mss = 536;     // effective send MSS (RFC 9293 §3.7.1 default 536)
  SeqNum recover;              // RFC 6582 recovery point
};

/// An unSACKed span presumed lost (RFC 6675 NextSeg rule 1).
struct LostSpan {
  SeqNum start, end;
  bool resend;  // it had been retransmitted already, and that was lost too
};

/// A segment the Sender wants sent.
struct OutSegment {
  SeqNum seq;
  std::uint8_t flags = 0;
  Bytes payload;
  wire::TcpOptions options;
  const char* why = "";            // labels it in traces
  std::uint32_t count = 0;         // retransmission or probe number, for traces
  std::uint16_t segment_size = 0;  // non-zero: a super-segment the link cuts to this size
  bool new_data = false;           // data sent for the first time (ECT and CWR may go on it)
};

/// Where the Sender's segments go. The Tcb's writer adds the ports and, to
/// a segment with ACK set, the acknowledgment, window and SACK blocks.
class SegmentSink {
 public:
  virtual ~SegmentSink() = default;
  virtual void transmit(const OutSegment& segment, Instant now) = 0;
  /// SACK blocks the next segment with ACK set will carry: they take
  /// option space, so payload room.
  virtual std::size_t sack_blocks() const = 0;
};

/// What a cumulative ACK changed, for the state machine.
struct AckResult {
  bool advanced = false;     // SND.UNA moved forward
  bool fin_acked = false;    // this ACK covered our FIN
  bool room_opened = false;  // a writer that found the buffer full may go on
};

/// RFC 3522: the first retransmission of a loss episode, so that the ACK
/// that covers it can tell from its echo whether the original arrived after
/// all, and what the window was before the reduction.
struct UndoPoint {
  std::uint32_t tsval = 0;  // TSval the retransmission carried
  CongestionSnapshot before;  // the controller before the episode's first reduction
  bool timeout = false;  // an RTO, not a fast retransmit
};

/// The Sender's timers: deadlines as values, fired by the Tcb's poll.
struct SendTimers {
  std::optional<Instant> retransmit, persist;
  std::optional<Instant> probe;    // RFC 8985 §7 tail loss probe (PTO)
  std::optional<Instant> reorder;  // RFC 8985 §6.3 RACK reordering timer
  std::optional<Instant> cork;     // TCP_CORK's ceiling for a held partial segment
};
enum class SendTimer : std::uint8_t { Retransmit, Persist, Probe, Reorder, Cork };

class Sender {
 public:
  Sender(const TcpSettings& settings, TcpCounters& counters, const ConnTrace& trace,
         SegmentSink& sink);

  // --- set-up (sender.cpp) ---
  /// Sizes the send buffer; before the handshake.
  void set_buffer(std::size_t bytes);
  /// Our ISS is chosen; the SYN is still to send.
  void open(SeqNum iss);
  /// A connection rebuilt from a SYN cookie: our SYN-ACK was sent and acked.
  void open_from_cookie(SeqNum iss);
  /// What the SYNs agreed: send MSS, the peer's window shift, SACK. Starts
  /// congestion control afresh for that MSS.
  void negotiate(std::uint32_t mss, std::uint8_t peer_shift, bool sack);
  /// The peer's window from its SYN (never scaled, RFC 7323 §2.2).
  void init_window(std::uint32_t wnd, SeqNum wl1, SeqNum wl2);
  void set_nodelay(bool on) { nodelay_ = on; }
  /// TCP_CORK: partial segments wait until uncorked or for kCorkCeiling.
  void set_cork(bool on) {
    corked_ = on;
    if (!on) timers_.cork.reset();
  }
  /// The connection's RFC 7323 state: RTT samples from echoes (§4) and
  /// spurious retransmission detection (RFC 3522) while it is enabled.
  void set_timestamps(const Timestamps* ts) { ts_ = ts; }
  /// The connection's RFC 3168 state: ECE on ACKs reduces cwnd once per
  /// window, and any reduction asks for CWR.
  void set_ecn(Ecn* ecn) { ecn_ = ecn; }
  /// TCP_CONGESTION: a new controller, which keeps cwnd and ssthresh (as Linux).
  void set_congestion(CongestionAlgorithm algorithm);

  // --- handshake (sender.cpp) ---
  /// Sends, or resends, our SYN (or SYN-ACK) with `options` and the ECN
  /// flags (ECE, CWR) the handshake calls for.
  void send_syn(bool synack, const wire::TcpOptions& options, std::uint8_t ecn_flags,
                Instant now);
  /// SYN-SENT: the SYN-ACK acknowledged our SYN with `ack`.
  void on_syn_acked(SeqNum ack, Instant now);

  // --- the user (sender.cpp) ---
  /// Queues as much of `data` as fits; returns how much.
  std::size_t write(Bytes data);
  /// The FIN goes after the queued data.
  void queue_fin() { fin_queued_ = true; }
  bool fin_queued() const { return fin_queued_; }
  /// Our FIN went out and is acknowledged.
  bool fin_acked() const { return fin_seq_ && seq_gt(snd_.una, *fin_seq_); }
  std::size_t space() const { return buf_.free(); }
  std::size_t queued() const { return buf_.size(); }

  // --- ACKs (sender.cpp), RFC 9293 §3.10.7.4 fifth, for an ACK already
  // found acceptable (SEG.ACK =< SND.MAX, not older than MAX.SND.WND) ---
  /// The cumulative part: SND.UNA, RTT sample (RFC 6298), cwnd (RFC 5681,
  /// RFC 6582), retransmission timer.
  AckResult on_ack(const Segment& seg, Instant now);
  /// The rest, once the state machine acted on `result`: SACK blocks (RFC
  /// 6675), duplicate ACKs (RFC 5681 §2), the send window.
  void after_ack(const Segment& seg, const AckResult& result, Instant now);

  // --- output (sender_transmit.cpp) ---
  /// Sends what the windows allow: lost data first, then new data and the
  /// FIN. Returns whether anything went out.
  bool push(Instant now);

  // --- timers (sender_transmit.cpp, sender_recovery.cpp) ---
  /// SYN-SENT and SYN-RECEIVED: the SYN's retransmission timer runs.
  void arm_handshake_timer(Instant now);
  /// Synchronized: the retransmission, persist or probe timer, as the
  /// windows and what is in flight require.
  void arm_timers(Instant now);
  void stop_timers() { timers_ = SendTimers{}; }
  void restart_retransmit_timer(Instant now) { timers_.retransmit = now + rtt_.rto(); }
  /// True when `timer` is due; it is then cleared, so it fires once.
  bool timer_expired(SendTimer timer, Instant now);
  Instant next_deadline() const;
  std::uint32_t retries() const { return retries_; }
  /// The retransmission timer fired: one more retry, RTO doubled (RFC 6298 §5.5).
  void back_off();
  /// After back_off in a synchronized state: loss window, and resend from
  /// SND.UNA (go-back-N) or, with SACK, what the peer has not SACKed.
  void on_retransmit_timeout(Instant now);
  /// RFC 8985 §7.3: the probe timeout fired in a synchronized state.
  void on_probe_timeout(Instant now);
  /// RFC 8985 §6.3: the reordering timer fired; RACK looks for losses again.
  void on_reorder_timeout(Instant now);
  /// RFC 9293 §3.8.6.1: the persist timer fired; false if no probe was due.
  bool on_persist_timeout(Instant now);
  /// Zero-window probes sent since the peer last sent an acceptable ACK.
  std::uint32_t unanswered_probes() const { return unanswered_probes_; }

  // --- path MTU (sender_recovery.cpp) ---
  void shrink_mss(std::uint32_t mss);
  /// RFC 1191 §6.5: resend what is in flight at the smaller MSS.
  void resend_in_flight(Instant now);

  // --- queries ---
  const SendState& snd() const { return snd_; }
  const SendTimers& timers() const { return timers_; }
  const CongestionControl& congestion() const { return *cc_; }
  const RttEstimator& rtt() const { return rtt_; }
  std::optional<Duration> min_rtt() const { return ack_rtt_.min_rtt(); }
  bool sack_enabled() const { return sack_ok_; }
  std::uint64_t retransmits() const { return retransmits_; }
  std::uint64_t bytes_sent() const { return bytes_sent_; }
  std::uint64_t bytes_acked() const { return bytes_acked_; }

 private:
  // sender.cpp
  /// RFC 6298 from the timed segment, else RFC 7323 §4 from the echo.
  void take_rtt_sample(const Segment& seg, Instant now);
  /// cwnd for `acked` new bytes, and NewReno's partial-ACK retransmit.
  void grow_cwnd(std::uint32_t acked, SeqNum ack, Instant now);
  void update_window(const Segment& seg, Instant now);
  /// `sack_blocks`: the duplicate carried SACK (or D-SACK) blocks.
  void on_dup_ack(bool sack_blocks, Instant now);
  /// RFC 3168 §6.1.2: an ACK with ECE on an ECN connection.
  void on_ecn_echo(Instant now);
  /// cwnd was reduced (loss or ECE): the next new data carries CWR, and ECE
  /// for data sent before now reduces no further.
  void note_ecn_reduction();
  /// A cwnd/ssthresh event if either moved since `cwnd`/`ssthresh`.
  void trace_cwnd(Instant now, std::uint32_t cwnd, std::uint32_t ssthresh, const char* why) const;

  // sender_undo.cpp: RFC 3522 Eifel detection, Linux-style undo
  /// A retransmission reduced the window from what `before` holds.
  void note_reduction(const CongestionSnapshot& before, bool timeout, Instant now);
  /// The ACK covers the retransmission: if it echoes an earlier TSval, the
  /// original arrived, and the reduction is undone.
  void check_spurious(const Segment& seg, Instant now);

  // sender_transmit.cpp
  bool send_next_data(Instant now);
  bool send_new_data(std::uint32_t in_flight, std::uint32_t cwnd_room, Instant now);
  /// RFC 896 with Minshall's refinement: whether a small segment waits.
  bool nagle_holds(std::uint32_t len, std::uint32_t room, std::uint32_t pending, bool fin,
                   std::uint32_t in_flight, Instant now);
  /// TCP_CORK: whether a partial segment waits for more data.
  bool cork_holds(std::uint32_t len, std::uint32_t room, bool fin, Instant now);
  /// Congestion window room: cwnd - FlightSize, or with SACK cwnd - pipe.
  std::uint32_t congestion_room(std::uint32_t in_flight) const;
  /// How much new data to send at once when the link segments for us.
  std::uint32_t offload_length(std::uint32_t pending, std::uint32_t usable,
                               std::uint32_t room) const;
  /// Bytes from `seq` to the right edge of the peer's window (at least one at SND.UNA).
  std::uint32_t peer_window_from(SeqNum seq) const;
  void send_range(SeqNum seq, std::uint32_t len, bool fin, Instant now, const char* why,
                  std::uint32_t count = 0);
  /// Retransmits from SND.UNA, a segment at most.
  void retransmit_head(Instant now, const char* why, std::uint32_t count = 0);
  std::uint32_t flight() const { return snd_.nxt.since(snd_.una); }
  std::uint32_t unsent() const;
  /// Payload bytes per segment: the MSS less any SACK option riding along.
  std::uint32_t payload_room() const;

  // sender_recovery.cpp: loss recovery (RFC 8985, RFC 6675, RFC 6937)
  /// Takes the SACK blocks of an ACK into the scoreboard and the log; a
  /// D-SACK block (RFC 2883 §4) of a retransmission says it was spurious.
  void take_sack_blocks(const Segment& seg, Instant now);
  /// A D-SACK block (RFC 2883 §4) starting at `left`.
  void on_dsack(SeqNum left, Instant now);
  /// A cumulative ACK reached `ack`: detects reneging, forgets what it covers.
  void on_ack_log(const Segment& seg, Instant now);
  /// Tells RACK that the ACK `seg` delivered `r`.
  void on_delivered(const SentRecord& r, const Segment& seg, Instant now);
  /// After an ACK (or the reordering timer): RACK marks losses, recovery
  /// begins at the first, and PRR sets what may be sent.
  void detect_losses(Instant now);
  void enter_recovery(Instant now, const char* why);
  /// RTO (or a path MTU drop) with SACK: every unSACKed byte is lost.
  void mark_all_lost(Instant now, const char* why, std::uint32_t count);
  /// RFC 6675 NextSeg rule 1: the first lost span not sent again yet.
  std::optional<LostSpan> next_lost() const;
  /// Retransmits up to a segment of [seq, end).
  bool retransmit_range(SeqNum seq, SeqNum end, Instant now, const char* why,
                        std::uint32_t count = 0);
  // sender_probe.cpp: the tail loss probe (RFC 8985 §7)
  /// §7.2: arms the probe timeout when a tail loss could stall.
  void arm_probe(Instant now);
  /// §7.4: what the ACK `seg` says of the probe episode in progress.
  void on_probe_ack(const Segment& seg, bool advanced, bool sacked_new, Instant now);

  const TcpSettings& settings_;
  TcpCounters& counters_;
  const ConnTrace& trace_;
  SegmentSink& sink_;
  const Timestamps* ts_ = nullptr;
  Ecn* ecn_ = nullptr;
  SendState snd_;
  SendTimers timers_;
  RttEstimator rtt_;
  std::unique_ptr<CongestionControl> cc_;
  AckRttSampler ack_rtt_;  // per-ACK RTT samples for the controller
  ByteRing buf_;  // byte 0 is SND.UNA once the SYN is acknowledged
  SackScoreboard sacked_;
  SentLog log_;    // every transmission in flight, for RACK and `pipe`
  Rack rack_;
  Prr prr_;
  std::uint32_t ack_delivered_ = 0;       // bytes the ACK being processed delivered
  std::optional<SeqNum> after_rto_until_;  // RTO recovery: until SND.UNA passes this
  bool probe_outstanding_ = false;        // a tail loss probe awaits its ACK (RFC 8985 §7.3)
  std::optional<SeqNum> tlp_end_;         // TLP.end_seq: a probe episode in progress (§7.4)
  SeqNum tlp_start_;                      // where a resent probe began, for its D-SACK
  bool tlp_retransmission_ = false;       // TLP.is_retrans
  bool tlp_dsacked_ = false;              // a D-SACK reported the resent probe
  std::array<SeqNum, 8> recent_rexmits_{};  // starts of recent retransmissions, for D-SACK
  std::size_t recent_next_ = 0;
  std::optional<std::pair<SeqNum, Instant>> rtt_timing_;  // Karn: one timed segment
  std::optional<UndoPoint> undo_;  // a reduction the next advancing ACK may undo
  std::optional<SeqNum> fin_seq_;  // where our FIN sits, once sent
  SeqNum small_end_;               // end of the last sub-MSS segment sent (Minshall)
  std::vector<std::uint8_t> scratch_;  // payload staging for transmit
  std::uint32_t dup_acks_ = 0;
  std::uint32_t retries_ = 0;
  std::uint32_t persist_backoff_ = 0;
  std::uint32_t unanswered_probes_ = 0;
  std::uint64_t retransmits_ = 0;
  std::uint64_t bytes_sent_ = 0;
  std::uint64_t bytes_acked_ = 0;
  bool fin_queued_ = false;  // user asked for FIN
  bool nagle_held_ = false;
  bool nodelay_ = false;
  bool corked_ = false;
  bool cork_expired_ = false;  // the ceiling passed: what is held goes now
  bool want_writable_ = false;  // a writer found the buffer full
  bool sack_ok_ = false;        // both sides sent SACK-permitted
};

}  // namespace tapstack::tcp
