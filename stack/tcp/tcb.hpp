#pragma once
// The transmission control block: one connection's state machine (RFC 9293
// §3.3.2), its send and receive sequence variables (§3.3.1), timers, RTT
// estimator, congestion controller and buffers. The TcpLayer owns TCBs and
// demultiplexes segments to them; a TCB sends through its TcbEnv.
#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include "stack/base/time.hpp"
#include "stack/events.hpp"
#include "stack/net/transport.hpp"
#include "stack/tcp/buffers.hpp"
#include "stack/tcp/congestion.hpp"
#include "stack/tcp/isn.hpp"
#include "stack/tcp/rtt_estimator.hpp"
#include "stack/tcp/sack_scoreboard.hpp"
#include "stack/tcp/segment.hpp"
#include "stack/tcp/seq_num.hpp"
#include "stack/tcp/tcp_types.hpp"
#include "stack/trace.hpp"

namespace tapstack::tcp {

/// RFC 5961 §10 / Linux tcp_challenge_ack_limit: a global budget of challenge
/// ACKs per second, so they cannot be used to flood or to probe.
class ChallengeAckLimiter {
 public:
  explicit ChallengeAckLimiter(std::uint32_t per_second) : limit_(per_second) {}
  bool allow(Instant now);

 private:
  std::uint32_t limit_;
  std::uint32_t used_ = 0;
  Instant window_start_{};
};

/// Every segment goes out with DF set: RFC 1191 path MTU discovery, as Linux
/// does for TCP. A too-small path then answers with ICMP "fragmentation
/// needed", which shrinks the MSS (Tcb::on_icmp_error).
inline constexpr net::Ipv4SendOptions kSegmentOptions{.dont_fragment = true};

/// What a TCB needs from its layer.
struct TcbEnv {
  net::Ipv4Output& ip;
  EventQueue& events;
  TraceSink* trace;
  const TcpSettings& settings;
  TcpCounters& counters;
  ChallengeAckLimiter& challenge_acks;
};

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

/// RFC 9293 §3.3.1 receive sequence variables.
struct ReceiveState {
  SeqNum irs, nxt;
  SeqNum adv_edge;             // right edge of the last window advertised (never shrinks)
  std::uint8_t wnd_shift = 0;  // our shift, applied to windows we send
  std::uint32_t mss = 536;     // the MSS we advertised
};

/// One retransmission in flight. RFC 6675 keeps a single HighRxt; one
/// record per retransmitted segment lets the sender see that a
/// retransmission was itself lost (RFC 8985 §6.2: something sent after it
/// was delivered) and resend it without waiting for the RTO.
struct Retransmission {
  SeqNum start, end;
  Instant sent;
  SeqNum max_at_send;   // SND.MAX when it was sent: data from here on went out later
  std::uint64_t order;  // transmission order among retransmissions
  bool lost = false;    // presumed lost: no longer in `pipe`, due to be resent
};

/// An unSACKed span presumed lost (RFC 6675 NextSeg rule 1).
struct LostSpan {
  SeqNum start, end;
  bool resend;  // it had been retransmitted already, and that was lost too
};

/// Timer deadlines as values (smoltcp style); poll() fires the due ones.
struct TcbTimers {
  std::optional<Instant> retransmit, delayed_ack, persist, keepalive, time_wait;
  std::optional<Instant> probe;  // RFC 8985 §7 tail loss probe (PTO)
  std::optional<Instant> window_update;  // at the end of this round of work (Tcb::recv)
};

/// Outcome of one step of the RFC 9293 §3.10.7.4 segment-arrival pipeline.
enum class Step : std::uint8_t { Continue, Drop, DropAndAck, Reset, Closed };

class Tcb {
 public:
  Tcb(TcbEnv& env, SocketId id, const FourTuple& tuple);

  // --- opening ---
  /// CLOSED → SYN-SENT: sends SYN (RFC 9293 §3.10.1).
  void open_active(SeqNum iss, Instant now);
  /// LISTEN → SYN-RECEIVED for a fresh TCB: sends SYN-ACK (§3.10.7.2).
  void open_passive(const Segment& syn, SeqNum iss, Instant now);
  /// A connection rebuilt from a valid SYN-cookie ACK (RFC 4987 §3.6):
  /// straight to ESTABLISHED without window scaling.
  void open_from_cookie(const Segment& ack, SeqNum iss, std::uint16_t peer_mss, Instant now);

  // --- input ---
  void on_segment(const Segment& seg, Instant now);
  void on_icmp_error(const net::IcmpErrorInfo& err, SeqNum quoted_seq, Instant now);

  // --- user calls ---
  std::size_t send(Bytes data, Instant now);
  std::size_t recv(MutableBytes out, Instant now);
  /// Queues a FIN after the data (§3.10.4). False if not valid in this state.
  bool shutdown_send(Instant now);
  /// Sends RST when synchronized and goes to CLOSED (§3.10.5).
  void abort(Instant now);

  // --- timers ---
  void on_timers(Instant now);
  Instant next_deadline() const;

