#pragma once
// TCP value types shared by the layer, the TCB and callers: states (RFC 9293
// §3.3.2), settings, per-socket introspection and counters.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

#include "stack/base/errc.hpp"
#include "stack/base/time.hpp"
#include "stack/events.hpp"
#include "stack/wire/address.hpp"

namespace tapstack::tcp {

enum class TcpState : std::uint8_t {
  Closed,
  Listen,
  SynSent,
  SynReceived,
  Established,
  FinWait1,
  FinWait2,
  CloseWait,
  Closing,
  LastAck,
  TimeWait,
};

/// "ESTABLISHED", "SYN-SENT", ... (RFC 9293 spelling).
const char* state_name(TcpState s);

/// RFC 9293 §3.3.2: every state after the handshake completed.
constexpr bool is_synchronized(TcpState s) {
  return s != TcpState::Closed && s != TcpState::Listen && s != TcpState::SynSent &&
         s != TcpState::SynReceived;
}
/// States in which the user may still queue data to send.
constexpr bool may_send(TcpState s) {
  return s == TcpState::Established || s == TcpState::CloseWait || s == TcpState::SynSent ||
         s == TcpState::SynReceived;
}
/// States in which data from the peer is still accepted (no FIN received yet).
constexpr bool may_recv(TcpState s) {
  return s == TcpState::Established || s == TcpState::FinWait1 || s == TcpState::FinWait2;
}

/// Congestion control algorithms; the values travel in the RPC (TCP_CONGESTION).
enum class CongestionAlgorithm : std::uint8_t {
  NewReno = 1,  // RFC 5681, RFC 6582
  Cubic = 2,    // RFC 9438 with HyStart++ (RFC 9406)
};

/// The name Linux gives it (TCP_CONGESTION, ss -i): "reno", "cubic".
const char* congestion_name(CongestionAlgorithm a);

/// ECN (RFC 3168) per connection: never, only when the peer's SYN asks for
/// it (Linux's default, tcp_ecn = 2), or also asked for in our SYNs.
enum class EcnMode : std::uint8_t { Off, Passive, On };

/// Tunables, with Linux-like defaults.
struct TcpSettings {
  std::size_t send_buffer = 256 * 1024;
  std::size_t recv_buffer = 256 * 1024;
  Duration rto_min = 200ms;       // RFC 6298 §2.4 says 1 s; Linux uses 200 ms
  Duration rto_max = 60s;         // RFC 6298 §2.5
  Duration rto_initial = 1s;      // RFC 6298 §2.1
  std::uint32_t max_retries = 15;     // Linux tcp_retries2
  std::uint32_t max_syn_retries = 6;  // Linux tcp_syn_retries
  Duration msl = 30s;             // TIME-WAIT lasts 2*MSL (RFC 9293 §3.4.2)
  Duration fin_wait2_timeout = 60s;  // closed sockets in FIN-WAIT-2 (Linux tcp_fin_timeout)
  std::uint32_t time_wait_max = 65'536;  // TIME-WAIT records; at the cap the oldest is recycled
  std::uint32_t max_sockets = 65'534;    // sockets and connections (ids hold 16 bits of index)
  std::uint32_t local_reserve = 1'024;   // of max_sockets, kept for open(): peers cannot take them
  bool delayed_ack = true;
  Duration delayed_ack_timeout = 40ms;  // Linux's minimum; RFC 1122 §4.2.3.2 allows up to 500 ms
  bool nagle = true;                    // RFC 896; TCP_NODELAY turns it off per socket
  std::uint32_t syn_backlog = 128;      // embryonic connections per listener before SYN cookies
  bool syn_cookies = true;              // RFC 4987 §3.6
  bool keepalive = false;
  Duration keepalive_idle = 7200s;      // RFC 1122 §4.2.3.6: at least two hours
  Duration keepalive_interval = 75s;
  std::uint32_t keepalive_count = 9;
  std::uint16_t ephemeral_low = 32768;  // Linux ip_local_port_range
  std::uint16_t ephemeral_high = 60999;
  std::uint32_t challenge_ack_limit = 1000;  // per second, all sockets (RFC 5961 §10, Linux)
  std::size_t max_ooo_segments = 256;        // out-of-order runs (holes) kept per connection
  bool window_scaling = true;                // RFC 7323
  bool sack = true;  // RFC 2018: offer SACK, report out-of-order data, recover by RFC 6675
  bool timestamps = true;  // RFC 7323: offer TSopt; PAWS, RTTM and Eifel when both sides send it
  CongestionAlgorithm congestion = CongestionAlgorithm::Cubic;  // Linux's default; TCP_CONGESTION per socket
  EcnMode ecn = EcnMode::Passive;  // RFC 3168
  /// The link cuts TCP super-segments into MSS-sized ones (segmentation
  /// offload, FrameSink::transmit_segmented): new data may leave as one
  /// segment of up to this many payload bytes (clamped to what fits one
  /// IPv4 datagram). 0: every segment fits the MTU.
  std::uint32_t segmentation_offload = 0;
};

/// What `tapstack sockets` shows for one connection or listener.
struct TcpSocketInfo {
  SocketId id;  // 0 for connections detached by close()
  TcpState state = TcpState::Closed;
  wire::Ipv4Address local_addr;
  std::uint16_t local_port = 0;
  wire::Ipv4Address remote_addr;
  std::uint16_t remote_port = 0;
  std::uint32_t iss = 0, irs = 0;
  std::uint32_t snd_una = 0, snd_nxt = 0, rcv_nxt = 0;              // absolute
  std::uint32_t snd_una_rel = 0, snd_nxt_rel = 0, rcv_nxt_rel = 0;  // relative to ISS / IRS
  std::uint32_t snd_wnd = 0, rcv_wnd = 0;
  std::uint8_t snd_wscale = 0, rcv_wscale = 0;
  std::uint32_t mss = 0;
  std::uint32_t rcv_mss = 0;  // largest segment received (at least 536), at most the MSS offered
  std::uint32_t adv_mss = 0;  // the MSS we offered
  bool sack = false;          // SACK-permitted both ways (RFC 2018)
  bool window_scaling = false;
  bool in_recovery = false;   // fast recovery (RFC 6675/6582)
  CongestionAlgorithm congestion = CongestionAlgorithm::Cubic;
  std::uint32_t cwnd = 0, ssthresh = 0;
  Duration srtt{0}, rttvar{0}, rto{0};
  Duration min_rtt{0};  // least RTT seen; 0 before the first sample
  std::uint64_t retransmits = 0;
  std::uint32_t retries = 0;  // consecutive timeouts of the current segment
  std::uint64_t bytes_sent = 0, bytes_received = 0, bytes_acked = 0;
  std::uint64_t segs_in = 0, segs_out = 0;
  std::uint32_t unacked = 0;                    // bytes sent and not yet acknowledged
  std::optional<Instant> keepalive_expires;     // the keep-alive timer, while it runs
  std::uint32_t keepalive_probes = 0;           // unanswered probes
  Duration user_timeout{0};                     // TCP_USER_TIMEOUT; 0: not set
  std::uint32_t quick_acks = 0;                 // TCP_QUICKACK: segments still ACKed at once
  std::size_t send_buffer = 0, recv_buffer = 0;  // capacities (SO_SNDBUF, SO_RCVBUF)
  bool timestamps = false;       // RFC 7323 TSopt negotiated
  std::uint32_t ts_recent = 0;   // TS.Recent, the TSval we echo
  bool ecn = false;              // RFC 3168 negotiated: CE echoed, ECE answered
  std::uint64_t ecn_ce_received = 0;  // segments that arrived CE-marked
  std::uint64_t ecn_reductions = 0;   // cwnd reductions for ECE (one per window)
  std::uint64_t ecn_cwr_sent = 0;     // segments sent with CWR
  std::size_t send_queued = 0, recv_queued = 0;
  std::uint32_t backlog = 0, accept_queued = 0;  // listeners
  std::optional<Instant> time_wait_expires;       // TIME-WAIT: when 2·MSL ends
  Errc error = Errc::Ok;
};

/// Layer-wide counters (netstat -s style). Every drop path bumps one.
struct TcpCounters {
  std::uint64_t rx_segments = 0;
  std::uint64_t tx_segments = 0;
  std::uint64_t tx_super_segments = 0;  // of tx_segments, sent for the link to cut (offload)
  std::uint64_t rx_dropped_malformed = 0;
  std::uint64_t rx_dropped_bad_checksum = 0;
  std::uint64_t rx_dropped_broadcast = 0;
  std::uint64_t rx_dropped_unacceptable = 0;  // failed the RFC 9293 §3.10.7.4 sequence test
  std::uint64_t rx_dropped_bad_ack = 0;
  std::uint64_t rx_dropped_listen = 0;        // not a SYN, or backlog full
  std::uint64_t rx_dropped_paws = 0;          // old duplicate by its timestamp (RFC 7323 §5)
  std::uint64_t rx_out_of_order = 0;
  std::uint64_t rx_ooo_dropped = 0;
  std::uint64_t rx_duplicate_bytes = 0;
  std::uint64_t tx_resets = 0;
  std::uint64_t rx_resets = 0;
  std::uint64_t rx_rst_challenged = 0;  // RFC 5961 §3.2 in-window RST not at rcv.nxt
  std::uint64_t rx_syn_challenged = 0;  // RFC 5961 §4
  std::uint64_t tx_challenge_acks = 0;
  std::uint64_t challenge_acks_rate_limited = 0;
  std::uint64_t active_opens = 0;
  std::uint64_t passive_opens = 0;
  std::uint64_t attempt_fails = 0;
  std::uint64_t established_resets = 0;
  std::uint64_t retransmits = 0;
  std::uint64_t fast_retransmits = 0;
  std::uint64_t rto_expirations = 0;
  std::uint64_t tlp_losses_repaired = 0;  // RFC 8985 §7.4: a probe repaired a loss
  std::uint64_t spurious_rto_undone = 0;  // RFC 3522: the RTO's reduction taken back
  std::uint64_t spurious_fast_retransmits_undone = 0;  // likewise for fast retransmit
  std::uint64_t timeouts = 0;
  std::uint64_t zero_window_probes = 0;
  std::uint64_t persist_timeouts = 0;  // connections given up after unanswered probes
  std::uint64_t keepalive_probes = 0;
  std::uint64_t delayed_acks = 0;
  std::uint64_t syn_cookies_sent = 0;
  std::uint64_t syn_cookies_accepted = 0;
  std::uint64_t syn_cookies_failed = 0;
  std::uint64_t accept_queue_overflows = 0;
  std::uint64_t time_wait_expired = 0;
  std::uint64_t time_wait_records = 0;    // held now (a gauge): compact, without a socket slot
  std::uint64_t time_wait_recycled = 0;   // records dropped early at the cap, oldest first
  std::uint64_t syn_accepted_in_time_wait = 0;  // RFC 6191: a newer SYN reused the 4-tuple
  std::uint64_t pmtu_updates = 0;
  std::uint64_t icmp_errors = 0;          // acted on: quoting a segment in flight
  std::uint64_t icmp_errors_ignored = 0;  // quoting no connection, or a sequence not in flight
  std::uint64_t ecn_negotiated = 0;       // connections that agreed on ECN (RFC 3168 §6.1.1)
  std::uint64_t ecn_setup_fallbacks = 0;  // an ECN-setup SYN or SYN-ACK resent without ECN
  std::uint64_t rx_ce_marks = 0;          // segments that arrived with CE
  std::uint64_t tx_ece_acks = 0;          // ACKs sent with ECE (echoing CE)
  std::uint64_t rx_ece_acks = 0;          // ACKs received with ECE, on ECN connections
  std::uint64_t ecn_reductions = 0;       // cwnd reductions for ECE, one per window at most
  std::uint64_t tx_cwr = 0;               // segments sent with CWR

