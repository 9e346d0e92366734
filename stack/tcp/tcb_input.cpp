// Segment arrival (RFC 9293 §3.10.7.3 for SYN-SENT and §3.10.7.4 for the
// synchronized states), as a pipeline of small steps that each return a Step.
// The steps decide; the Sender and Receiver keep their halves' variables.
#include <algorithm>

#include "stack/tcp/tcb.hpp"

namespace tapstack::tcp {

void Tcb::on_segment(const Segment& seg, Instant now) {
  last_heard_ = now;
  ++segs_in_;
  largest_segment_ = std::max(largest_segment_, static_cast<std::uint32_t>(seg.payload.size()));
  if (is_synchronized(state_)) restart_keepalive(now);
  trace_.segment(TraceKind::SegmentIn, now, seg.header, seg.payload.size(), "");
  if (state_ == TcpState::SynSent) {
    on_segment_syn_sent(seg, now);
  } else if (state_ == TcpState::SynReceived && seg.syn() && !seg.has_ack() &&
             seg.seq() == receiver_.rcv().irs) {
    // A retransmitted SYN: our SYN-ACK was lost; repeat it (Linux tcp_check_req).
    send_syn(now);
    return;
  } else if (state_ != TcpState::Closed) {
    const Step step = run_steps(seg, now);
    if (step == Step::Closed) return;
    if (step == Step::DropAndAck) receiver_.ack_now("ACK for a dropped segment");
    if (step == Step::Reset) {
      // §3.10.7.4 step 5, SYN-RECEIVED with an unacceptable ACK: <SEQ=SEG.ACK><CTL=RST>.
      writer_.send_rst(seg.ack(), std::nullopt, now, "RST: unacceptable ACK in SYN-RECEIVED");
      return;
    }
  }
  if (state_ != TcpState::Closed) output(now);
}

Step Tcb::run_steps(const Segment& seg, Instant now) {
  Step step = check_paws(seg, now);
  if (step == Step::Continue) step = check_sequence(seg, now);
  if (step == Step::Continue) step = check_rst(seg, now);
  if (step == Step::Continue) step = check_syn(seg, now);
  if (step == Step::Continue) take_ecn(seg, now);
  if (step == Step::Continue) step = check_ack(seg, now);
  if (step == Step::Continue) step = process_text(seg, now);
  if (step == Step::Continue) step = check_fin(seg, now);
  return step;
}

void Tcb::on_segment_syn_sent(const Segment& seg, Instant now) {
  // §3.10.7.3 first: an ACK that does not acknowledge our SYN is answered with RST.
  const SendState& snd = sender_.snd();
  if (seg.has_ack() && (seq_le(seg.ack(), snd.iss) || seq_gt(seg.ack(), snd.max))) {
    trace_.segment(TraceKind::Drop, now, seg.header, seg.payload.size(),
                   "ACK does not acknowledge our SYN");
    if (!seg.rst()) {
      writer_.send_rst(seg.ack(), std::nullopt, now, "RST: ACK does not acknowledge our SYN");
    }
    ++env_.counters.rx_dropped_bad_ack;
    return;
  }
  if (seg.rst()) {
    // Second: RST is acceptable only with an acceptable ACK (RFC 5961 §3.2 keeps this).
    if (seg.has_ack()) close_with(Errc::ConnectionRefused, "RST: connection refused", now);
    return;
  }
  if (!seg.syn()) {  // fifth: neither SYN nor RST, drop
    trace_.segment(TraceKind::Drop, now, seg.header, seg.payload.size(),
                   "neither SYN nor RST in SYN-SENT");
    return;
  }
  trace_.set_irs(seg.seq());
  take_syn(seg, seg.ack(), now);
  if (!seg.has_ack()) {
    // Simultaneous open (§3.10.7.3 fourth, "Otherwise, enter SYN-RECEIVED").
    set_state(TcpState::SynReceived, "SYN without ACK (simultaneous open)", now);
    send_syn(now);
    return;
  }
  if (ecn_.on_synack(seg.ece(), seg.cwr())) ++env_.counters.ecn_negotiated;
  sender_.on_syn_acked(seg.ack(), now);
  set_state(sender_.fin_queued() ? TcpState::FinWait1 : TcpState::Established,
            "SYN-ACK acked our SYN", now);
  restart_keepalive(now);
  notify(SocketEventKind::Connected);
  // "form an ACK segment and send it"
  receiver_.ack_now("ACK of SYN-ACK (handshake step 3)");
  output(now);
}

void Tcb::take_syn(const Segment& syn, SeqNum wl2, Instant now) {
  receiver_.open(syn.seq());
  take_syn_options(syn, now);
  // Windows in SYN segments are never scaled (RFC 7323 §2.2).
  sender_.init_window(syn.header.window, syn.seq(), wl2);
}

void Tcb::take_syn_options(const Segment& syn, Instant now) {
  const wire::TcpOptions& o = syn.header.options;
  // RFC 9293 §3.7.1: without the option the peer's MSS is 536.
  const std::uint32_t peer_mss = o.mss.value_or(536);
  // RFC 7323 §2.2: scaling is on only when both SYNs carry the option.
  peer_ws_ok_ = env_.settings.window_scaling && o.window_scale.has_value();
  const bool sack = env_.settings.sack && o.sack_permitted;  // RFC 2018 §2
  // RFC 7323 §3.2: timestamps only when both SYNs carry the option.
  ts_.negotiate(env_.settings.timestamps, syn, now);
  sender_.negotiate(effective_mss(std::min<std::uint32_t>(peer_mss, path_mss())),
                    peer_ws_ok_ ? *o.window_scale : 0, sack);
  receiver_.set_mss(receive_mss());
  receiver_.negotiate(peer_ws_ok_, sack, ts_.enabled());
}

void Tcb::take_ecn(const Segment& seg, Instant now) {
  if (seg.ecn == net::Ecn::Ce) ++env_.counters.rx_ce_marks;
  if (!ecn_.echoing()) return;
  // Only data is sent ECT, so only data can carry a genuine mark (Linux
  // checks CE on data too); a CE on a pure ACK draws no ACK back.
  const bool ce = seg.ecn == net::Ecn::Ce && !seg.payload.empty();
  if (seg.cwr() && ecn_.ece_pending()) {
    trace_.event(TraceKind::Ecn, now, seg.seq().raw(), 1, 0, 0, 0, "CWR received: ECE stops");
  }
  if (ecn_.on_segment(seg.cwr(), ce)) {
    trace_.event(TraceKind::Ecn, now, seg.seq().raw(), 1, 0, 0, 0,
                 "CE received: ECE on every ACK until CWR (RFC 3168 §6.1.3)");
    // The sender learns of the congestion now rather than a delayed ACK later (as Linux).
    receiver_.ack_now("CE mark: echo ECE at once");
  }
}

Step Tcb::check_paws(const Segment& seg, Instant now) {
  if (!ts_.paws_rejects(seg, now)) return Step::Continue;
  // An old duplicate: its ACK tells the peer where we are (§5.3 R1).
  ++env_.counters.rx_dropped_paws;
  trace_.segment(TraceKind::Drop, now, seg.header, seg.payload.size(),
                 "PAWS: timestamp older than TS.Recent (RFC 7323 §5)");
  return Step::DropAndAck;
}

Step Tcb::check_sequence(const Segment& seg, Instant now) {
  // §3.10.7.4 first check.
  if (receiver_.acceptable(seg)) return Step::Continue;
  ++env_.counters.rx_dropped_unacceptable;
  receiver_.on_unacceptable(seg);
  trace_.segment(TraceKind::Drop, now, seg.header, seg.payload.size(),
                 "sequence number outside the receive window");
  if (state_ == TcpState::TimeWait && seg.fin() && !seg.rst()) {
    // §3.10.7.4 eighth, TIME-WAIT: a retransmitted FIN restarts the 2 MSL timeout.
    time_wait_timer_ = now + 2 * env_.settings.msl;
  }
  return seg.rst() ? Step::Drop : Step::DropAndAck;
}

Step Tcb::check_rst(const Segment& seg, Instant now) {
  if (!seg.rst()) return Step::Continue;
  ++env_.counters.rx_resets;
  if (seg.seq() != receiver_.nxt()) {
    // RFC 5961 §3.2: in the window but not exactly at RCV.NXT → challenge ACK.
    ++env_.counters.rx_rst_challenged;
    challenge_ack(now, seg, "RST in window but not at RCV.NXT (RFC 5961 §3.2)");
    return Step::Drop;
  }
  switch (state_) {
    case TcpState::SynReceived:
      // Passive open: the TCB is deleted (the layer frees it); active: refused.
      close_with(passive_ ? Errc::ConnectionReset : Errc::ConnectionRefused,
                 "RST received in SYN-RECEIVED", now);
      break;
    case TcpState::Established:
    case TcpState::FinWait1:
    case TcpState::FinWait2:
    case TcpState::CloseWait:
      ++env_.counters.established_resets;
      close_with(Errc::ConnectionReset, "RST received: connection reset", now);
      break;
    default:
      // CLOSING, LAST-ACK, TIME-WAIT: just delete the TCB. Linux does the same
      // in TIME-WAIT (tcp_rfc1337 = 0), so we do not apply RFC 1337 either.
      close_with(Errc::Ok, "RST received while closing", now);
      break;
  }
  return Step::Closed;
}

Step Tcb::check_syn(const Segment& seg, Instant now) {
  if (!seg.syn()) return Step::Continue;
  // RFC 5961 §4 (adopted by RFC 9293 §3.10.7.4 fourth): any SYN in a
  // synchronized state draws a challenge ACK, never a reset.
  ++env_.counters.rx_syn_challenged;
  challenge_ack(now, seg, "SYN in a synchronized state (RFC 5961 §4)");
  return Step::Drop;
}

void Tcb::challenge_ack(Instant now, const Segment& seg, const char* why) {
  trace_.segment(TraceKind::Drop, now, seg.header, seg.payload.size(), why);
  if (!env_.challenge_acks.allow(now)) {
    ++env_.counters.challenge_acks_rate_limited;
    trace_.event(TraceKind::Drop, now, 0, 0, 0, 0, 0, "challenge ACK rate-limited (RFC 5961 §10)");
    return;
  }
  ++env_.counters.tx_challenge_acks;
  send_ack(now, "challenge ACK");
}

Step Tcb::check_ack(const Segment& seg, Instant now) {
  if (!seg.has_ack()) {
    ++env_.counters.rx_dropped_bad_ack;
    trace_.segment(TraceKind::Drop, now, seg.header, seg.payload.size(), "no ACK bit");
    return Step::Drop;  // §3.10.7.4 fifth: "if the ACK bit is off, drop the segment"
  }
  if (state_ == TcpState::SynReceived) {
    const SendState& snd = sender_.snd();
    if (!(seq_lt(snd.una, seg.ack()) && seq_le(seg.ack(), snd.max))) {
      ++env_.counters.rx_dropped_bad_ack;
      trace_.segment(TraceKind::Drop, now, seg.header, seg.payload.size(),
                     "ACK does not acknowledge our SYN-ACK");
      return Step::Reset;
    }
    set_state(sender_.fin_queued() ? TcpState::FinWait1 : TcpState::Established,
              "ACK acked our SYN-ACK", now);
    restart_keepalive(now);
    if (!passive_) notify(SocketEventKind::Connected);
  }
  return process_ack(seg, now);
}

Step Tcb::process_ack(const Segment& seg, Instant now) {
  const SendState& snd = sender_.snd();
  if (seq_gt(seg.ack(), snd.max)) {
    // Acknowledges something not yet sent: ACK and drop (§3.10.7.4 fifth).
    ++env_.counters.rx_dropped_bad_ack;
    trace_.segment(TraceKind::Drop, now, seg.header, seg.payload.size(),
                   "ACK for data not yet sent");
    return Step::DropAndAck;
  }
  if (seq_lt(seg.ack(), snd.una - snd.max_wnd)) {
    // RFC 5961 §5.2: older than SND.UNA - MAX.SND.WND is discarded with an ACK.
    ++env_.counters.rx_dropped_bad_ack;
    trace_.segment(TraceKind::Drop, now, seg.header, seg.payload.size(),
                   "ACK older than SND.UNA - MAX.SND.WND (RFC 5961 §5.2)");
    return Step::DropAndAck;
  }
  ts_.on_acceptable(seg, now);  // RFC 7323 §4.3, once the ACK is known good (Linux)
  const AckResult acked = sender_.on_ack(seg, now);
  if (acked.room_opened && may_send(state_)) notify(SocketEventKind::Writable);
  if (acked.fin_acked) {
    // §3.10.7.4 fifth, FIN-WAIT-1, CLOSING and LAST-ACK: our FIN is acknowledged.
    if (state_ == TcpState::FinWait1) {
      enter_fin_wait2(now);
    } else if (state_ == TcpState::Closing) {
      enter_time_wait(now, "our FIN acked after the peer's");
    } else if (state_ == TcpState::LastAck) {
      close_with(Errc::Ok, "our FIN acked: connection closed", now);
      return Step::Closed;
    }
  }
  sender_.after_ack(seg, acked, now);
  return Step::Continue;
}

Step Tcb::process_text(const Segment& seg, Instant now) {
  if (seg.payload.empty()) return Step::Continue;
  if (!may_recv(state_)) return Step::Continue;  // §3.10.7.4 seventh: ignore after a FIN
  const DataResult data = receiver_.on_data(seg, now, sender_.snd().mss);
  if (data.readable) notify(SocketEventKind::Readable);
  if (data.fin) on_fin(now);
  return Step::Continue;
}

Step Tcb::check_fin(const Segment& seg, Instant now) {
  if (!seg.fin() || receiver_.fin_received()) return Step::Continue;
  // The FIN counts only once everything before it has arrived.
  if (seg.seq() + static_cast<std::uint32_t>(seg.payload.size()) != receiver_.nxt()) {
    return Step::Continue;
  }
  on_fin(now);
  return state_ == TcpState::Closed ? Step::Closed : Step::Continue;
}

void Tcb::on_fin(Instant now) {
  // §3.10.7.4 eighth.
  receiver_.on_fin();
  notify(SocketEventKind::Readable);
  switch (state_) {
    case TcpState::SynReceived:
    case TcpState::Established:
      set_state(TcpState::CloseWait, "peer's FIN received", now);
      break;
    case TcpState::FinWait1:
      if (sender_.fin_acked()) {
        enter_time_wait(now, "peer's FIN received, ours acked");
      } else {
        set_state(TcpState::Closing, "peer's FIN crossed ours (simultaneous close)", now);
      }
      break;
    case TcpState::FinWait2:
      enter_time_wait(now, "peer's FIN received");
      break;
    default:
      break;
  }
}

}  // namespace tapstack::tcp
