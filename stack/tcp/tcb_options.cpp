// A TCB's per-socket options: applying them, TCP_QUICKACK, keep-alive
// (RFC 1122 §4.2.3.6, with Linux's per-socket TCP_KEEPIDLE/KEEPINTVL/
// KEEPCNT) and the user timeout (RFC 5482, Linux's TCP_USER_TIMEOUT).
#include <algorithm>
#include <utility>

#include "stack/tcp/tcb.hpp"

namespace tapstack::tcp {

using namespace wire::tcp_flags;

void Tcb::set_options(const SocketOptions& options, Instant now) {
  const SocketOptions before = std::exchange(opts_, options);
  sender_.set_nodelay(options.nodelay);
  sender_.set_cork(options.cork);
  if (options.congestion) sender_.set_congestion(*options.congestion);
  apply_buffers();
  const bool timing_changed = keepalive_timing(before, env_.settings).idle !=
                              keepalive_timing(options, env_.settings).idle;
  if (before.keepalive != options.keepalive || timing_changed) restart_keepalive(now);
  const bool released = (options.nodelay && !before.nodelay) || (before.cork && !options.cork);
  if (released && is_synchronized(state_) && state_ != TcpState::TimeWait) output(now);
}

void Tcb::apply_buffers() {
  // Before our SYN the receive buffer also picks the window scale (RFC 7323
  // §2.3); after it the scale is fixed and the receive buffer never shrinks
  // below what was offered. The send buffer keeps what it holds.
  if (opts_.send_buffer) sender_.set_buffer(std::max(*opts_.send_buffer, sender_.queued()));
  if (opts_.recv_buffer) receiver_.set_buffer(*opts_.recv_buffer, state_ == TcpState::Closed);
}

void Tcb::quickack(bool on, Instant now) {
  receiver_.set_quick_acks(on ? kQuickAcks : 0);
  if (on && receiver_.flush_delayed_ack() && may_recv(state_)) send_ack(now, "TCP_QUICKACK");
}

void Tcb::restart_keepalive(Instant now) {
  keepalive_probes_ = 0;
  if (keepalive_on() && is_synchronized(state_)) {
    keepalive_timer_ = now + keepalive_timing(opts_, env_.settings).idle;
  } else {
    keepalive_timer_.reset();
  }
}

void Tcb::on_keepalive_timeout(Instant now) {
  if (!keepalive_on() || !(state_ == TcpState::Established || state_ == TcpState::CloseWait)) {
    return;
  }
  const KeepaliveTiming timing = keepalive_timing(opts_, env_.settings);
  // Data in flight or waiting has its own timers (Linux tcp_keepalive_timer).
  if (sender_.queued() > 0 || sender_.snd().max != sender_.snd().una) {
    keepalive_timer_ = now + timing.idle;
    return;
  }
  // With a user timeout, it rather than the count ends an unanswered peer.
  const Duration silent = last_heard_ ? now - *last_heard_ : Duration{0};
  const bool expired = opts_.user_timeout != Duration{0}
                           ? keepalive_probes_ > 0 && silent >= opts_.user_timeout
                           : keepalive_probes_ >= timing.count;
  if (expired) {
    ++env_.counters.timeouts;
    close_with(Errc::TimedOut, "keep-alive unanswered", now);
    return;
  }
  // RFC 1122 §4.2.3.6: a segment with SEG.SEQ = SND.NXT - 1 (no data) draws an ACK.
  ++keepalive_probes_;
  ++env_.counters.keepalive_probes;
  writer_.transmit({sender_.snd().una - 1, Ack, {}, {}, "keep-alive probe", keepalive_probes_, 0},
                   now);
  keepalive_timer_ = now + timing.interval;
}

void Tcb::track_unacked(Instant now) {
  const SendState& snd = sender_.snd();
  if (snd.una == snd.max) {
    unacked_since_.reset();
  } else if (!unacked_since_ || unacked_una_ != snd.una) {
    unacked_since_ = now;  // new data out, or the peer acknowledged some: progress
    unacked_una_ = snd.una;
  }
}

std::optional<Instant> Tcb::user_timeout_deadline() const {
  if (opts_.user_timeout == Duration{0} || !unacked_since_) return std::nullopt;
  return *unacked_since_ + opts_.user_timeout;
}

}  // namespace tapstack::tcp
