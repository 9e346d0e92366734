// TCB construction, the opening transitions and the user calls (RFC 9293
// §3.10.1-§3.10.5).
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

namespace {

/// RFC 7323 §2.3: the smallest shift that lets the window cover the buffer.
std::uint8_t shift_for(std::size_t buffer) {
  std::uint8_t shift = 0;
  while (shift < wire::kTcpMaxWindowShift && (std::size_t{65535} << shift) < buffer) ++shift;
  return shift;
}

}  // namespace

Tcb::Tcb(TcbEnv& env, SocketId id, const FourTuple& tuple)
    : env_(env),
      id_(id),
      tuple_(tuple),
      rtt_(env.settings.rto_initial, env.settings.rto_min, env.settings.rto_max),
      cc_(std::make_unique<NewReno>(536)),
      send_buf_(env.settings.send_buffer),
      recv_(env.settings.recv_buffer, env.settings.max_ooo_segments),
      keepalive_(env.settings.keepalive) {
  rcv_.wnd_shift = env.settings.window_scaling ? shift_for(env.settings.recv_buffer) : 0;
}

bool Tcb::set_buffers(std::size_t send_bytes, std::size_t recv_bytes) {
  if (state_ != TcpState::Closed) return false;
  send_buf_.resize(std::max<std::size_t>(send_bytes, 1));
  recv_.resize(std::max<std::size_t>(recv_bytes, 1));
  rcv_.wnd_shift = env_.settings.window_scaling ? shift_for(recv_bytes) : 0;
  return true;
}

void Tcb::open_active(SeqNum iss, Instant now) {
  snd_.iss = snd_.una = snd_.nxt = snd_.max = snd_.recover = small_end_ = iss;
  rcv_.mss = receive_mss();
  set_state(TcpState::SynSent, "connect(): sending SYN", now);
  send_syn(now);
  arm_timers(now);
}

void Tcb::open_passive(const Segment& syn, SeqNum iss, Instant now) {
  passive_ = true;
  snd_.iss = snd_.una = snd_.nxt = snd_.max = snd_.recover = small_end_ = iss;
  rcv_.irs = syn.seq();
  irs_known_ = true;
  trace_segment(TraceKind::SegmentIn, now, syn.header, syn.payload.size(), "SYN to a listener");
  rcv_.nxt = syn.seq() + 1;
  rcv_.adv_edge = rcv_.nxt;
  take_syn_options(syn);
  snd_.wnd = syn.header.window;
  snd_.max_wnd = snd_.wnd;
  snd_.wl1 = syn.seq();
  snd_.wl2 = iss;
  last_received_ = now;
  set_state(TcpState::SynReceived, "SYN received on a listening port", now);
  send_syn(now);
  arm_timers(now);
}

void Tcb::open_from_cookie(const Segment& ack, SeqNum iss, std::uint16_t peer_mss, Instant now) {
  passive_ = true;
  snd_.iss = snd_.recover = small_end_ = iss;
  snd_.una = snd_.nxt = snd_.max = iss + 1;
  rcv_.irs = ack.seq() - 1;
  irs_known_ = true;
  rcv_.nxt = ack.seq();
  rcv_.adv_edge = rcv_.nxt + static_cast<std::uint32_t>(std::min<std::size_t>(recv_.free(), 65535));
  rcv_.mss = receive_mss();
  snd_.mss = std::max<std::uint32_t>(std::min<std::uint32_t>(peer_mss, path_mss()), 64);
  snd_.wnd_shift = rcv_.wnd_shift = 0;  // a cookie cannot remember window scaling
  snd_.wnd = snd_.max_wnd = ack.header.window;
  snd_.wl1 = ack.seq();
  snd_.wl2 = ack.ack();
  cc_ = std::make_unique<NewReno>(snd_.mss);
  set_state(TcpState::Established, "ACK carried a valid SYN cookie", now);
  on_segment(ack, now);  // the ACK may carry data
}

std::size_t Tcb::send(Bytes data, Instant now) {
  if (!may_send(state_) || fin_queued_) return 0;
  const std::size_t n = send_buf_.write(data);
  // A writer that filled the buffer (whether or not all of its data fit) is
  // told when room opens again, as poll() would report POLLOUT.
  if (n < data.size() || send_buf_.free() == 0) want_writable_ = true;
  if (is_synchronized(state_)) output(now);
  return n;
}

