// TCB construction, the opening transitions, the user calls (RFC 9293
// §3.10.1-§3.10.5) and ICMP errors (RFC 5927, RFC 1191).
#include <algorithm>

#include "stack/tcp/tcb.hpp"

namespace tapstack::tcp {

const char* state_name(TcpState s) {
  switch (s) {
    case TcpState::Closed: return "CLOSED";
    case TcpState::Listen: return "LISTEN";
    case TcpState::SynSent: return "SYN-SENT";
    case TcpState::SynReceived: return "SYN-RECEIVED";
    case TcpState::Established: return "ESTABLISHED";
    case TcpState::FinWait1: return "FIN-WAIT-1";
    case TcpState::FinWait2: return "FIN-WAIT-2";
    case TcpState::CloseWait: return "CLOSE-WAIT";
    case TcpState::Closing: return "CLOSING";
    case TcpState::LastAck: return "LAST-ACK";
    case TcpState::TimeWait: return "TIME-WAIT";
  }
  return "?";
}

Tcb::Tcb(TcbEnv& env, SocketId id, const FourTuple& tuple, const SocketOptions& options)
    : env_(env),
      id_(id),
      tuple_(tuple),
      trace_(env.trace, id, tuple),
      receiver_(env.settings, env.counters, trace_),
      writer_(env, tuple, trace_, receiver_, ts_, ecn_),
      sender_(env.settings, env.counters, trace_, writer_) {
  sender_.set_timestamps(&ts_);
  sender_.set_ecn(&ecn_);
  set_options(options, Instant{});  // CLOSED: nothing is sent or armed yet
}

void Tcb::open_active(SeqNum iss, Instant now) {
  sender_.open(iss);
  trace_.set_iss(iss);
  receiver_.set_mss(receive_mss());
  if (env_.settings.timestamps) ts_.offer();
  ecn_.offer(env_.settings.ecn);
  set_state(TcpState::SynSent, "connect(): sending SYN", now);
  send_syn(now);
  arm_timers(now);
}

void Tcb::open_passive(const Segment& syn, SeqNum iss, Instant now) {
  passive_ = true;
  sender_.open(iss);
  trace_.set_iss(iss);
  trace_.set_irs(syn.seq());
  trace_.segment(TraceKind::SegmentIn, now, syn.header, syn.payload.size(), "SYN to a listener");
  take_syn(syn, iss, now);
  if (ecn_.on_syn(env_.settings.ecn, syn.ece(), syn.cwr())) ++env_.counters.ecn_negotiated;
  set_state(TcpState::SynReceived, "SYN received on a listening port", now);
  send_syn(now);
  arm_timers(now);
}

void Tcb::open_from_cookie(const Segment& ack, SeqNum iss, std::uint16_t peer_mss, Instant now) {
  passive_ = true;
  sender_.open_from_cookie(iss);
  trace_.set_iss(iss);
  trace_.set_irs(ack.seq() - 1);
  receiver_.open_from_cookie(ack.seq() - 1);
  // A cookie cannot remember window scaling, SACK, timestamps or ECN (its
  // SYN-ACK offered none of them).
  receiver_.set_mss(receive_mss());
  receiver_.negotiate(false, false, false);
  sender_.negotiate(std::max<std::uint32_t>(std::min<std::uint32_t>(peer_mss, path_mss()), 64), 0,
                    false);
  sender_.init_window(ack.header.window, ack.seq(), ack.ack());
  set_state(TcpState::Established, "ACK carried a valid SYN cookie", now);
  on_segment(ack, now);  // the ACK may carry data
}

std::size_t Tcb::send(Bytes data, Instant now) {
  if (!may_send(state_) || sender_.fin_queued()) return 0;
  const std::size_t n = sender_.write(data);
  if (is_synchronized(state_)) output(now);
  return n;
}

std::size_t Tcb::recv(MutableBytes out, Instant now) {
  const std::size_t n = receiver_.read(out);
  // RFC 1122 §4.2.3.3: reading may open the window enough for an update.
  if (n > 0 && may_recv(state_)) receiver_.offer_window_update(now);
  return n;
}

std::size_t Tcb::send_space() const {
  return may_send(state_) && !sender_.fin_queued() ? sender_.space() : 0;
}

bool Tcb::shutdown_send(Instant now) {
  if (sender_.fin_queued()) return true;
  switch (state_) {
    case TcpState::SynSent:
    case TcpState::SynReceived:
      sender_.queue_fin();  // FIN-WAIT-1 once the handshake completes (§3.10.4)
      return true;
    case TcpState::Established:
      sender_.queue_fin();
      set_state(TcpState::FinWait1, "close(): sending FIN", now);
      break;
    case TcpState::CloseWait:
      sender_.queue_fin();
      set_state(TcpState::LastAck, "close(): sending FIN after the peer's", now);
      break;
    default:
      return false;
  }
  output(now);
  return true;
}

void Tcb::abort(Instant now) {
  // RFC 9293 §3.10.5: synchronized states send <SEQ=SND.NXT><CTL=RST>.
  if (state_ == TcpState::SynReceived || state_ == TcpState::Established ||
      state_ == TcpState::FinWait1 || state_ == TcpState::FinWait2 ||
      state_ == TcpState::CloseWait) {
    writer_.send_rst(sender_.snd().max, std::nullopt, now, "RST: connection aborted");
  }
  announce_ = false;
  close_with(Errc::ConnectionAborted, "aborted", now);
}

void Tcb::on_icmp_error(const net::IcmpErrorInfo& err, SeqNum quoted_seq, Instant now) {
  // RFC 5927 §4.1: act only if the quoted sequence number is in flight.
  const SendState& snd = sender_.snd();
  if (!(seq_le(snd.una, quoted_seq) && seq_lt(quoted_seq, snd.max))) {
    ++env_.counters.icmp_errors_ignored;
    return;
  }
  ++env_.counters.icmp_errors;
  using Kind = net::IcmpErrorInfo::Kind;
  const bool opening = state_ == TcpState::SynSent;
  switch (err.kind) {
    case Kind::FragmentationNeeded:
      on_fragmentation_needed(err, now);
      return;
    case Kind::PortUnreachable:
    case Kind::ProtocolUnreachable:
      // RFC 1122 §4.2.3.9: hard errors; Linux aborts only while connecting.
      if (opening) close_with(Errc::ConnectionRefused, "icmp unreachable", now);
      return;
    case Kind::HostUnreachable:
    case Kind::AdminProhibited:
      if (opening) close_with(Errc::HostUnreachable, "icmp host unreachable", now);
      return;
    case Kind::NetUnreachable:
      if (opening) close_with(Errc::NetworkUnreachable, "icmp net unreachable", now);
      return;
    default:
      return;  // soft errors
  }
}

void Tcb::on_fragmentation_needed(const net::IcmpErrorInfo& err, Instant now) {
  // This connection's own segment was too big: the path MTU toward its
  // peer is lowered (RFC 1191, RFC 8201 §4 only for a matching flow).
  if (err.next_hop_mtu != 0) env_.ip.note_path_mtu(tuple_.remote_addr, err.next_hop_mtu);
  const std::uint32_t mss = effective_mss(path_mss());
  const std::uint32_t before = sender_.snd().mss;
  if (mss >= before) return;
  // RFC 1191 §6.5: shrink the MSS and resend what is in flight at once.
  trace_.event(TraceKind::PathMtu, now, mss, before,
               static_cast<std::int64_t>(env_.ip.path_mtu(tuple_.remote_addr)), 0, 0,
               "ICMP fragmentation needed for a segment in flight");
  sender_.shrink_mss(mss);
  ++env_.counters.pmtu_updates;
  if (is_synchronized(state_) && state_ != TcpState::TimeWait) {
    sender_.resend_in_flight(now);
    output(now);
  }
}

TcpSocketInfo Tcb::info() const {
  const SendState& snd = sender_.snd();
  const ReceiveState& rcv = receiver_.rcv();
  TcpSocketInfo i;
  i.id = announce_ ? id_ : SocketId{};
  i.state = state_;
  i.local_addr = tuple_.local_addr;
  i.local_port = tuple_.local_port;
  i.remote_addr = tuple_.remote_addr;
  i.remote_port = tuple_.remote_port;
  i.iss = snd.iss.raw();
  i.irs = rcv.irs.raw();
  i.snd_una = snd.una.raw();
  i.snd_nxt = snd.nxt.raw();
  i.rcv_nxt = rcv.nxt.raw();
  i.snd_una_rel = snd.una.since(snd.iss);
  i.snd_nxt_rel = snd.nxt.since(snd.iss);
  i.rcv_nxt_rel = rcv.nxt.since(rcv.irs);
  i.snd_wnd = snd.wnd;
  i.rcv_wnd = receiver_.window();
  i.snd_wscale = snd.wnd_shift;
  i.rcv_wscale = rcv.wnd_shift;
  i.mss = snd.mss;
  i.congestion = sender_.congestion().algorithm();
  i.cwnd = sender_.congestion().cwnd();
  i.ssthresh = sender_.congestion().ssthresh();
  i.srtt = sender_.rtt().srtt();
  i.rttvar = sender_.rtt().rttvar();
  i.rto = sender_.rtt().rto();
  i.min_rtt = sender_.min_rtt().value_or(Duration{0});
  // Linux's estimate of the peer's MSS: 536 (or less) until a larger segment came.
  i.rcv_mss = std::min(std::max(largest_segment_, std::min(536u, rcv.mss)), rcv.mss);
  i.adv_mss = rcv.mss;
  i.sack = sender_.sack_enabled();
  i.window_scaling = peer_ws_ok_;
  i.in_recovery = sender_.congestion().in_recovery();
  i.retransmits = sender_.retransmits();
  i.retries = sender_.retries();
  i.bytes_sent = sender_.bytes_sent();
  i.bytes_received = receiver_.bytes_received();
  i.bytes_acked = sender_.bytes_acked();
  i.segs_in = segs_in_;
  i.segs_out = writer_.segments_sent();
  i.unacked = snd.max.since(snd.una);
  i.keepalive_expires = keepalive_timer_;
  i.keepalive_probes = keepalive_probes_;
  i.user_timeout = opts_.user_timeout;
  i.quick_acks = receiver_.quick_acks();
  i.send_buffer = sender_.queued() + sender_.space();
  i.recv_buffer = receiver_.capacity();
  i.timestamps = ts_.enabled();
  i.ts_recent = ts_.recent();
  i.ecn = ecn_.sending() || ecn_.echoing();
  i.ecn_ce_received = ecn_.ce_received();
  i.ecn_reductions = ecn_.reductions();
  i.ecn_cwr_sent = ecn_.cwr_sent();
  i.send_queued = sender_.queued();
  i.recv_queued = receiver_.readable();
  if (state_ == TcpState::TimeWait) i.time_wait_expires = time_wait_timer_;
  i.error = error_;
  return i;
}

}  // namespace tapstack::tcp
