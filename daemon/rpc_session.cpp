#include "daemon/rpc_session.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "daemon/fd_passing.hpp"
#include "daemon/rpc_server.hpp"
#include "daemon/stack_driver.hpp"
#include "stack/tcp/tcp_layer.hpp"
#include "stack/net/udp_layer.hpp"

namespace tapstack::daemon {
namespace {

constexpr std::size_t kMaxQueuedReplies = 256;

}  // namespace

RpcSession::RpcSession(RpcServer& server, Socket socket, std::uint32_t number, ucred peer)
    : server_(server),
      socket_(std::move(socket)),
      number_(number),
      peer_(peer),
      buffer_(rpc::kMaxMessageSize + 1),
      deadline_(server.io()),
      last_request_(std::chrono::steady_clock::now()) {}

void RpcSession::start() {
  spdlog::debug("rpc session {}: pid {} uid {} connected", number_, peer_.pid, peer_.uid);
  arm_deadline(last_request_ + server_.limits().hello_timeout);
  wait_for_request();
}

void RpcSession::wait_for_request() {
  if (read_wait_ || stopped_) return;
  read_wait_ = true;
  socket_.async_wait(Socket::wait_read,
                     [self = shared_from_this()](const boost::system::error_code& ec) {
                       self->read_wait_ = false;
                       if (ec || self->stopped_) return;
                       self->read_requests();
                       self->server_.driver().after_stack_work();
                     });
}

void RpcSession::read_requests() {
  while (!stopped_) {
    const auto got = receive_packet(socket_.native_handle(), buffer_);
    if (got.error == EAGAIN) return wait_for_request();
    if (got.error != 0) return stop(std::string("read failed: ") + std::strerror(got.error));
    if (got.size == 0) return stop("closed by the client", true);
    last_request_ = std::chrono::steady_clock::now();
    if (got.truncated || got.size > rpc::kMaxMessageSize) return stop("oversized message");
    const Bytes packet(buffer_.data(), got.size);
    auto decoded = rpc::decode(packet);
    if (!decoded.ok()) {
      if (decoded.error() == rpc::CodecError::BadVersion && got.size >= rpc::kHeaderSize) {
        // Refuse in our own version, so the client can say which one we speak.
        send(rpc::error_reply(rpc::MessageType::Hello, load_be32(packet, 8), EPROTONOSUPPORT));
        flush();
        return stop("client speaks protocol version " +
                    std::to_string(*rpc::peek_version(packet)) + ", we speak " +
                    std::to_string(rpc::kVersion));
      }
      return stop(std::string("malformed message: ") + rpc::describe(decoded.error()));
    }
    auto* request = std::get_if<rpc::Request>(&decoded.value());
    if (!request) return stop("sent a reply or event instead of a request");
    if (!hello_done_ && request->type != rpc::MessageType::Hello) {
      return stop(std::string("sent ") + rpc::to_string(request->type) + " before hello");
    }
    dispatch(*request);
  }
}

void RpcSession::dispatch(const rpc::Request& request) {
  using rpc::MessageType;
  switch (request.type) {
    case MessageType::Hello: return on_hello(request);
    case MessageType::Socket: return on_socket(request);
    case MessageType::Bind: return on_bind(request);
    case MessageType::Listen: return on_listen(request);
    case MessageType::Connect: return on_connect(request);
    case MessageType::Shutdown: return on_shutdown(request);
    case MessageType::Close: return on_close(request);
    case MessageType::GetSockName:
    case MessageType::GetPeerName: return on_name(request);
    case MessageType::SetSockOpt: return on_setsockopt(request);
    case MessageType::GetSockOpt: return on_getsockopt(request);
    case MessageType::TcpInfo: return on_tcp_info(request);
    case MessageType::Resolve: return on_resolve(request);
    case MessageType::Ping: return on_ping(request);
    case MessageType::Impair: return on_impair(request);
    case MessageType::Status:
    case MessageType::Sockets:
    case MessageType::Arp:
    case MessageType::Counters: return on_introspect(request);
    case MessageType::Trace: return on_trace(request);
    case MessageType::Capture: return on_capture(request);
    case MessageType::Event: break;
  }
  stop("unexpected message type");
}

// ---- replies ----

void RpcSession::send(const rpc::Reply& reply, UniqueFd fd) {
  queue(rpc::encode(reply), std::move(fd));
}

void RpcSession::send_event(const rpc::EventBody& event) { queue(rpc::encode(event), {}); }

void RpcSession::complete(const rpc::Reply& reply) {
  if (reply.type == rpc::MessageType::Ping) ping_timers_.erase(reply.id);
  if (reply.type == rpc::MessageType::Resolve && pending_resolves_ > 0) --pending_resolves_;
  if (!stopped_) send(reply);
}

void RpcSession::queue(std::vector<std::uint8_t> bytes, UniqueFd fd) {
  if (stopped_) return;
  if (outgoing_.size() >= kMaxQueuedReplies) return stop("does not read its replies");
  outgoing_.push_back(Outgoing{std::move(bytes), std::move(fd)});
  flush();
}

// One packet at a time, in order; on EAGAIN wait until the client reads.
void RpcSession::flush() {
  while (!outgoing_.empty() && !stopped_) {
    auto& next = outgoing_.front();
    const int error = send_packet(socket_.native_handle(), next.bytes, next.fd.get());
    if (error == EAGAIN) {
      if (write_wait_) return;
      write_wait_ = true;
      socket_.async_wait(Socket::wait_write,
                         [self = shared_from_this()](const boost::system::error_code& ec) {
                           self->write_wait_ = false;
                           if (!ec) self->flush();
                         });
      return;
    }
    if (error != 0) return stop(std::string("write failed: ") + std::strerror(error));
    outgoing_.pop_front();  // closes our copy of a passed fd
  }
}

void RpcSession::stop(const std::string& why, bool routine) {
  if (stopped_) return;
  stopped_ = true;
  // A client closing its session is routine: at info level, clients that
  // connect and close in a loop would flood the log.
  spdlog::log(routine ? spdlog::level::debug : spdlog::level::info,
              "rpc session {} (pid {} uid {}): {}; releasing {} socket(s)", number_, peer_.pid,
              peer_.uid, why, handles_.size());
  const Instant now = server_.driver().now();
  for (auto& [handle, bridge] : handles_) bridge->release(now);
  handles_.clear();
  connecting_.clear();
  ping_timers_.clear();  // their waiters go in session_ended
  close_watches();
  outgoing_.clear();
  deadline_.cancel();
  if (auto document = document_) document->close();
  boost::system::error_code ignored;
  socket_.close(ignored);
  server_.session_ended(number_);
}

// ---- socket operations ----

void RpcSession::on_hello(const rpc::Request& request) {
  const auto& hello = std::get<rpc::HelloRequest>(request.body);
  if (hello_done_) return stop("sent hello twice");
  hello_done_ = true;
  spdlog::debug("rpc session {}: hello from {} (protocol {})", number_, hello.client,
                hello.version);
  send(rpc::Reply{request.type, request.id, 0,
                  rpc::HelloReply{rpc::kVersion, static_cast<std::uint32_t>(::getpid()),
                                  TAPSTACK_VERSION}});
}

rpc::Handle RpcSession::adopt(SocketBridge::Kind kind, SocketId id, UniqueFd& client_end,
                              int& error) {
  auto pair = make_socket_pair(kind == SocketBridge::Kind::Udp ? SOCK_SEQPACKET : SOCK_STREAM);
  if (pair.error != 0) {
    error = pair.error;
    return 0;
  }
  auto bridge = std::make_shared<SocketBridge>(server_.io(), server_.stack(), server_.driver(),
                                               kind, id, std::move(pair.daemon_end));
  const rpc::Handle handle = next_handle_++;
  std::weak_ptr<RpcSession> weak = weak_from_this();
  bridge->set_notify([weak, handle](rpc::EventKind event, Errc e) {
    if (auto self = weak.lock()) self->on_bridge_note(handle, event, e);
  });
  bridge->set_client_gone([weak, handle] {
    if (auto self = weak.lock()) self->forget(handle);
  });
  handles_.emplace(handle, bridge);
  server_.add_bridge(bridge);
  server_.note_owner(RpcServer::key_of(bridge->protocol(), id), peer_.pid);
  bridge->start(server_.driver().now());
  client_end = std::move(pair.client_end);
  return handle;
}

int RpcSession::socket_limit_error() const {
  const auto& limits = server_.limits();
  if (handles_.size() >= limits.sockets_per_session) return EMFILE;
  if (server_.bridge_count() >= limits.sockets_total) return ENFILE;
  return 0;
}

bool RpcSession::room_for_socket(const rpc::Request& request) {
  const int error = socket_limit_error();
  if (error != 0) send(rpc::error_reply(request.type, request.id, error));
  return error == 0;
}

void RpcSession::on_socket(const rpc::Request& request) {
  const auto& body = std::get<rpc::SocketRequest>(request.body);
  if (!room_for_socket(request)) return;
  const bool tcp = body.protocol == rpc::Protocol::Tcp;
  auto opened = tcp ? server_.stack().tcp.open() : server_.stack().udp.open();
  if (!opened) return send(rpc::error_reply(request.type, request.id, to_errno(opened.error())));
  UniqueFd client_end;
  int error = 0;
  const auto kind = tcp ? SocketBridge::Kind::TcpIdle : SocketBridge::Kind::Udp;
  const rpc::Handle handle = adopt(kind, *opened, client_end, error);
  if (handle == 0) {
    if (tcp) {
      (void)server_.stack().tcp.abort(*opened, server_.driver().now());
    } else {
      (void)server_.stack().udp.close(*opened);
    }
    return send(rpc::error_reply(request.type, request.id, error));
  }
  send(rpc::Reply{request.type, request.id, 0, rpc::SocketReply{handle}},
       std::move(client_end));
}

SocketBridge* RpcSession::lookup(const rpc::Request& request, rpc::Handle handle) {
  const auto it = handles_.find(handle);
  if (it == handles_.end()) {
    send(rpc::error_reply(request.type, request.id, EBADF));
    return nullptr;
  }
  return it->second.get();
}

void RpcSession::on_bind(const rpc::Request& request) {
  const auto& body = std::get<rpc::AddressRequest>(request.body);
  auto* bridge = lookup(request, body.handle);
  if (!bridge) return;
  if (body.endpoint.port != 0 && body.endpoint.port < 1024 && peer_.uid != 0) {
    return send(rpc::error_reply(request.type, request.id, EACCES));
  }
  const wire::Ipv4Address address{body.endpoint.address};
  auto r = bridge->kind() == SocketBridge::Kind::Udp
               ? server_.stack().udp.bind(bridge->id(), address, body.endpoint.port)
               : server_.stack().tcp.bind(bridge->id(), address, body.endpoint.port);
  send(rpc::error_reply(request.type, request.id, to_errno(r.error())));
}

void RpcSession::on_listen(const rpc::Request& request) {
  const auto& body = std::get<rpc::HandleRequest>(request.body);
  auto* bridge = lookup(request, body.handle);
  if (!bridge) return;
  if (bridge->kind() == SocketBridge::Kind::Udp) {
    return send(rpc::error_reply(request.type, request.id, EOPNOTSUPP));
  }
  if (bridge->kind() == SocketBridge::Kind::TcpStream) {
    return send(rpc::error_reply(request.type, request.id, EINVAL));
  }
  const std::uint32_t backlog = std::clamp<std::uint32_t>(body.arg, 1, 4096);
  auto r = server_.stack().tcp.listen(bridge->id(), backlog);
  // Replied first: the client learns it listens before connections arrive.
  send(rpc::error_reply(request.type, request.id, to_errno(r.error())));
  if (!r) return;
  std::weak_ptr<RpcSession> weak = weak_from_this();
  bridge->become_listener(
      [weak](SocketId connection) -> std::optional<SocketBridge::Handoff> {
        auto self = weak.lock();
        if (!self) return std::nullopt;
        return self->hand_off(connection);
      },
      server_.driver().now());
}

// A connection the listener accepted becomes a socket of this session, as
// accept() would have made it; the listener's pair carries it to the client.
std::optional<SocketBridge::Handoff> RpcSession::hand_off(SocketId connection) {
  if (stopped_) return std::nullopt;
  if (const int error = socket_limit_error(); error != 0) {
    spdlog::debug("rpc session {}: connection {} reset: {}", number_, connection.value,
                  std::strerror(error));
    return std::nullopt;
  }
  const auto info = server_.stack().tcp.info(connection);
  SocketBridge::Handoff handoff;
  int error = 0;
  handoff.handle = adopt(SocketBridge::Kind::TcpStream, connection, handoff.client_end, error);
  if (handoff.handle == 0) return std::nullopt;
  if (info) handoff.peer = {info->remote_addr.value(), info->remote_port};
  return handoff;
}

// The client closed the socket's data fd everywhere without saying close. A
// blocking connect still waiting on it is answered, so no caller hangs.
void RpcSession::forget(rpc::Handle handle) {
  if (const auto it = handles_.find(handle); it != handles_.end() && it->second->lingering()) {
    lingering_[handle] = it->second;  // a close request may still come to wait for it
  }
  handles_.erase(handle);
  if (const auto it = connecting_.find(handle); it != connecting_.end()) {
    send(rpc::error_reply(rpc::MessageType::Connect, it->second, EBADF));
    connecting_.erase(it);
  }
}

void RpcSession::on_connect(const rpc::Request& request) {
  const auto& body = std::get<rpc::AddressRequest>(request.body);
  auto* bridge = lookup(request, body.handle);
  if (!bridge) return;
  const wire::Ipv4Address address{body.endpoint.address};
  if (bridge->kind() == SocketBridge::Kind::Udp) {
    auto r = server_.stack().udp.connect(bridge->id(), address, body.endpoint.port);
    return send(rpc::error_reply(request.type, request.id, to_errno(r.error())));
  }
  if (connecting_.contains(body.handle)) {
    return send(rpc::error_reply(request.type, request.id, EALREADY));
  }
  if (bridge->kind() != SocketBridge::Kind::TcpIdle) {
    return send(rpc::error_reply(request.type, request.id, EISCONN));
  }
  const Instant now = server_.driver().now();
  auto r = server_.stack().tcp.connect(bridge->id(), address, body.endpoint.port, now);
  if (!r) return send(rpc::error_reply(request.type, request.id, to_errno(r.error())));
  bridge->become_stream(now);
  if (body.nonblocking) return send(rpc::error_reply(request.type, request.id, EINPROGRESS));
  connecting_.emplace(body.handle, request.id);  // answered by on_bridge_note
}

void RpcSession::on_bridge_note(rpc::Handle handle, rpc::EventKind kind, Errc error) {
  const auto it = connecting_.find(handle);
  if (it != connecting_.end()) {
    send(rpc::error_reply(rpc::MessageType::Connect, it->second, to_errno(error)));
    connecting_.erase(it);
    return;
  }
  send_event(rpc::EventBody{handle, kind, to_errno(error)});
}

}  // namespace tapstack::daemon