std::size_t Tcb::recv(MutableBytes out, Instant now) {
  const std::size_t n = recv_.read(out);
  // RFC 1122 §4.2.3.3: reading may open the window enough for an update.
  // It is due now but leaves when this round of work ends, so a segment that
  // carries it first (usually the application's reply) makes it needless.
  if (n > 0 && !timers_.window_update && window_update_due()) timers_.window_update = now;
  return n;
}

std::size_t Tcb::send_space() const {
  return may_send(state_) && !fin_queued_ ? send_buf_.free() : 0;
}

bool Tcb::shutdown_send(Instant now) {
  if (fin_queued_) return true;
  switch (state_) {
    case TcpState::SynSent:
    case TcpState::SynReceived:
      fin_queued_ = true;  // FIN-WAIT-1 once the handshake completes (§3.10.4)
      return true;
    case TcpState::Established:
      fin_queued_ = true;
      set_state(TcpState::FinWait1, "close(): sending FIN", now);
      break;
    case TcpState::CloseWait:
      fin_queued_ = true;
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
    send_rst(snd_.max, std::nullopt, now, "RST: connection aborted");
  }
  announce_ = false;
  close_with(Errc::ConnectionAborted, "aborted", now);
}

void Tcb::on_icmp_error(const net::IcmpErrorInfo& err, SeqNum quoted_seq, Instant now) {
  // RFC 5927 §4.1: act only if the quoted sequence number is in flight.
  if (!(seq_le(snd_.una, quoted_seq) && seq_lt(quoted_seq, snd_.max))) {
    ++env_.counters.icmp_errors_ignored;
    return;
  }
  ++env_.counters.icmp_errors;
  using Kind = net::IcmpErrorInfo::Kind;
  const bool opening = state_ == TcpState::SynSent;
  switch (err.kind) {
    case Kind::FragmentationNeeded: {
      // This connection's own segment was too big: the path MTU toward its
      // peer is lowered (RFC 1191, RFC 8201 §4 only for a matching flow).
      if (err.next_hop_mtu != 0) env_.ip.note_path_mtu(tuple_.remote_addr, err.next_hop_mtu);
      const std::uint32_t mss = path_mss();
      if (mss >= snd_.mss) return;
      // RFC 1191 §6.5: shrink the MSS and resend what is in flight at once.
      trace(TraceKind::PathMtu, now, mss, snd_.mss, static_cast<std::int64_t>(env_.ip.path_mtu(tuple_.remote_addr)), 0, 0,
            "ICMP fragmentation needed for a segment in flight");
      snd_.mss = mss;
      cc_->set_mss(mss);
      ++env_.counters.pmtu_updates;
      if (is_synchronized(state_) && state_ != TcpState::TimeWait) {
        if (sack_ok_) {
          mark_all_lost(now, "path MTU shrank: retransmit", 0);
        } else {
          snd_.nxt = snd_.una;
          retransmit_head(now, "path MTU shrank: retransmit");
        }
        output(now);
      }
      return;
    }
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

TcpSocketInfo Tcb::info() const {
  TcpSocketInfo i;
  i.id = announce_ ? id_ : SocketId{};
  i.state = state_;
  i.local_addr = tuple_.local_addr;
  i.local_port = tuple_.local_port;
  i.remote_addr = tuple_.remote_addr;
  i.remote_port = tuple_.remote_port;
  i.iss = snd_.iss.raw();
  i.irs = rcv_.irs.raw();
  i.snd_una = snd_.una.raw();
  i.snd_nxt = snd_.nxt.raw();
  i.rcv_nxt = rcv_.nxt.raw();
  i.snd_una_rel = snd_.una.since(snd_.iss);
  i.snd_nxt_rel = snd_.nxt.since(snd_.iss);
  i.rcv_nxt_rel = rcv_.nxt.since(rcv_.irs);
  i.snd_wnd = snd_.wnd;
  i.rcv_wnd = receive_window();
  i.snd_wscale = snd_.wnd_shift;
  i.rcv_wscale = rcv_.wnd_shift;
  i.mss = snd_.mss;
  i.cwnd = cc_->cwnd();
  i.ssthresh = cc_->ssthresh();
  i.srtt = rtt_.srtt();
  i.rttvar = rtt_.rttvar();
  i.rto = rtt_.rto();
  i.retransmits = retransmits_;
  i.bytes_sent = bytes_sent_;
  i.bytes_received = bytes_received_;
  i.send_queued = send_buf_.size();
  i.recv_queued = recv_.readable();
  if (state_ == TcpState::TimeWait) i.time_wait_expires = timers_.time_wait;
  i.error = error_;
  return i;
}

}  // namespace tapstack::tcp
