// RpcSession::on_impair: `tapstack impair` (docs/rpc.md "Impair"). Anyone may
// look; only root or the daemon's own user may change the impairment, since
// it affects every connection through the stack.
#include <unistd.h>

#include <spdlog/spdlog.h>

#include <cerrno>

#include "daemon/impair_link.hpp"
#include "daemon/rpc_server.hpp"
#include "daemon/rpc_session.hpp"
#include "stack/tcp/tcp_layer.hpp"

namespace tapstack::daemon {
namespace {

bool is_one_shot(rpc::ImpairAction action) {
  return action == rpc::ImpairAction::DropNext || action == rpc::ImpairAction::DelayNext;
}

/// The 4-tuple of TCP socket `id`, taken now: a fault bound to it keeps
/// matching that connection whatever happens to the id. The errno when there
/// is none: ENOENT no such TCP socket, ENOTCONN no peer yet (a listener).
int find_connection(const tcp::TcpLayer& tcp, std::uint32_t id, link::TcpConnection& out) {
  const auto info = tcp.info(SocketId{id});
  if (!info) return ENOENT;
  if (info->remote_port == 0) return ENOTCONN;
  out = {info->local_addr, info->local_port, info->remote_addr, info->remote_port};
  return 0;
}

}  // namespace

void RpcSession::on_impair(const rpc::Request& request) {
  const auto& body = std::get<rpc::ImpairRequest>(request.body);
  link::Impairment* model = server_.stack().impairment;
  if (!model) return send(rpc::error_reply(request.type, request.id, ENOTSUP));
  if (body.action != rpc::ImpairAction::Show && peer_.uid != 0 && peer_.uid != ::getuid()) {
    return send(rpc::error_reply(request.type, request.id, EPERM));
  }
  std::optional<link::TcpConnection> connection;
  if (body.socket != 0 && is_one_shot(body.action)) {
    if (const int e = find_connection(server_.stack().tcp, body.socket, connection.emplace())) {
      return send(rpc::error_reply(request.type, request.id, e));
    }
  }
  if (!apply_impair_request(*model, body, connection)) {
    return send(rpc::error_reply(request.type, request.id, EINVAL));
  }
  auto doc = impairment_json(*model);
  if (body.action != rpc::ImpairAction::Show) {
    spdlog::info("impairment changed by pid {} uid {}: {}", peer_.pid, peer_.uid, doc.dump());
  }
  send(rpc::Reply{request.type, request.id, 0, rpc::JsonReply{doc.dump()}});
}

}  // namespace tapstack::daemon
