// A session's deadlines: Hello within RpcLimits::hello_timeout of connecting,
// and, for a session that owns nothing, a request at least every
// RpcLimits::idle_timeout. One timer per session, re-armed when it fires
// rather than on every request, so the hot path only reads the clock.
#include <algorithm>
#include <string>

#include "daemon/rpc_server.hpp"
#include "daemon/rpc_session.hpp"

namespace tapstack::daemon {

bool RpcSession::owns_nothing() const {
  return handles_.empty() && connecting_.empty() && ping_timers_.empty() && watch_count() == 0 &&
         !document_ && !server_.resolving_for(*this);
}

bool RpcSession::idle_for(std::chrono::steady_clock::duration quiet) const {
  return owns_nothing() && std::chrono::steady_clock::now() - last_request_ >= quiet;
}

void RpcSession::arm_deadline(std::chrono::steady_clock::time_point at) {
  deadline_.expires_at(at);
  deadline_.async_wait([weak = weak_from_this()](const boost::system::error_code& ec) {
    auto self = weak.lock();
    if (!ec && self && !self->stopped_) self->on_deadline();
  });
}

void RpcSession::on_deadline() {
  const auto& limits = server_.limits();
  if (!hello_done_) {
    return stop("no hello within " + std::to_string(limits.hello_timeout.count()) + " ms");
  }
  if (idle_for(limits.idle_timeout)) {
    return stop("idle for " + std::to_string(limits.idle_timeout.count()) + " ms owning nothing");
  }
  const auto now = std::chrono::steady_clock::now();
  arm_deadline(std::max(last_request_ + limits.idle_timeout, now + limits.idle_timeout / 4));
}

}  // namespace tapstack::daemon
