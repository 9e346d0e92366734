#pragma once
// The transmission control block: one connection's state machine (RFC 9293
// §3.3.2) and the steps of segment arrival (§3.10.7). What each half of the
// connection does is delegated: the Sender owns the send sequence space,
// buffer, timers and loss recovery; the Receiver owns the receive sequence
// space, reassembly, ACK policy and window. The Tcb decides which of their
// rules apply in which state. The TcpLayer owns TCBs and demultiplexes
// segments to them; a TCB sends through its TcbEnv.
#include <cstdint>
#include <optional>

#include "stack/base/time.hpp"
#include "stack/events.hpp"
#include "stack/net/transport.hpp"
#include "stack/tcp/conn_trace.hpp"
#include "stack/tcp/ecn.hpp"
#include "stack/tcp/isn.hpp"
#include "stack/tcp/receiver.hpp"
#include "stack/tcp/segment.hpp"
#include "stack/tcp/segment_writer.hpp"
#include "stack/tcp/sender.hpp"
#include "stack/tcp/seq_num.hpp"
#include "stack/tcp/socket_options.hpp"
#include "stack/tcp/tcb_env.hpp"
#include "stack/tcp/tcp_types.hpp"
#include "stack/tcp/timestamps.hpp"

namespace tapstack::tcp {

/// Outcome of one step of the RFC 9293 §3.10.7.4 segment-arrival pipeline.
enum class Step : std::uint8_t { Continue, Drop, DropAndAck, Reset, Closed };

class Tcb {
 public:
  Tcb(TcbEnv& env, SocketId id, const FourTuple& tuple, const SocketOptions& options = {});
  Tcb(const Tcb&) = delete;
  Tcb& operator=(const Tcb&) = delete;

  // --- opening (tcb.cpp) ---
  /// CLOSED → SYN-SENT: sends SYN (RFC 9293 §3.10.1).
  void open_active(SeqNum iss, Instant now);
  /// LISTEN → SYN-RECEIVED for a fresh TCB: sends SYN-ACK (§3.10.7.2).
  void open_passive(const Segment& syn, SeqNum iss, Instant now);
  /// A connection rebuilt from a valid SYN-cookie ACK (RFC 4987 §3.6):
  /// straight to ESTABLISHED without window scaling.
  void open_from_cookie(const Segment& ack, SeqNum iss, std::uint16_t peer_mss, Instant now);

  // --- input (tcb_input.cpp) ---
  void on_segment(const Segment& seg, Instant now);
  void on_icmp_error(const net::IcmpErrorInfo& err, SeqNum quoted_seq, Instant now);

  // --- user calls (tcb.cpp) ---
  std::size_t send(Bytes data, Instant now);
  std::size_t recv(MutableBytes out, Instant now);
  /// Queues a FIN after the data (§3.10.4). False if not valid in this state.
  bool shutdown_send(Instant now);
  /// Sends RST when synchronized and goes to CLOSED (§3.10.5).
  void abort(Instant now);

  // --- timers (tcb_timers.cpp) ---
  void on_timers(Instant now);
  Instant next_deadline() const;

  // --- queries ---
  TcpState state() const { return state_; }
  SocketId id() const { return id_; }
  const FourTuple& tuple() const { return tuple_; }
  Errc error() const { return error_; }
  bool eof() const { return receiver_.fin_received(); }
  bool send_shut() const { return sender_.fin_queued(); }
  std::size_t send_space() const;
  std::size_t recv_available() const { return receiver_.readable(); }
  TcpSocketInfo info() const;
  const Sender& sender() const { return sender_; }
  const Receiver& receiver() const { return receiver_; }

  /// Where this connection's TSval clock starts (RFC 7323 §7.1); before opening.
  void set_timestamp_offset(std::uint32_t offset) { ts_.set_offset(offset); }

  // --- per-socket options (tcb_options.cpp) ---
  /// Applies the socket's options. The receive buffer chooses the window
  /// scale only before the SYN, and after it may only grow; the send buffer
  /// never drops below what it holds. Turning TCP_NODELAY on or TCP_CORK
  /// off sends what they held, as Linux does.
  void set_options(const SocketOptions& options, Instant now);
  const SocketOptions& options() const { return opts_; }
  /// TCP_QUICKACK: on sends a delayed ACK now and acknowledges the next
  /// kQuickAcks in-order segments at once; off ends that early.
  void quickack(bool on, Instant now);
  /// Whether events go to the user (false for unaccepted passive connections
  /// and for TCBs detached by close()).
  void set_announce(bool on) { announce_ = on; }
  /// The user closed the socket: no more events, and an orphaned FIN-WAIT-2
  /// gives up after fin_wait2_timeout (Linux tcp_fin_timeout; RFC 9293 has
  /// no limit, which lets a silent peer pin the TCB forever).
  void detach(Instant now);
  bool announced() const { return announce_; }