  template <typename Fn>
  void for_each(Fn&& fn) const {
#define TAPSTACK_TCP_COUNTER(name) fn(std::string_view{#name}, name)
    TAPSTACK_TCP_COUNTER(rx_segments); TAPSTACK_TCP_COUNTER(tx_segments);
    TAPSTACK_TCP_COUNTER(tx_super_segments);
    TAPSTACK_TCP_COUNTER(rx_dropped_malformed); TAPSTACK_TCP_COUNTER(rx_dropped_bad_checksum);
    TAPSTACK_TCP_COUNTER(rx_dropped_broadcast); TAPSTACK_TCP_COUNTER(rx_dropped_unacceptable);
    TAPSTACK_TCP_COUNTER(rx_dropped_bad_ack); TAPSTACK_TCP_COUNTER(rx_dropped_listen);
    TAPSTACK_TCP_COUNTER(rx_dropped_paws);
    TAPSTACK_TCP_COUNTER(rx_out_of_order); TAPSTACK_TCP_COUNTER(rx_ooo_dropped);
    TAPSTACK_TCP_COUNTER(rx_duplicate_bytes); TAPSTACK_TCP_COUNTER(tx_resets);
    TAPSTACK_TCP_COUNTER(rx_resets); TAPSTACK_TCP_COUNTER(rx_rst_challenged);
    TAPSTACK_TCP_COUNTER(rx_syn_challenged); TAPSTACK_TCP_COUNTER(tx_challenge_acks);
    TAPSTACK_TCP_COUNTER(challenge_acks_rate_limited); TAPSTACK_TCP_COUNTER(active_opens);
    TAPSTACK_TCP_COUNTER(passive_opens); TAPSTACK_TCP_COUNTER(attempt_fails);
    TAPSTACK_TCP_COUNTER(established_resets); TAPSTACK_TCP_COUNTER(retransmits);
    TAPSTACK_TCP_COUNTER(fast_retransmits); TAPSTACK_TCP_COUNTER(rto_expirations);
    TAPSTACK_TCP_COUNTER(tlp_losses_repaired);
    TAPSTACK_TCP_COUNTER(spurious_rto_undone);
    TAPSTACK_TCP_COUNTER(spurious_fast_retransmits_undone);
    TAPSTACK_TCP_COUNTER(timeouts); TAPSTACK_TCP_COUNTER(zero_window_probes);
    TAPSTACK_TCP_COUNTER(persist_timeouts);
    TAPSTACK_TCP_COUNTER(keepalive_probes); TAPSTACK_TCP_COUNTER(delayed_acks);
    TAPSTACK_TCP_COUNTER(syn_cookies_sent); TAPSTACK_TCP_COUNTER(syn_cookies_accepted);
    TAPSTACK_TCP_COUNTER(syn_cookies_failed); TAPSTACK_TCP_COUNTER(accept_queue_overflows);
    TAPSTACK_TCP_COUNTER(time_wait_expired); TAPSTACK_TCP_COUNTER(time_wait_records);
    TAPSTACK_TCP_COUNTER(time_wait_recycled); TAPSTACK_TCP_COUNTER(syn_accepted_in_time_wait);
    TAPSTACK_TCP_COUNTER(pmtu_updates);
    TAPSTACK_TCP_COUNTER(icmp_errors); TAPSTACK_TCP_COUNTER(icmp_errors_ignored);
    TAPSTACK_TCP_COUNTER(ecn_negotiated); TAPSTACK_TCP_COUNTER(ecn_setup_fallbacks);
    TAPSTACK_TCP_COUNTER(rx_ce_marks); TAPSTACK_TCP_COUNTER(tx_ece_acks);
    TAPSTACK_TCP_COUNTER(rx_ece_acks); TAPSTACK_TCP_COUNTER(ecn_reductions);
    TAPSTACK_TCP_COUNTER(tx_cwr);
#undef TAPSTACK_TCP_COUNTER
  }
};

}  // namespace tapstack::tcp
