// RpcSession: the operations that do not create sockets — shutdown, close,
// names, resolve and ping (options: rpc_sockopt.cpp).
#include <cerrno>

#include "daemon/rpc_server.hpp"
#include "daemon/rpc_session.hpp"
#include "daemon/stack_driver.hpp"
#include "stack/dns/resolver.hpp"
#include "stack/net/udp_layer.hpp"
#include "stack/stack.hpp"
#include "stack/tcp/tcp_layer.hpp"

namespace tapstack::daemon {
namespace {

// How a ping's timeout is put off while its echo request waits for ARP.
constexpr unsigned kMaxPingExtensions = 16;
constexpr std::chrono::milliseconds kPingExtension{500};

rpc::Endpoint endpoint(wire::Ipv4Address address, std::uint16_t port) {
  return {address.value(), port};
}

}  // namespace

// TCP: the FIN itself comes from the data fd — libtapstack shuts down its end
// of the pair, so data already written reaches the stack before the FIN. Here
// only the state is checked, as Linux does (ENOTCONN before connect).
void RpcSession::on_shutdown(const rpc::Request& request) {
  const auto& body = std::get<rpc::ShutdownRequest>(request.body);
  auto* bridge = lookup(request, body.handle);
  if (!bridge) return;
  const bool read = body.how != rpc::ShutdownHow::Write;
  const bool write = body.how != rpc::ShutdownHow::Read;
  if (bridge->kind() == SocketBridge::Kind::Udp) {
    auto r = server_.stack().udp.shutdown(bridge->id(), read, write);
    return send(rpc::error_reply(request.type, request.id, to_errno(r.error())));
  }
  auto info = server_.stack().tcp.info(bridge->id());
  const bool connected = info && info->state != tcp::TcpState::Closed &&
                         info->state != tcp::TcpState::Listen &&
                         info->state != tcp::TcpState::SynSent;
  send(rpc::error_reply(request.type, request.id, connected ? 0 : ENOTCONN));
}

// Not answered: the client does not wait, unless SO_LINGER has it wait
// (kCloseWaitLinger): then the answer comes when the lingering is over. A
// handle already gone (its data fd was closed everywhere first, see forget)
// is nothing to do.
void RpcSession::on_close(const rpc::Request& request) {
  const auto& body = std::get<rpc::HandleRequest>(request.body);
  const bool waits = (body.arg & rpc::kCloseWaitLinger) != 0;
  std::shared_ptr<SocketBridge> bridge;
  if (const auto it = handles_.find(body.handle); it != handles_.end()) {
    bridge = it->second;
    handles_.erase(it);
    connecting_.erase(body.handle);
    bridge->release(server_.driver().now());
  } else if (const auto l = lingering_.find(body.handle); l != lingering_.end()) {
    bridge = l->second.lock();  // its data fd went first; it lingers on its own
    lingering_.erase(l);
  }
  if (!waits) return;
  auto answer = [weak = weak_from_this(), id = request.id] {
    if (auto self = weak.lock()) self->send(rpc::error_reply(rpc::MessageType::Close, id, 0));
  };
  if (!bridge) return answer();
  bridge->when_closed(std::move(answer));
}

void RpcSession::on_name(const rpc::Request& request) {
  const auto& body = std::get<rpc::HandleRequest>(request.body);
  auto* bridge = lookup(request, body.handle);
  if (!bridge) return;
  const bool peer = request.type == rpc::MessageType::GetPeerName;
  rpc::Endpoint local;
  rpc::Endpoint remote;
  if (bridge->kind() == SocketBridge::Kind::Udp) {
    auto info = server_.stack().udp.info(bridge->id());
    if (!info) return send(rpc::error_reply(request.type, request.id, to_errno(info.error())));
    local = endpoint(info->local_address, info->local_port);
    remote = endpoint(info->remote_address, info->remote_port);
  } else {
    auto info = server_.stack().tcp.info(bridge->id());
    if (!info) return send(rpc::error_reply(request.type, request.id, EBADF));
    local = endpoint(info->local_addr, info->local_port);
    remote = endpoint(info->remote_addr, info->remote_port);
  }
  if (peer && remote.port == 0) return send(rpc::error_reply(request.type, request.id, ENOTCONN));
  send(rpc::Reply{request.type, request.id, 0, rpc::EndpointReply{peer ? remote : local}});
}

void RpcSession::on_resolve(const rpc::Request& request) {
  const auto& body = std::get<rpc::ResolveRequest>(request.body);
  if (pending_resolves_ >= server_.limits().resolves_per_session ||
      !server_.may_resolve(peer_.uid)) {
    return send(rpc::error_reply(request.type, request.id, ENOBUFS));
  }
  auto r = server_.stack().resolver.resolve(body.name, server_.driver().now());
  if (!r) return send(rpc::error_reply(request.type, request.id, to_errno(r.error())));
  ++pending_resolves_;  // until complete() hands out the answer
  server_.expect_resolve(r->value, weak_from_this(), peer_.uid, request.id);
}

void RpcSession::on_ping(const rpc::Request& request) {
  const auto& body = std::get<rpc::PingRequest>(request.body);
  const auto ident = server_.pings().free_ident();
  if (ping_timers_.size() >= server_.limits().pending_per_session || !ident) {
    return send(rpc::error_reply(request.type, request.id, ENOBUFS));
  }
  std::vector<std::uint8_t> payload(body.size);
  for (std::size_t i = 0; i < payload.size(); ++i) payload[i] = static_cast<std::uint8_t>(i);
  auto r = server_.stack().stack.icmp().ping(wire::Ipv4Address{body.address}, *ident,
                                             body.sequence, payload, server_.driver().now());
  if (!r) return send(rpc::error_reply(request.type, request.id, to_errno(r.error())));
  server_.pings().add(*ident, {number_, request.id, *r, body.size});
  arm_ping_timeout(request.id, *ident, *r, std::chrono::milliseconds(body.timeout_ms), 0);
}

// While the echo request still waits for ARP, the timeout is put off (a few
// times, bounded): ARP's verdict then comes back as EHOSTUNREACH, as iputils
// prints "Destination Host Unreachable" once the kernel's ARP gives up.
void RpcSession::arm_ping_timeout(std::uint32_t request_id, std::uint16_t ident, std::uint16_t seq,
                                  std::chrono::milliseconds after, unsigned extensions) {
  auto timer = std::make_unique<boost::asio::steady_timer>(server_.io());
  timer->expires_after(after);
  timer->async_wait([weak = weak_from_this(), request_id, ident, seq,
                     extensions](const boost::system::error_code& ec) {
    auto self = weak.lock();
    if (ec || !self || !self->ping_timers_.contains(request_id)) return;
    if (extensions < kMaxPingExtensions &&
        self->server_.stack().stack.icmp().awaiting_resolution(ident, seq)) {
      return self->arm_ping_timeout(request_id, ident, seq, kPingExtension, extensions + 1);
    }
    self->ping_timers_.erase(request_id);
    self->server_.pings().forget(ident);
    self->send(rpc::error_reply(rpc::MessageType::Ping, request_id, ETIMEDOUT));
  });
  ping_timers_[request_id] = std::move(timer);
}

}  // namespace tapstack::daemon
