// status, sockets, arp, counters (docs/rpc.md, "Introspection JSON"). A
// document that fits in one message is the reply's JSON; a larger one (the
// sockets of a busy daemon, an ARP table any host on the link can fill) is
// written to a stream socketpair whose client end the reply carries, and the
// reply's JSON is empty. One such stream per session, and a total in bytes.
#include <sys/socket.h>

#include <cerrno>

#include "daemon/fd_passing.hpp"
#include "daemon/rpc_server.hpp"
#include "daemon/rpc_session.hpp"

namespace tapstack::daemon {
namespace {

// The reply's header, error and string length around the JSON.
constexpr std::size_t kMaxInlineDocument = rpc::kMaxMessageSize - rpc::kHeaderSize - 8;

}  // namespace

bool RpcServer::reserve_document(std::size_t size) {
  if (document_bytes_ + size > limits_.document_bytes_total) return false;
  document_bytes_ += size;
  return true;
}

void RpcSession::on_introspect(const rpc::Request& request) {
  std::string json = server_.introspect(request.type);
  if (json.size() <= kMaxInlineDocument) {
    return send(rpc::Reply{request.type, request.id, 0, rpc::JsonReply{std::move(json)}});
  }
  if (document_) return send(rpc::error_reply(request.type, request.id, EBUSY));
  const std::size_t size = json.size();
  if (!server_.reserve_document(size)) {
    return send(rpc::error_reply(request.type, request.id, ENOBUFS));
  }
  SocketPair pair = make_socket_pair(SOCK_STREAM);
  if (pair.error != 0) {
    server_.release_document(size);
    return send(rpc::error_reply(request.type, request.id, pair.error));
  }
  RpcServer& server = server_;
  // A local owner too: the stream may close (and reset document_) inside push.
  auto stream = std::make_shared<StreamOut>(
      server_.io(), std::move(pair.daemon_end), size,
      [&server, size, weak = weak_from_this()] {
        server.release_document(size);
        if (auto self = weak.lock()) self->document_.reset();
      });
  document_ = stream;
  stream->start();
  stream->push(json);
  stream->finish();
  send(rpc::Reply{request.type, request.id, 0, rpc::JsonReply{}}, std::move(pair.client_end));
}

}  // namespace tapstack::daemon
