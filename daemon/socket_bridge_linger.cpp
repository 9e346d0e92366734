// SocketBridge: SO_LINGER with a timeout. The close waits until the peer
// acknowledged everything, FIN included, or the timeout passed (socket(7));
// the connection then goes on detached as after any close, as on Linux.
// Lingering is the socket's, whichever comes first of the client's close
// request and its data fd's hang-up; the request only waits for it. While
// it lingers the bridge keeps the stack socket, so the FIN's acknowledgment
// is seen by a driver watcher after each batch of work.
#include "daemon/socket_bridge.hpp"

#include "daemon/stack_driver.hpp"
#include "stack/tcp/tcp_layer.hpp"

namespace tapstack::daemon {

void SocketBridge::when_closed(std::function<void()> done) {
  if (!stack_open_) return done();
  closed_ = std::move(done);
}

bool SocketBridge::wants_linger(bool abortive) const {
  return !abortive && !lingering_ && stack_open_ && kind_ == Kind::TcpStream && linger_.on &&
         linger_.seconds > 0;
}

void SocketBridge::start_linger(Instant now) {
  lingering_ = true;
  (void)stack_.tcp.shutdown_send(id_, now);  // FIN after the data, if not sent already
  close_pair();
  linger_until_ = now + std::chrono::seconds(linger_.seconds);
  std::weak_ptr<SocketBridge> weak = weak_from_this();
  driver_.add_watcher([weak](Instant t) {
    auto self = weak.lock();
    return !self || self->linger_over(t);
  });
  linger_timer_ = std::make_unique<boost::asio::steady_timer>(io_);
  linger_timer_->expires_after(std::chrono::seconds(linger_.seconds));
  linger_timer_->async_wait([weak](const boost::system::error_code& ec) {
    auto self = weak.lock();
    if (ec || !self) return;
    (void)self->linger_over(self->driver_.now());
    self->driver_.after_stack_work();
  });
}

bool SocketBridge::linger_over(Instant now) {
  if (!lingering_ || !stack_open_) return true;
  const auto info = stack_.tcp.info(id_);
  const bool acked = !info || info->state == tcp::TcpState::FinWait2 ||
                     info->state == tcp::TcpState::TimeWait ||
                     info->state == tcp::TcpState::Closed;
  if (!acked && now < linger_until_) return false;
  if (linger_timer_) linger_timer_->cancel();
  linger_ended_ = true;
  close_stack(now, false);  // detaches the connection and answers the waiting close
  return true;
}

}  // namespace tapstack::daemon
