// RpcSession: setsockopt, getsockopt and TCP_INFO. TCP options are kept in
// the stack (tcp::SocketOptions, with Linux's rules in tcp_sockopt.cpp);
// SO_LINGER and SO_ERROR belong to the bridge, SO_BROADCAST to UDP.
#include <cerrno>

#include "daemon/rpc_server.hpp"
#include "daemon/rpc_session.hpp"
#include "daemon/stack_driver.hpp"
#include "daemon/tcp_info_reply.hpp"
#include "daemon/tcp_sockopt.hpp"
#include "stack/net/udp_layer.hpp"
#include "stack/stack.hpp"
#include "stack/tcp/tcp_layer.hpp"

namespace tapstack::daemon {
namespace {

static_assert(static_cast<int>(rpc::Congestion::Reno) ==
              static_cast<int>(tcp::CongestionAlgorithm::NewReno));
static_assert(static_cast<int>(rpc::Congestion::Cubic) ==
              static_cast<int>(tcp::CongestionAlgorithm::Cubic));

/// UDP takes the socket-level options a program sets on any socket (as
/// no-ops where UDP has nothing to do) and refuses TCP's.
int set_udp_option(net::UdpLayer& udp, SocketId id, rpc::SockOpt option, bool on) {
  switch (option) {
    case rpc::SockOpt::Broadcast: return to_errno(udp.set_broadcast(id, on).error());
    case rpc::SockOpt::KeepAlive:
    case rpc::SockOpt::ReuseAddr:
    case rpc::SockOpt::RcvBuf:
    case rpc::SockOpt::SndBuf: return 0;
    default: return EOPNOTSUPP;
  }
}

}  // namespace

void RpcSession::on_setsockopt(const rpc::Request& request) {
  const auto& body = std::get<rpc::SockOptRequest>(request.body);
  auto* bridge = lookup(request, body.handle);
  if (!bridge) return;
  const Instant now = server_.driver().now();
  int error = 0;
  if (body.option == rpc::SockOpt::Error) {
    error = EINVAL;  // get only
  } else if (body.option == rpc::SockOpt::Linger) {
    bridge->set_linger(body.value != 0, body.value2);
  } else if (bridge->kind() == SocketBridge::Kind::Udp) {
    error = set_udp_option(server_.stack().udp, bridge->id(), body.option, body.value != 0);
  } else if (body.option == rpc::SockOpt::QuickAck) {
    error = to_errno(server_.stack().tcp.quickack(bridge->id(), body.value != 0, now).error());
  } else if (body.option != rpc::SockOpt::ReuseAddr && body.option != rpc::SockOpt::Broadcast) {
    // SO_REUSEADDR: the stack's bind rules are Linux's with it set.
    auto& tcp = server_.stack().tcp;
    auto options = tcp.options(bridge->id());
    if (!options) return send(rpc::error_reply(request.type, request.id, EBADF));
    error = set_tcp_option(*options, body.option, body.value);
    if (error == 0) error = to_errno(tcp.set_options(bridge->id(), *options, now).error());
  }
  send(rpc::error_reply(request.type, request.id, error));
}

void RpcSession::on_getsockopt(const rpc::Request& request) {
  const auto& body = std::get<rpc::SockOptRequest>(request.body);
  auto* bridge = lookup(request, body.handle);
  if (!bridge) return;
  rpc::SockOptReply value;
  auto& tcp = server_.stack().tcp;
  if (body.option == rpc::SockOpt::Error) {
    value.value = to_errno(bridge->take_error());
  } else if (body.option == rpc::SockOpt::Linger) {
    value.value = bridge->linger().on ? 1 : 0;
    value.value2 = bridge->linger().seconds;
  } else if (bridge->kind() == SocketBridge::Kind::Udp) {
    return send(rpc::error_reply(request.type, request.id, ENOPROTOOPT));
  } else if (body.option == rpc::SockOpt::Congestion) {
    auto algorithm = tcp.congestion(bridge->id());
    if (!algorithm) return send(rpc::error_reply(request.type, request.id, to_errno(algorithm.error())));
    value.value = static_cast<std::int32_t>(*algorithm);
  } else {
    auto options = tcp.options(bridge->id());
    auto info = tcp.info(bridge->id());
    if (!options || !info) return send(rpc::error_reply(request.type, request.id, EBADF));
    const auto got = get_tcp_option(*options, *info, tcp.settings(), body.option);
    if (!got) return send(rpc::error_reply(request.type, request.id, ENOPROTOOPT));
    value.value = *got;
  }
  send(rpc::Reply{request.type, request.id, 0, value});
}

// TCP_INFO: the HandleRequest's arg names the layout the client reads.
void RpcSession::on_tcp_info(const rpc::Request& request) {
  const auto& body = std::get<rpc::HandleRequest>(request.body);
  auto* bridge = lookup(request, body.handle);
  if (!bridge) return;
  if (bridge->kind() == SocketBridge::Kind::Udp) {
    return send(rpc::error_reply(request.type, request.id, EOPNOTSUPP));
  }
  if (body.arg != rpc::kTcpInfoVersion) {
    return send(rpc::error_reply(request.type, request.id, EPROTONOSUPPORT));
  }
  auto info = server_.stack().tcp.info(bridge->id());
  if (!info) return send(rpc::error_reply(request.type, request.id, EBADF));
  const std::size_t pmtu = server_.stack().stack.ipv4().path_mtu(info->remote_addr);
  send(rpc::Reply{request.type, request.id, 0, tcp_info_reply(*info, pmtu)});
}

}  // namespace tapstack::daemon