  // --- queries ---
  TcpState state() const { return state_; }
  SocketId id() const { return id_; }
  const FourTuple& tuple() const { return tuple_; }
  Errc error() const { return error_; }
  bool eof() const { return fin_received_; }
  bool send_shut() const { return fin_queued_; }
  std::size_t send_space() const;
  std::size_t recv_available() const { return recv_.readable(); }
  TcpSocketInfo info() const;

  // --- per-socket options ---
  void set_nodelay(bool on) { nodelay_ = on; }
  void set_keepalive(bool on, Instant now);
  /// Sets buffer sizes; only before the handshake (window scale is fixed then).
  bool set_buffers(std::size_t send_bytes, std::size_t recv_bytes);
  /// Whether events go to the user (false for unaccepted passive connections
  /// and for TCBs detached by close()).
  void set_announce(bool on) { announce_ = on; }
  /// The user closed the socket: no more events, and an orphaned FIN-WAIT-2
  /// gives up after fin_wait2_timeout (Linux tcp_fin_timeout; RFC 9293 has
  /// no limit, which lets a silent peer pin the TCB forever).
  void detach(Instant now);
  bool announced() const { return announce_; }

  /// Test access: the raw variables, for constructing states directly.
  SendState& snd() { return snd_; }
  ReceiveState& rcv() { return rcv_; }
  const TcbTimers& timers() const { return timers_; }
  const CongestionControl& congestion() const { return *cc_; }
  const RttEstimator& rtt() const { return rtt_; }

 private:
  // tcb_input.cpp
  void on_segment_syn_sent(const Segment& seg, Instant now);
  Step check_sequence(const Segment& seg, Instant now);
  Step check_rst(const Segment& seg, Instant now);
  Step check_syn(const Segment& seg, Instant now);
  Step check_ack(const Segment& seg, Instant now);
  Step process_ack(const Segment& seg, Instant now);
  void update_window(const Segment& seg, Instant now);
  void on_dup_ack(Instant now);
  Step process_text(const Segment& seg, Instant now);
  Step check_fin(const Segment& seg, Instant now);
  void enter_fin_wait2(Instant now);
  void on_fin(Instant now);
  void take_syn_options(const Segment& syn);
  bool acceptable(const Segment& seg) const;
  void challenge_ack(Instant now, const Segment& seg, const char* why);
  /// Asks for an ACK at the end of this round; `why` labels it in traces.
  void ack_now(const char* why);

  // tcb_recovery.cpp: SACK-based loss recovery (RFC 6675, RFC 8985 §6)
  /// Takes the SACK blocks of an ACK into the scoreboard; a D-SACK block
  /// (RFC 2883 §4) of a retransmission says it was spurious.
  void take_sack_blocks(const Segment& seg, Instant now);
  /// A cumulative ACK reached `ack`: detects reneging, forgets what it covers.
  void on_ack_sack(SeqNum ack, Instant now);
  /// After an ACK's SACK blocks are in: finds lost retransmissions and
  /// enters recovery when SND.UNA IsLost.
  void after_sack(Instant now);
  void enter_recovery(Instant now, const char* why);
  /// RTO (or a path MTU drop) with SACK: every unSACKed byte is lost.
  void mark_all_lost(Instant now, const char* why, std::uint32_t count);
  /// The end of the span in which unSACKed bytes are lost.
  SeqNum lost_end() const;
  /// RFC 6675 §4 `pipe`: bytes presumed in the network.
  std::uint32_t pipe() const;
  /// RFC 6675 NextSeg rule 1: the first lost span not already being resent.
  std::optional<LostSpan> next_lost() const;
  /// Retransmits up to a segment of [seq, end) and records it.
  bool retransmit_range(SeqNum seq, SeqNum end, Instant now, const char* why,
                        std::uint32_t count = 0);
  /// A live retransmission covering `seq`, if any.
  const Retransmission* retransmission_at(SeqNum seq) const;
  /// RFC 8985 §7.2: arms the probe timeout when a tail loss could stall.
  void arm_probe(Instant now);
  /// RFC 8985 §7.3: the PTO fired; send new data or resend the tail.
  void on_probe_timeout(Instant now);

  // tcb_output.cpp
  void output(Instant now);
  bool send_next_data(Instant now);
  /// Congestion window room: cwnd - FlightSize, or with SACK cwnd - pipe.
  std::uint32_t congestion_room(std::uint32_t in_flight) const;
  void send_syn(Instant now);
  void send_ack(Instant now, const char* why);
  void send_rst(SeqNum seq, std::optional<SeqNum> ack, Instant now, const char* why);
  void send_range(SeqNum seq, std::uint32_t len, bool fin, Instant now, const char* why,
                  std::uint32_t count = 0);
  void retransmit_head(Instant now, const char* why, std::uint32_t count = 0);
  /// Bytes from `seq` to the right edge of the peer's window (at least one at SND.UNA).
  std::uint32_t peer_window_from(SeqNum seq) const;
  /// Builds and sends one segment; `why` and `count` label it in traces.
  void transmit(SeqNum seq, std::uint8_t flags, Bytes payload, const wire::TcpOptions& options,
                Instant now, const char* why, std::uint32_t count = 0);
  std::uint16_t window_to_advertise(bool syn);
  std::uint32_t receive_window() const;
  bool window_update_due() const;
  void arm_timers(Instant now);
  std::uint32_t flight() const { return snd_.nxt.since(snd_.una); }
  std::uint32_t unsent() const;
  /// The MSS we offer: what the interface can receive (MMS_R).
  std::uint16_t receive_mss() const;
  /// The most we send per segment toward the peer: the path MTU's MSS.
  std::uint16_t path_mss() const;
  /// RFC 2018 SACK blocks for the ACK being sent (none without out-of-order
  /// data), after an RFC 2883 D-SACK block for duplicate data just received.
  void add_sack_blocks(wire::TcpOptions& options) const;
  std::size_t sack_block_count() const;
  /// Payload bytes per segment: the MSS less any SACK option riding along.
  std::uint32_t payload_room() const;
  /// How much new data to send at once when the link segments for us.
  std::uint32_t offload_length(std::uint32_t pending, std::uint32_t usable,
                               std::uint32_t room) const;

