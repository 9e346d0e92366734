// TCB timers: which of them fires in which state (RFC 6298 retransmission,
// RFC 8985 probe and RFC 9293 §3.8.6.1 persist via the Sender; RFC 1122
// §4.2.3.2 delayed ACK via the Receiver; RFC 9293 §3.4.2 TIME-WAIT here;
// keep-alive and the user timeout in tcb_options.cpp), and the state and
// notification helpers.
#include <algorithm>

#include "stack/tcp/deadline.hpp"
#include "stack/tcp/tcb.hpp"

namespace tapstack::tcp {

using namespace wire::tcp_flags;

void Tcb::on_timers(Instant now) {
  if (expire(time_wait_timer_, now)) {
    if (state_ == TcpState::FinWait2) {
      ++env_.counters.timeouts;
      close_with(Errc::TimedOut, "orphaned fin-wait-2 timeout", now);
      return;
    }
    ++env_.counters.time_wait_expired;
    trace_.event(TraceKind::TimeWaitExpire, now, 0, 0, 0, 0, 0, "2MSL timer expired");
    close_with(Errc::Ok, "2MSL in TIME-WAIT expired", now);
    return;
  }
  if (const auto limit = user_timeout_deadline(); limit && *limit <= now) {
    ++env_.counters.timeouts;
    close_with(Errc::TimedOut, "TCP_USER_TIMEOUT: data unacknowledged too long (RFC 5482)", now);
    return;
  }
  if (receiver_.delayed_ack_expired(now)) send_ack(now, "delayed ACK");
  if (receiver_.window_update_expired(now) && may_recv(state_) &&
      receiver_.window_update_due()) {
    send_ack(now, "window update");
  }
  if (sender_.timer_expired(SendTimer::Retransmit, now)) {
    on_retransmit_timeout(now);
    if (state_ == TcpState::Closed) return;
  }
  if (sender_.timer_expired(SendTimer::Probe, now) && is_synchronized(state_) &&
      state_ != TcpState::TimeWait) {
    sender_.on_probe_timeout(now);
  }
  if (sender_.timer_expired(SendTimer::Reorder, now) && is_synchronized(state_) &&
      state_ != TcpState::TimeWait) {
    sender_.on_reorder_timeout(now);
    output(now);
  }
  if (sender_.timer_expired(SendTimer::Persist, now) && is_synchronized(state_)) {
    on_persist_timeout(now);
    if (state_ == TcpState::Closed) return;
  }
  if (expire(keepalive_timer_, now)) on_keepalive_timeout(now);
  if (sender_.timer_expired(SendTimer::Cork, now) && is_synchronized(state_)) output(now);
}

Instant Tcb::next_deadline() const {
  const Instant t = std::min(sender_.next_deadline(), receiver_.next_deadline());
  return earliest(earliest(earliest(t, keepalive_timer_), time_wait_timer_),
                  user_timeout_deadline());
}

// RFC 9293 sets no limit on zero-window probing, so a peer that closed its
// window and vanished would pin the queued data forever. As Linux's
// tcp_probe_timer: give up after max_retries probes without any answer,
// after kOrphanProbes (tcp_orphan_retries' 8) once the user closed the socket.
void Tcb::on_persist_timeout(Instant now) {
  constexpr std::uint32_t kOrphanProbes = 8;
  const std::uint32_t limit = announce_ ? env_.settings.max_retries : kOrphanProbes;
  if (sender_.unanswered_probes() >= limit) {
    ++env_.counters.timeouts;
    ++env_.counters.persist_timeouts;
    close_with(Errc::TimedOut, "zero-window probes unanswered", now);
    return;
  }
  if (sender_.on_persist_timeout(now)) arm_timers(now);
}

void Tcb::on_retransmit_timeout(Instant now) {
  ++env_.counters.rto_expirations;
  const bool handshake = state_ == TcpState::SynSent || state_ == TcpState::SynReceived;
  const std::uint32_t limit =
      handshake ? env_.settings.max_syn_retries : env_.settings.max_retries;
  // With TCP_USER_TIMEOUT set, that time decides instead of the count (as Linux).
  if (sender_.retries() >= limit && opts_.user_timeout == Duration{0}) {
    ++env_.counters.timeouts;
    if (handshake) ++env_.counters.attempt_fails;
    close_with(Errc::TimedOut, "retransmission limit", now);
    return;
  }
  sender_.back_off();
  if (handshake) {
    if (ecn_.on_handshake_timeout(passive_)) {
      ++env_.counters.ecn_setup_fallbacks;
      trace_.event(TraceKind::Ecn, now, sender_.snd().iss.raw(), 0, 0, 0, 0,
                   "handshake timed out: resent without ECN flags (RFC 3168 §6.1.1.1)");
    }
    send_syn(now);
    sender_.restart_retransmit_timer(now);
    return;
  }
  sender_.on_retransmit_timeout(now);
  output(now);
}

void Tcb::enter_fin_wait2(Instant now) {
  set_state(TcpState::FinWait2, "our FIN acked", now);
  if (!announce_) time_wait_timer_ = now + env_.settings.fin_wait2_timeout;
}

void Tcb::detach(Instant now) {
  announce_ = false;
  if (state_ == TcpState::FinWait2 && !time_wait_timer_) {
    time_wait_timer_ = now + env_.settings.fin_wait2_timeout;
  }
}

void Tcb::enter_time_wait(Instant now, const char* why) {
  set_state(TcpState::TimeWait, why, now);
  stop_timers();
  time_wait_timer_ = now + 2 * env_.settings.msl;  // RFC 9293 §3.4.2
  trace_.event(TraceKind::TimeWaitEnter, now, to_micros(*time_wait_timer_), 0, 0, 0, 0,
               "2MSL timer started");
  notify(SocketEventKind::Closed);
}

void Tcb::stop_timers() {
  sender_.stop_timers();
  receiver_.stop_timers();
  keepalive_timer_.reset();
  time_wait_timer_.reset();
  unacked_since_.reset();
}

void Tcb::close_with(Errc error, const char* why, Instant now) {
  const bool already_announced = state_ == TcpState::TimeWait;  // Closed went out on entry
  error_ = error;
  set_state(TcpState::Closed, why, now);
  stop_timers();
  if (!already_announced) notify(SocketEventKind::Closed, error);
}

void Tcb::set_state(TcpState s, const char* why, Instant now) {
  if (s == state_) return;
  trace_.event(TraceKind::StateChange, now, static_cast<std::int64_t>(state_),
               static_cast<std::int64_t>(s), 0, 0, 0, why);
  state_ = s;
}

void Tcb::notify(SocketEventKind kind, Errc error) {
  if (announce_) env_.events.push(SocketEvent{net::IpProtocol::Tcp, id_, kind, error});
}

}  // namespace tapstack::tcp
