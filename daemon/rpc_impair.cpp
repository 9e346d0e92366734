// RpcSession::on_impair: `tapstack impair` (docs/rpc.md "Impair"). Anyone may
// look; only root or the daemon's own user may change the impairment, since
// it affects every connection through the stack.
#include <unistd.h>

#include <spdlog/spdlog.h>

#include <cerrno>

#include "daemon/impair_link.hpp"
#include "daemon/rpc_server.hpp"
#include "daemon/rpc_session.hpp"

namespace tapstack::daemon {

void RpcSession::on_impair(const rpc::Request& request) {
  const auto& body = std::get<rpc::ImpairRequest>(request.body);
  link::Impairment* model = server_.stack().impairment;
  if (!model) return send(rpc::error_reply(request.type, request.id, ENOTSUP));
  if (body.action != rpc::ImpairAction::Show && peer_.uid != 0 && peer_.uid != ::getuid()) {
    return send(rpc::error_reply(request.type, request.id, EPERM));
  }
  if (!apply_impair_request(*model, body)) {
    return send(rpc::error_reply(request.type, request.id, EINVAL));
  }
  auto doc = impairment_json(*model);
  if (body.action != rpc::ImpairAction::Show) {
    spdlog::info("impairment changed by pid {} uid {}: {}", peer_.pid, peer_.uid, doc.dump());
  }
  send(rpc::Reply{request.type, request.id, 0, rpc::JsonReply{doc.dump()}});
}

}  // namespace tapstack::daemon