 private:
  // tcb.cpp
  void on_fragmentation_needed(const net::IcmpErrorInfo& err, Instant now);

  // tcb_input.cpp: one function per step of §3.10.7.3 and §3.10.7.4
  Step run_steps(const Segment& seg, Instant now);
  void on_segment_syn_sent(const Segment& seg, Instant now);
  /// SYN-SENT, a SYN arrived: IRS, options and the peer's window.
  void take_syn(const Segment& syn, SeqNum wl2, Instant now);
  /// RFC 7323 §5.3 R1, before the window check.
  Step check_paws(const Segment& seg, Instant now);
  Step check_sequence(const Segment& seg, Instant now);
  Step check_rst(const Segment& seg, Instant now);
  Step check_syn(const Segment& seg, Instant now);
  Step check_ack(const Segment& seg, Instant now);
  Step process_ack(const Segment& seg, Instant now);
  Step process_text(const Segment& seg, Instant now);
  Step check_fin(const Segment& seg, Instant now);
  void on_fin(Instant now);
  void take_syn_options(const Segment& syn, Instant now);
  /// RFC 3168 §6.1.3: CWR and CE on an acceptable segment.
  void take_ecn(const Segment& seg, Instant now);
  void challenge_ack(Instant now, const Segment& seg, const char* why);

  // tcb_output.cpp
  /// Sends what the Sender may, else the ACK the Receiver asked for; arms timers.
  void output(Instant now);
  void send_syn(Instant now);
  void send_ack(Instant now, const char* why);
  void arm_timers(Instant now);
  /// `mss`, no larger than TCP_MAXSEG when set.
  std::uint16_t user_clamp(std::uint16_t mss) const;
  /// The MSS we offer: what the interface can receive (MMS_R).
  std::uint16_t receive_mss() const;
  /// The most we send per segment toward the peer: the path MTU's MSS.
  std::uint16_t path_mss() const;
  /// Payload per segment from an MSS: less the TSopt every segment carries
  /// once negotiated, as Linux's tcp_current_mss (RFC 6691 §2).
  std::uint32_t effective_mss(std::uint32_t mss) const;

  // tcb_timers.cpp
  void on_retransmit_timeout(Instant now);
  void on_persist_timeout(Instant now);

  // tcb_options.cpp
  void on_keepalive_timeout(Instant now);
  bool keepalive_on() const { return opts_.keepalive.value_or(env_.settings.keepalive); }
  /// Something was heard from the peer: the keep-alive idle time starts again.
  void restart_keepalive(Instant now);
  /// RFC 5482: when unacknowledged data has waited longer than TCP_USER_TIMEOUT.
  std::optional<Instant> user_timeout_deadline() const;
  /// Notes when SND.UNA last moved while data was outstanding.
  void track_unacked(Instant now);
  void apply_buffers();
  void enter_fin_wait2(Instant now);
  void enter_time_wait(Instant now, const char* why);
  void stop_timers();
  void set_state(TcpState s, const char* why, Instant now);
  void close_with(Errc error, const char* why, Instant now);
  void notify(SocketEventKind kind, Errc error = Errc::Ok);

  TcbEnv& env_;
  SocketId id_;
  FourTuple tuple_;
  TcpState state_ = TcpState::Closed;
  ConnTrace trace_;
  Timestamps ts_;
  Ecn ecn_;
  Receiver receiver_;
  SegmentWriter writer_;
  Sender sender_;
  SocketOptions opts_;
  std::optional<Instant> keepalive_timer_;
  std::optional<Instant> time_wait_timer_;  // 2·MSL, or an orphaned FIN-WAIT-2's limit
  std::optional<Instant> last_heard_;       // the peer's last segment
  std::optional<Instant> unacked_since_;    // data outstanding without progress since
  SeqNum unacked_una_;                      // SND.UNA when unacked_since_ was set
  Errc error_ = Errc::Ok;
  std::uint32_t keepalive_probes_ = 0;
  std::uint32_t largest_segment_ = 0;  // payload received, for tcpi_rcv_mss
  std::uint64_t segs_in_ = 0;
  bool passive_ = false;     // opened from a listener
  bool peer_ws_ok_ = false;  // both sides sent window scale
  bool announce_ = true;
};

}  // namespace tapstack::tcp