  // tcb_timers.cpp
  void on_retransmit_timeout(Instant now);
  void on_persist_timeout(Instant now);
  void on_keepalive_timeout(Instant now);
  void enter_time_wait(Instant now, const char* why);
  void set_state(TcpState s, const char* why, Instant now);
  void close_with(Errc error, const char* why, Instant now);
  void trace(TraceKind kind, Instant now, std::int64_t a, std::int64_t b = 0, std::int64_t c = 0,
             std::int64_t d = 0, std::int64_t e = 0, const char* why = "") const;
  /// A segment event (in, out or dropped) with the header's fields and options.
  void trace_segment(TraceKind kind, Instant now, const wire::TcpHeader& h, std::size_t len,
                     const char* why, std::uint32_t count = 0) const;
  /// A cwnd/ssthresh event if either moved since `cwnd`/`ssthresh`.
  void trace_cwnd(Instant now, std::uint32_t cwnd, std::uint32_t ssthresh, const char* why) const;
  /// Fills the connection context (endpoints, ISS/IRS) of an event and sends it.
  void emit(TraceEvent& event) const;
  void notify(SocketEventKind kind, Errc error = Errc::Ok);

  TcbEnv& env_;
  SocketId id_;
  FourTuple tuple_;
  TcpState state_ = TcpState::Closed;
  SendState snd_;
  ReceiveState rcv_;
  TcbTimers timers_;
  RttEstimator rtt_;
  std::unique_ptr<CongestionControl> cc_;
  ByteRing send_buf_;  // byte 0 is SND.UNA once the SYN is acknowledged
  ReceiveStore recv_;
  SackScoreboard sacked_;
  std::vector<Retransmission> rexmits_;  // SACK recovery's retransmissions in flight
  std::uint64_t rexmit_order_ = 0;       // order of the last retransmission sent
  std::uint64_t delivered_order_ = 0;    // latest retransmission known delivered
  std::optional<SeqNum> rto_lost_end_;   // after an RTO every unSACKed byte below is lost
  bool probe_outstanding_ = false;       // a tail loss probe awaits its ACK (RFC 8985 §7.3)
  std::uint32_t reordering_ = 3;         // RFC 6675 DupThresh, raised when reordering is seen
  std::array<SeqNum, 8> recent_rexmits_{};  // starts of recent retransmissions, for D-SACK
  std::size_t recent_next_ = 0;
  std::optional<std::pair<SeqNum, SeqNum>> dsack_;  // duplicate data to report (RFC 2883)
  Errc error_ = Errc::Ok;

  bool fin_queued_ = false;     // user asked for FIN
  std::optional<SeqNum> fin_seq_;  // where our FIN sits, once sent
  bool passive_ = false;        // opened from a listener
  bool nagle_held_ = false;
  SeqNum small_end_;            // end of the last sub-MSS segment sent (Minshall)
  std::vector<std::uint8_t> scratch_;  // payload staging for transmit
  bool fin_received_ = false;
  std::optional<SeqNum> ooo_fin_;  // FIN seen beyond a hole
  bool ack_now_ = false;        // send an ACK at the end of this processing round
  const char* ack_why_ = "ack";  // why, for traces
  bool irs_known_ = false;      // rcv_.irs is set (traces show relative numbers)
  std::uint32_t unacked_bytes_ = 0;  // received since our last ACK (delayed ACK)
  std::uint32_t dup_acks_ = 0;
  std::uint32_t retries_ = 0;
  std::uint32_t persist_backoff_ = 0;
  std::uint32_t keepalive_probes_ = 0;
  std::optional<std::pair<SeqNum, Instant>> rtt_timing_;  // Karn: one timed segment
  bool nodelay_ = false;
  bool keepalive_ = false;
  bool announce_ = true;
  bool want_writable_ = false;
  bool peer_ws_ok_ = false;  // both sides sent window scale
  bool sack_ok_ = false;     // both sides sent SACK-permitted
  std::uint64_t retransmits_ = 0;
  std::uint64_t bytes_sent_ = 0;
  std::uint64_t bytes_received_ = 0;
  Instant last_received_{};
};

}  // namespace tapstack::tcp
