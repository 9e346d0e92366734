// Trace and Capture requests (docs/rpc.md "Trace and capture"): the reply
// carries the client's end of a stream socketpair on which the daemon writes
// trace lines or pcapng until the client closes it or its session ends.
// They show every connection's traffic, so only root and the daemon's own
// uid may watch; the streams count against per-session and total limits.
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include "daemon/capture.hpp"
#include "daemon/fd_passing.hpp"
#include "daemon/rpc_server.hpp"
#include "daemon/rpc_session.hpp"
#include "daemon/trace_hub.hpp"

namespace tapstack::daemon {

std::size_t RpcSession::watch_count() const {
  return static_cast<std::size_t>(std::count_if(
      watches_.begin(), watches_.end(), [](const auto& out) { return !out->closed(); }));
}

int RpcSession::watch_refusal() const {
  if (peer_.uid != 0 && peer_.uid != ::getuid()) return EPERM;
  const auto& limits = server_.limits();
  if (watch_count() >= limits.watches_per_session) return EMFILE;
  if (server_.watch_count() >= limits.watches_total) return ENFILE;
  return 0;
}

void RpcSession::keep_watch(std::shared_ptr<StreamOut> out) {
  std::erase_if(watches_, [](const auto& w) { return w->closed(); });
  watches_.push_back(std::move(out));
}

void RpcSession::close_watches() {
  for (auto& out : watches_) out->close();
  watches_.clear();
}

void RpcSession::on_trace(const rpc::Request& request) {
  const auto& watch = std::get<rpc::WatchRequest>(request.body);
  TraceHub* hub = server_.trace_hub();
  if (hub == nullptr) return send(rpc::error_reply(request.type, request.id, ENOTSUP));
  if (const int e = watch_refusal()) return send(rpc::error_reply(request.type, request.id, e));
  SocketPair pair = make_socket_pair(SOCK_STREAM);
  if (pair.error != 0) return send(rpc::error_reply(request.type, request.id, pair.error));
  keep_watch(hub->subscribe(std::move(pair.daemon_end),
                            TraceFilter{watch.socket, watch.address, watch.port},
                            (watch.flags & rpc::kWatchJson) != 0,
                            (watch.flags & rpc::kWatchAbsolute) != 0));
  send(rpc::Reply{request.type, request.id, 0, rpc::EmptyReply{}}, std::move(pair.client_end));
}

void RpcSession::on_capture(const rpc::Request& request) {
  const auto& watch = std::get<rpc::WatchRequest>(request.body);
  Capture* capture = server_.capture();
  if (capture == nullptr) return send(rpc::error_reply(request.type, request.id, ENOTSUP));
  if (const int e = watch_refusal()) return send(rpc::error_reply(request.type, request.id, e));
  SocketPair pair = make_socket_pair(SOCK_STREAM);
  if (pair.error != 0) return send(rpc::error_reply(request.type, request.id, pair.error));
  keep_watch(capture->subscribe(std::move(pair.daemon_end),
                                CaptureFilter{watch.address, watch.port}, watch.count));
  send(rpc::Reply{request.type, request.id, 0, rpc::EmptyReply{}}, std::move(pair.client_end));
}

}  // namespace tapstack::daemon
