// TCB timers (RFC 6298 retransmission, RFC 9293 §3.8.6.1 persist, RFC 1122
// §4.2.3.6 keep-alive, §3.4.2 TIME-WAIT, RFC 1122 §4.2.3.2 delayed ACK) and
// the state/notification helpers.
#include <algorithm>

#include "stack/tcp/tcb.hpp"

namespace tapstack::tcp {

using namespace wire::tcp_flags;

bool ChallengeAckLimiter::allow(Instant now) {
  if (now - window_start_ >= 1s) {
    window_start_ = now;
    used_ = 0;
  }
  if (used_ >= limit_) return false;
  ++used_;
  return true;
}

void Tcb::on_timers(Instant now) {
  if (timers_.time_wait && *timers_.time_wait <= now) {
    if (state_ == TcpState::FinWait2) {
      ++env_.counters.timeouts;
      close_with(Errc::TimedOut, "orphaned fin-wait-2 timeout", now);
      return;
    }
    ++env_.counters.time_wait_expired;
    trace(TraceKind::TimeWaitExpire, now, 0, 0, 0, 0, 0, "2MSL timer expired");
    close_with(Errc::Ok, "2MSL in TIME-WAIT expired", now);
    return;
  }
  if (timers_.delayed_ack && *timers_.delayed_ack <= now) {
    timers_.delayed_ack.reset();
    ++env_.counters.delayed_acks;
    trace(TraceKind::DelayedAck, now, rcv_.nxt.raw(), unacked_bytes_, 0, 0, 0,
          "timer fired: sending the delayed ACK");
    send_ack(now, "delayed ACK");
  }
  if (timers_.window_update && *timers_.window_update <= now) {
    timers_.window_update.reset();
    if (window_update_due()) send_ack(now, "window update");
  }
  if (timers_.retransmit && *timers_.retransmit <= now) {
    timers_.retransmit.reset();
    on_retransmit_timeout(now);
    if (state_ == TcpState::Closed) return;
  }
  if (timers_.probe && *timers_.probe <= now) {
    timers_.probe.reset();
    on_probe_timeout(now);
  }
  if (timers_.persist && *timers_.persist <= now) {
    timers_.persist.reset();
    on_persist_timeout(now);
  }
  if (timers_.keepalive && *timers_.keepalive <= now) {
    timers_.keepalive.reset();
    on_keepalive_timeout(now);
  }
}

Instant Tcb::next_deadline() const {
  Instant t = Instant::max();
  for (const auto& d : {timers_.retransmit, timers_.delayed_ack, timers_.persist,
                        timers_.keepalive, timers_.time_wait, timers_.probe,
                        timers_.window_update}) {
    if (d) t = std::min(t, *d);
  }
  return t;
}

void Tcb::on_retransmit_timeout(Instant now) {
  ++env_.counters.rto_expirations;
  const bool handshake = state_ == TcpState::SynSent || state_ == TcpState::SynReceived;
  const std::uint32_t limit =
      handshake ? env_.settings.max_syn_retries : env_.settings.max_retries;
  if (retries_ >= limit) {
    ++env_.counters.timeouts;
    if (handshake) ++env_.counters.attempt_fails;
    close_with(Errc::TimedOut, "retransmission limit", now);
    return;
  }
  ++retries_;
  rtt_.back_off();  // RFC 6298 §5.5
  rtt_timing_.reset();
  if (handshake) {
    send_syn(now);
    timers_.retransmit = now + rtt_.rto();
    return;
  }
  // RFC 5681 §3.1 eq. 4 and loss window; RFC 6582 §4: recover = highest sent.
  const std::uint32_t cwnd = cc_->cwnd();
  const std::uint32_t ssthresh = cc_->ssthresh();
  cc_->on_timeout(snd_.max.since(snd_.una));
  trace_cwnd(now, cwnd, ssthresh, "RTO: ssthresh = flight/2, cwnd = loss window");
  snd_.recover = snd_.max;
  dup_acks_ = 0;
  probe_outstanding_ = false;
  timers_.probe.reset();
  if (sack_ok_) {
    // Resend only what the peer has not SACKed, as the window reopens.
    mark_all_lost(now, "RTO retransmit", retries_);
  } else {
    // Go back to SND.UNA: the segments after it are resent as the window reopens.
    snd_.nxt = snd_.una;
    retransmit_head(now, "RTO retransmit", retries_);
  }
  timers_.retransmit = now + rtt_.rto();  // RFC 6298 §5.6
  output(now);
}

void Tcb::on_persist_timeout(Instant now) {
  if (snd_.wnd != 0 || send_buf_.empty() || !is_synchronized(state_)) return;
  ++env_.counters.zero_window_probes;
  trace(TraceKind::ZeroWindowProbe, now, snd_.una.raw(), persist_backoff_, 0, 0, 0,
        "persist timer: peer's window is zero");
  // RFC 9293 §3.8.6.1: send one byte beyond the closed window. A receiver
  // whose window is zero discards it, so SND.NXT stays: when the window
  // opens, sending resumes at SND.UNA with that byte instead of leaving a
  // one-byte hole for loss recovery to find. SND.MAX covers it, so an ACK
  // of the byte from a receiver that kept it is valid.
  scratch_.resize(1);
  send_buf_.peek(0, scratch_);
  transmit(snd_.una, Ack, scratch_, {}, now, "zero-window probe", persist_backoff_ + 1);
  if (seq_lt(snd_.max, snd_.una + 1)) {
    snd_.max = snd_.una + 1;
    bytes_sent_ += 1;
  }
  ++persist_backoff_;
  arm_timers(now);
}

void Tcb::on_keepalive_timeout(Instant now) {
  if (!keepalive_ || !(state_ == TcpState::Established || state_ == TcpState::CloseWait)) return;
  if (keepalive_probes_ >= env_.settings.keepalive_count) {
    ++env_.counters.timeouts;
    close_with(Errc::TimedOut, "keep-alive unanswered", now);
    return;
  }
  // RFC 1122 §4.2.3.6: a segment with SEG.SEQ = SND.NXT - 1 (no data) draws an ACK.
  ++keepalive_probes_;
  ++env_.counters.keepalive_probes;
  transmit(snd_.una - 1, Ack, {}, {}, now, "keep-alive probe", keepalive_probes_);
  timers_.keepalive = now + env_.settings.keepalive_interval;
}

void Tcb::set_keepalive(bool on, Instant now) {
  keepalive_ = on;
  keepalive_probes_ = 0;
  if (on && is_synchronized(state_)) {
    timers_.keepalive = now + env_.settings.keepalive_idle;
  } else {
    timers_.keepalive.reset();
  }
}

void Tcb::enter_fin_wait2(Instant now) {
  set_state(TcpState::FinWait2, "our FIN acked", now);
  if (!announce_) timers_.time_wait = now + env_.settings.fin_wait2_timeout;
}

void Tcb::detach(Instant now) {
  announce_ = false;
  if (state_ == TcpState::FinWait2 && !timers_.time_wait) {
    timers_.time_wait = now + env_.settings.fin_wait2_timeout;
  }
}

void Tcb::enter_time_wait(Instant now, const char* why) {
  set_state(TcpState::TimeWait, why, now);
  timers_ = TcbTimers{};
  timers_.time_wait = now + 2 * env_.settings.msl;  // RFC 9293 §3.4.2
  trace(TraceKind::TimeWaitEnter, now, to_micros(*timers_.time_wait), 0, 0, 0, 0,
        "2MSL timer started");
  notify(SocketEventKind::Closed);
}

void Tcb::close_with(Errc error, const char* why, Instant now) {
  const bool already_announced = state_ == TcpState::TimeWait;  // Closed went out on entry
  error_ = error;
  set_state(TcpState::Closed, why, now);
  timers_ = TcbTimers{};
  if (!already_announced) notify(SocketEventKind::Closed, error);
}

void Tcb::set_state(TcpState s, const char* why, Instant now) {
  if (s == state_) return;
  trace(TraceKind::StateChange, now, static_cast<std::int64_t>(state_),
        static_cast<std::int64_t>(s), 0, 0, 0, why);
  state_ = s;
}

void Tcb::trace(TraceKind kind, Instant now, std::int64_t a, std::int64_t b, std::int64_t c,
                std::int64_t d, std::int64_t e, const char* why) const {
  if (env_.trace == nullptr) return;
  TraceEvent event = make_trace_event(kind, id_, now, why);
  event.a = a;
  event.b = b;
  event.c = c;
  event.d = d;
  event.e = e;
  emit(event);
}

void Tcb::trace_segment(TraceKind kind, Instant now, const wire::TcpHeader& h, std::size_t len,
                        const char* why, std::uint32_t count) const {
  if (env_.trace == nullptr) return;
  TraceEvent event = make_trace_event(kind, id_, now, why);
  set_segment_fields(event, h, len);
  event.count = count;
  emit(event);
}

void Tcb::trace_cwnd(Instant now, std::uint32_t cwnd, std::uint32_t ssthresh,
                     const char* why) const {
  if (env_.trace == nullptr || (cc_->cwnd() == cwnd && cc_->ssthresh() == ssthresh)) return;
  trace(TraceKind::CongestionChange, now, cc_->cwnd(), cc_->ssthresh(), cwnd, ssthresh, 0, why);
}

void Tcb::emit(TraceEvent& event) const {
  event.tuple = tuple_;
  event.iss = snd_.iss.raw();
  event.iss_known = true;
  event.irs = rcv_.irs.raw();
  event.irs_known = irs_known_;
  env_.trace->on_trace(event);
}

void Tcb::notify(SocketEventKind kind, Errc error) {
  if (announce_) env_.events.push(SocketEvent{net::IpProtocol::Tcp, id_, kind, error});
}

}  // namespace tapstack::tcp
