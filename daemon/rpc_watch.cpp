// Trace and Capture requests (docs/rpc.md "Trace and capture"): the reply
// carries the client's end of a stream socketpair on which the daemon writes
// trace lines or pcapng until the client closes it.
#include <sys/socket.h>

#include <cerrno>

#include "daemon/capture.hpp"
#include "daemon/fd_passing.hpp"
#include "daemon/rpc_server.hpp"
#include "daemon/rpc_session.hpp"
#include "daemon/trace_hub.hpp"

namespace tapstack::daemon {

void RpcSession::on_trace(const rpc::Request& request) {
  const auto& watch = std::get<rpc::WatchRequest>(request.body);
  TraceHub* hub = server_.trace_hub();
  if (hub == nullptr) return send(rpc::error_reply(request.type, request.id, ENOTSUP));
  SocketPair pair = make_socket_pair(SOCK_STREAM);
  if (pair.error != 0) return send(rpc::error_reply(request.type, request.id, pair.error));
  hub->subscribe(std::move(pair.daemon_end),
                 TraceFilter{watch.socket, watch.address, watch.port},
                 (watch.flags & rpc::kWatchJson) != 0, (watch.flags & rpc::kWatchAbsolute) != 0);
  send(rpc::Reply{request.type, request.id, 0, rpc::EmptyReply{}}, std::move(pair.client_end));
}

void RpcSession::on_capture(const rpc::Request& request) {
  const auto& watch = std::get<rpc::WatchRequest>(request.body);
  Capture* capture = server_.capture();
  if (capture == nullptr) return send(rpc::error_reply(request.type, request.id, ENOTSUP));
  SocketPair pair = make_socket_pair(SOCK_STREAM);
  if (pair.error != 0) return send(rpc::error_reply(request.type, request.id, pair.error));
  capture->subscribe(std::move(pair.daemon_end), CaptureFilter{watch.address, watch.port},
                     watch.count);
  send(rpc::Reply{request.type, request.id, 0, rpc::EmptyReply{}}, std::move(pair.client_end));
}

}  // namespace tapstack::daemon
