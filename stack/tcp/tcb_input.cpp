// Segment arrival (RFC 9293 §3.10.7.3 for SYN-SENT and §3.10.7.4 for the
// synchronized states), as a pipeline of small steps that each return a Step.
#include <algorithm>

#include "stack/tcp/tcb.hpp"

namespace tapstack::tcp {

using namespace wire::tcp_flags;

void Tcb::on_segment(const Segment& seg, Instant now) {
  last_received_ = now;
  if (keepalive_ && is_synchronized(state_)) {
    keepalive_probes_ = 0;
    timers_.keepalive = now + env_.settings.keepalive_idle;
  }
  trace_segment(TraceKind::SegmentIn, now, seg.header, seg.payload.size(), "");
  if (state_ == TcpState::SynSent) {
    on_segment_syn_sent(seg, now);
  } else if (state_ == TcpState::SynReceived && seg.syn() && !seg.has_ack() &&
             seg.seq() == rcv_.irs) {
    // A retransmitted SYN: our SYN-ACK was lost; repeat it (Linux tcp_check_req).
    send_syn(now);
    return;
  } else if (state_ != TcpState::Closed) {
    Step step = check_sequence(seg, now);
    if (step == Step::Continue) step = check_rst(seg, now);
    if (step == Step::Continue) step = check_syn(seg, now);
    if (step == Step::Continue) step = check_ack(seg, now);
    if (step == Step::Continue) step = process_text(seg, now);
    if (step == Step::Continue) step = check_fin(seg, now);
    if (step == Step::Closed) return;
    if (step == Step::DropAndAck) ack_now("ACK for a dropped segment");
    if (step == Step::Reset) {
      // §3.10.7.4 step 5, SYN-RECEIVED with an unacceptable ACK: <SEQ=SEG.ACK><CTL=RST>.
      send_rst(seg.ack(), std::nullopt, now, "RST: unacceptable ACK in SYN-RECEIVED");
      return;
    }
  }
  if (state_ != TcpState::Closed) output(now);
}

void Tcb::on_segment_syn_sent(const Segment& seg, Instant now) {
  // §3.10.7.3 first: an ACK that does not acknowledge our SYN is answered with RST.
  if (seg.has_ack() && (seq_le(seg.ack(), snd_.iss) || seq_gt(seg.ack(), snd_.max))) {
    trace_segment(TraceKind::Drop, now, seg.header, seg.payload.size(),
                  "ACK does not acknowledge our SYN");
    if (!seg.rst()) send_rst(seg.ack(), std::nullopt, now, "RST: ACK does not acknowledge our SYN");
    ++env_.counters.rx_dropped_bad_ack;
    return;
  }
  if (seg.rst()) {
    // Second: RST is acceptable only with an acceptable ACK (RFC 5961 §3.2 keeps this).
    if (seg.has_ack()) close_with(Errc::ConnectionRefused, "RST: connection refused", now);
    return;
  }
  if (!seg.syn()) {  // fifth: neither SYN nor RST, drop
    trace_segment(TraceKind::Drop, now, seg.header, seg.payload.size(), "neither SYN nor RST in SYN-SENT");
    return;
  }
  rcv_.irs = seg.seq();
  irs_known_ = true;
  rcv_.nxt = seg.seq() + 1;
  rcv_.adv_edge = rcv_.nxt;
  take_syn_options(seg);
  snd_.wnd = seg.header.window;  // windows in SYN segments are never scaled (RFC 7323 §2.2)
  snd_.max_wnd = snd_.wnd;
  snd_.wl1 = seg.seq();
  snd_.wl2 = seg.ack();
  if (!seg.has_ack()) {
    // Simultaneous open (§3.10.7.3 fourth, "Otherwise, enter SYN-RECEIVED").
    set_state(TcpState::SynReceived, "SYN without ACK (simultaneous open)", now);
    send_syn(now);
    return;
  }
  snd_.una = seg.ack();
  if (rtt_timing_ && seq_ge(seg.ack(), rtt_timing_->first)) {
    rtt_.sample(now - rtt_timing_->second);
    trace(TraceKind::RttSample, now, (now - rtt_timing_->second).count(), rtt_.srtt().count(),
          rtt_.rttvar().count(), rtt_.rto().count(), 0, "SYN → SYN-ACK");
  }
  rtt_timing_.reset();
  retries_ = 0;
  timers_.retransmit.reset();
  set_state(fin_queued_ ? TcpState::FinWait1 : TcpState::Established, "SYN-ACK acked our SYN",
            now);
  if (keepalive_) timers_.keepalive = now + env_.settings.keepalive_idle;
  notify(SocketEventKind::Connected);
  ack_now("ACK of SYN-ACK (handshake step 3)");  // "form an ACK segment and send it"
  output(now);
}

bool Tcb::acceptable(const Segment& seg) const {
  // §3.10.7.4 first check, the four cases of the acceptability table.
  const std::uint32_t wnd = receive_window();
  const std::uint32_t len = seg.seq_len();
  if (wnd == 0) {
    // RFC: only len 0 at RCV.NXT. Linux (tcp_sequence) also takes a segment
    // starting at RCV.NXT, so a FIN can arrive while the window is closed;
    // its data is then trimmed to the (empty) window in process_text.
    return seg.seq() == rcv_.nxt;
  }
  if (len == 0) return in_window(seg.seq(), rcv_.nxt, wnd);
  return in_window(seg.seq(), rcv_.nxt, wnd) || in_window(seg.seq() + (len - 1), rcv_.nxt, wnd);
}

Step Tcb::check_sequence(const Segment& seg, Instant now) {
  if (acceptable(seg)) return Step::Continue;
  ++env_.counters.rx_dropped_unacceptable;
  const SeqNum end = seg.seq() + static_cast<std::uint32_t>(seg.payload.size());
  if (sack_ok_ && !seg.payload.empty() && seq_le(end, rcv_.nxt)) {
    dsack_ = std::make_pair(seg.seq(), end);  // old data again: RFC 2883 §4 D-SACK
  }
  trace_segment(TraceKind::Drop, now, seg.header, seg.payload.size(),
                "sequence number outside the receive window");
  if (state_ == TcpState::TimeWait && seg.fin() && !seg.rst()) {
    // §3.10.7.4 eighth, TIME-WAIT: a retransmitted FIN restarts the 2 MSL timeout.
    timers_.time_wait = now + 2 * env_.settings.msl;
  }
  return seg.rst() ? Step::Drop : Step::DropAndAck;
}

Step Tcb::check_rst(const Segment& seg, Instant now) {
  if (!seg.rst()) return Step::Continue;
  ++env_.counters.rx_resets;
  if (seg.seq() != rcv_.nxt) {
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
  trace_segment(TraceKind::Drop, now, seg.header, seg.payload.size(), why);
  if (!env_.challenge_acks.allow(now)) {
    ++env_.counters.challenge_acks_rate_limited;
    trace(TraceKind::Drop, now, 0, 0, 0, 0, 0, "challenge ACK rate-limited (RFC 5961 §10)");
    return;
  }
  ++env_.counters.tx_challenge_acks;
  send_ack(now, "challenge ACK");
}

void Tcb::ack_now(const char* why) {
  ack_now_ = true;
  ack_why_ = why;
}

Step Tcb::check_ack(const Segment& seg, Instant now) {
  if (!seg.has_ack()) {
    ++env_.counters.rx_dropped_bad_ack;
    trace_segment(TraceKind::Drop, now, seg.header, seg.payload.size(), "no ACK bit");
    return Step::Drop;  // §3.10.7.4 fifth: "if the ACK bit is off, drop the segment"
  }
  if (state_ == TcpState::SynReceived) {
    if (!(seq_lt(snd_.una, seg.ack()) && seq_le(seg.ack(), snd_.max))) {
      ++env_.counters.rx_dropped_bad_ack;
      trace_segment(TraceKind::Drop, now, seg.header, seg.payload.size(),
                    "ACK does not acknowledge our SYN-ACK");
      return Step::Reset;
    }
    set_state(fin_queued_ ? TcpState::FinWait1 : TcpState::Established, "ACK acked our SYN-ACK",
              now);
    if (keepalive_) timers_.keepalive = now + env_.settings.keepalive_idle;
    if (!passive_) notify(SocketEventKind::Connected);
  }
  return process_ack(seg, now);
}

Step Tcb::process_ack(const Segment& seg, Instant now) {
  const SeqNum ack = seg.ack();
  if (seq_gt(ack, snd_.max)) {
    // Acknowledges something not yet sent: ACK and drop (§3.10.7.4 fifth).
    ++env_.counters.rx_dropped_bad_ack;
    trace_segment(TraceKind::Drop, now, seg.header, seg.payload.size(), "ACK for data not yet sent");
    return Step::DropAndAck;
  }
  if (seq_lt(ack, snd_.una - snd_.max_wnd)) {
    // RFC 5961 §5.2: older than SND.UNA - MAX.SND.WND is discarded with an ACK.
    ++env_.counters.rx_dropped_bad_ack;
    trace_segment(TraceKind::Drop, now, seg.header, seg.payload.size(),
                  "ACK older than SND.UNA - MAX.SND.WND (RFC 5961 §5.2)");
    return Step::DropAndAck;
  }
  const bool advanced = seq_gt(ack, snd_.una);
  if (advanced) {
    const std::uint32_t acked = ack.since(snd_.una);
    const bool syn_acked = snd_.una == snd_.iss;
    const bool fin_acked = fin_seq_ && seq_gt(ack, *fin_seq_) && seq_le(snd_.una, *fin_seq_);
    const std::uint32_t data = acked - (syn_acked ? 1u : 0u) - (fin_acked ? 1u : 0u);
    const bool was_full = send_buf_.free() == 0;
    send_buf_.consume(std::min<std::size_t>(data, send_buf_.size()));
    snd_.una = ack;
    if (seq_lt(snd_.nxt, ack)) snd_.nxt = ack;
    if (rtt_timing_ && seq_ge(ack, rtt_timing_->first)) {
      const Duration r = now - rtt_timing_->second;
      rtt_.sample(r);
      trace(TraceKind::RttSample, now, r.count(), rtt_.srtt().count(), rtt_.rttvar().count(),
            rtt_.rto().count(), 0, "timed segment acked");
      rtt_timing_.reset();
    }
    retries_ = 0;
    dup_acks_ = 0;
    rtt_.reset_backoff();
    probe_outstanding_ = false;  // RFC 8985 §7.2: an ACK of new data reschedules the PTO
    timers_.probe.reset();
    if (sack_ok_) on_ack_sack(ack, now);
    const bool recovering = cc_->in_recovery();
    const bool full = seq_ge(ack, snd_.recover);
    const std::uint32_t cwnd = cc_->cwnd();
    const std::uint32_t ssthresh = cc_->ssthresh();
    cc_->on_ack(acked, flight(), full);
    trace_cwnd(now, cwnd, ssthresh,
               recovering ? (full ? "recovery done: cwnd deflated" : "partial ACK in recovery")
               : cwnd < ssthresh ? "slow start"
                                 : "congestion avoidance");
    // RFC 6582 §3.2 step 5: a partial ACK retransmits the next missing
    // segment. Not with SACK: in a deep pipe most partial ACKs only mean the
    // data above is still on its way; RFC 6675 finds the lost data instead.
    if (recovering && !full && !sack_ok_) retransmit_head(now, "NewReno partial-ACK retransmit");
    // RFC 6298 §5.2/§5.3: stop the timer when all is acked, else restart it.
    if (snd_.una == snd_.max) {
      timers_.retransmit.reset();
    } else {
      timers_.retransmit = now + rtt_.rto();
    }
    // Writable after a short send() or whenever a full buffer gets room, so a
    // caller that stops at send_space() == 0 without calling send() resumes.
    if ((want_writable_ || was_full) && data > 0 && may_send(state_) && !fin_queued_) {
      want_writable_ = false;
      notify(SocketEventKind::Writable);
    }
    if (fin_acked) {
      if (state_ == TcpState::FinWait1) {
        enter_fin_wait2(now);
      } else if (state_ == TcpState::Closing) {
        enter_time_wait(now, "our FIN acked after the peer's");
      } else if (state_ == TcpState::LastAck) {
        close_with(Errc::Ok, "our FIN acked: connection closed", now);
        return Step::Closed;
      }
    }
  }
  if (sack_ok_) {
    take_sack_blocks(seg, now);
    after_sack(now);
  }
  // RFC 5681 §2 definition of a duplicate ACK. An ACK that keeps the window
  // closed answers a zero-window probe (RFC 9293 §3.8.6.1): never a duplicate.
  const std::uint32_t seg_wnd = std::uint32_t{seg.header.window} << snd_.wnd_shift;
  if (!advanced && ack == snd_.una && seg.payload.empty() && !seg.syn() && !seg.fin() &&
      snd_.max != snd_.una && seg_wnd == snd_.wnd && seg_wnd != 0) {
    on_dup_ack(now);
  }
  update_window(seg, now);
  return Step::Continue;
}

void Tcb::update_window(const Segment& seg, Instant now) {
  // §3.10.7.4 fifth: update only from a segment newer than the last update.
  if (!(seq_lt(snd_.wl1, seg.seq()) || (snd_.wl1 == seg.seq() && seq_le(snd_.wl2, seg.ack())))) {
    return;
  }
  const std::uint32_t before = snd_.wnd;
  snd_.wnd = std::uint32_t{seg.header.window} << snd_.wnd_shift;
  if (snd_.wnd != before) {
    trace(TraceKind::WindowUpdate, now, snd_.wnd, before, 0, 0, 0,
          snd_.wnd == 0 ? "peer closed its window"
          : before == 0 ? "peer reopened its window"
                        : "peer's window changed");
  }
  snd_.max_wnd = std::max(snd_.max_wnd, snd_.wnd);
  snd_.wl1 = seg.seq();
  snd_.wl2 = seg.ack();
  if (snd_.wnd > 0) {
    persist_backoff_ = 0;
    timers_.persist.reset();
  }
}

void Tcb::on_dup_ack(Instant now) {
  ++dup_acks_;
  if (cc_->in_recovery()) {
    // RFC 6582 §3.2 step 3: inflate, so output() may send new data. With
    // SACK, RFC 6675 `pipe` does this accounting instead.
    if (!sack_ok_) {
      const std::uint32_t cwnd = cc_->cwnd();
      cc_->on_dup_ack();
      trace_cwnd(now, cwnd, cc_->ssthresh(), "dup ACK in recovery: inflate");
    }
    return;
  }
  // RFC 6582 §3.2 step 1: only when the ACK covers more than `recover`, so
  // duplicates from before a timeout do not trigger a second reduction.
  if (dup_acks_ != reordering_ || !seq_gt(snd_.una, snd_.recover)) return;
  enter_recovery(now, "3 dup ACKs: fast retransmit, fast recovery");
}

Step Tcb::process_text(const Segment& seg, Instant now) {
  if (seg.payload.empty()) return Step::Continue;
  if (!may_recv(state_)) return Step::Continue;  // §3.10.7.4 seventh: ignore after a FIN
  Bytes data = seg.payload;
  SeqNum seq = seg.seq();
  if (seq_lt(seq, rcv_.nxt)) {
    const std::uint32_t old = rcv_.nxt.since(seq);
    if (old >= data.size()) {
      env_.counters.rx_duplicate_bytes += data.size();
      dsack_ = std::make_pair(seq, seq + static_cast<std::uint32_t>(data.size()));
      trace_segment(TraceKind::Drop, now, seg.header, seg.payload.size(), "duplicate data");
      ack_now("ACK for duplicate data");
      return Step::Continue;
    }
    env_.counters.rx_duplicate_bytes += old;
    dsack_ = std::make_pair(seq, rcv_.nxt);
    data = data.subspan(old);
    seq = rcv_.nxt;
  }
  const std::size_t offset = seq.since(rcv_.nxt);
  const std::size_t space = recv_.free();
  const bool fits = offset + data.size() <= space;
  if (offset >= space) {
    trace_segment(TraceKind::Drop, now, seg.header, seg.payload.size(),
                  "data beyond the receive buffer");
    ack_now("ACK: no room for the data");  // entirely beyond the space we have
    return Step::Continue;
  }
  if (!fits) data = data.first(space - offset);
  const bool had_gap = recv_.has_out_of_order();
  const std::size_t advanced = recv_.add(offset, data);
  if (recv_.last_add_dropped()) ++env_.counters.rx_ooo_dropped;
  if (offset > 0) {
    // RFC 5681 §4.2: an out-of-order segment is acknowledged at once (dup ACK).
    ++env_.counters.rx_out_of_order;
    if (seg.fin() && fits && !recv_.last_add_dropped()) ooo_fin_ = seq + static_cast<std::uint32_t>(data.size());
    ack_now("dup ACK for out-of-order data");
    return Step::Continue;
  }
  rcv_.nxt += static_cast<std::uint32_t>(advanced);
  bytes_received_ += advanced;
  notify(SocketEventKind::Readable);
  if (had_gap) ack_now("ACK: a gap was filled");  // RFC 5681 §4.2: ACK at once
  unacked_bytes_ += static_cast<std::uint32_t>(advanced);
  // RFC 5681 §4.2 / RFC 1122 §4.2.3.2: ACK at least every second full-sized segment.
  if (!env_.settings.delayed_ack) {
    ack_now("ACK (delayed ACKs off)");
  } else if (unacked_bytes_ >= 2 * std::min(snd_.mss, rcv_.mss)) {
    trace(TraceKind::DelayedAck, now, rcv_.nxt.raw(), unacked_bytes_, 0, 0, 0,
          "two full-sized segments unacked: ACK now");
    ack_now("ACK every second full-sized segment");
  } else if (!timers_.delayed_ack) {
    timers_.delayed_ack = now + env_.settings.delayed_ack_timeout;
    trace(TraceKind::DelayedAck, now, rcv_.nxt.raw(), unacked_bytes_, 0, 0, 0,
          "delaying the ACK: timer armed");
  }
  if (ooo_fin_ && *ooo_fin_ == rcv_.nxt) {
    ooo_fin_.reset();
    on_fin(now);
  }
  return Step::Continue;
}

Step Tcb::check_fin(const Segment& seg, Instant now) {
  if (!seg.fin() || fin_received_) return Step::Continue;
  // The FIN counts only once everything before it has arrived.
  if (seg.seq() + static_cast<std::uint32_t>(seg.payload.size()) != rcv_.nxt) return Step::Continue;
  on_fin(now);
  return state_ == TcpState::Closed ? Step::Closed : Step::Continue;
}

void Tcb::on_fin(Instant now) {
  // §3.10.7.4 eighth.
  fin_received_ = true;
  rcv_.nxt += 1;
  rcv_.adv_edge = seq_max(rcv_.adv_edge, rcv_.nxt);
  ack_now("ACK of the peer's FIN");
  notify(SocketEventKind::Readable);
  switch (state_) {
    case TcpState::SynReceived:
    case TcpState::Established:
      set_state(TcpState::CloseWait, "peer's FIN received", now);
      break;
    case TcpState::FinWait1:
      if (fin_seq_ && seq_gt(snd_.una, *fin_seq_)) {
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

void Tcb::take_syn_options(const Segment& syn) {
  const wire::TcpOptions& o = syn.header.options;
  // RFC 9293 §3.7.1: without the option the peer's MSS is 536.
  const std::uint32_t peer_mss = o.mss.value_or(536);
  snd_.mss = std::max<std::uint32_t>(std::min<std::uint32_t>(peer_mss, path_mss()), 64);
  rcv_.mss = receive_mss();
  // RFC 7323 §2.2: scaling is on only when both SYNs carry the option.
  peer_ws_ok_ = env_.settings.window_scaling && o.window_scale.has_value();
  snd_.wnd_shift = peer_ws_ok_ ? *o.window_scale : 0;
  if (!peer_ws_ok_) rcv_.wnd_shift = 0;
  sack_ok_ = env_.settings.sack && o.sack_permitted;  // RFC 2018 §2
  cc_ = std::make_unique<NewReno>(snd_.mss);
}

}  // namespace tapstack::tcp
