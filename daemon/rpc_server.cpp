#include "daemon/rpc_server.hpp"

#include <grp.h>
#include <spdlog/spdlog.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <stdexcept>

#include "daemon/rpc_session.hpp"
#include "daemon/socket_directory.hpp"
#include "daemon/stack_driver.hpp"
#include "stack/dns/resolver.hpp"
#include "stack/stack.hpp"

namespace tapstack::daemon {
namespace {

using SeqPacket = boost::asio::generic::seq_packet_protocol;

sockaddr_un unix_address(const std::string& path) {
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  if (path.size() >= sizeof address.sun_path) {
    throw std::runtime_error("rpc socket path is too long: " + path);
  }
  std::memcpy(address.sun_path, path.c_str(), path.size() + 1);
  return address;
}

/// True when something accepts connections at `path` (another daemon).
bool socket_in_use(const sockaddr_un& address) {
  const int fd = ::socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  const bool in_use =
      ::connect(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address) == 0;  // NOLINT
  ::close(fd);
  return in_use;
}


}  // namespace

RpcServer::RpcServer(boost::asio::io_context& io, const config::RpcConfig& config,
                     StackHandles stack, StackDriver& driver, RpcLimits limits)
    : io_(io),
      config_(config),
      stack_(stack),
      driver_(driver),
      limits_(limits),
      acceptor_(io),
      admission_(limits.sessions, ::geteuid()),
      accept_retry_(io),
      started_(std::chrono::steady_clock::now()) {}

RpcServer::~RpcServer() { stop(); }

void RpcServer::start() {
  prepare_socket_file();
  spdlog::info("rpc: listening on {}", config_.socket);
  accept_next();
}

void RpcServer::prepare_socket_file() {
  const sockaddr_un address = unix_address(config_.socket);
  ensure_socket_directory(config_.socket);
  struct stat st {};
  if (::lstat(config_.socket.c_str(), &st) == 0) {
    if (!S_ISSOCK(st.st_mode)) {
      throw std::runtime_error("rpc socket path " + config_.socket + " exists and is not a socket");
    }
    if (socket_in_use(address)) {
      throw std::runtime_error("another daemon is serving " + config_.socket);
    }
    spdlog::info("rpc: removing stale socket {}", config_.socket);
    ::unlink(config_.socket.c_str());
  }
  const SeqPacket::endpoint endpoint(&address, sizeof address);
  boost::system::error_code ec;
  acceptor_.open(SeqPacket(AF_UNIX, 0), ec);
  if (!ec) acceptor_.bind(endpoint, ec);
  if (ec) throw std::runtime_error("cannot create rpc socket " + config_.socket + ": " + ec.message());
  socket_created_ = true;
  // Mode and group before listen(), so nobody connects through a wider mode.
  if (::chmod(config_.socket.c_str(), static_cast<mode_t>(config_.mode)) != 0) {
    throw std::runtime_error("cannot chmod " + config_.socket + ": " + std::strerror(errno));
  }
  if (!config_.group.empty()) {
    const group* g = ::getgrnam(config_.group.c_str());
    if (!g) {
      spdlog::warn("rpc: group '{}' does not exist; {} keeps the daemon's group", config_.group,
                   config_.socket);
    } else if (::chown(config_.socket.c_str(), static_cast<uid_t>(-1), g->gr_gid) != 0) {
      spdlog::warn("rpc: cannot give {} to group '{}': {}", config_.socket, config_.group,
                   std::strerror(errno));
    }
  }
  acceptor_.listen(SeqPacket::socket::max_listen_connections, ec);
  if (ec) throw std::runtime_error("cannot listen on " + config_.socket + ": " + ec.message());
}

void RpcServer::stop() {
  boost::system::error_code ignored;
  acceptor_.close(ignored);
  accept_retry_.cancel();
  auto sessions = std::move(sessions_);
  for (auto& [number, session] : sessions) session->stop("daemon stopping");
  const Instant now = driver_.now();
  auto bridges = std::move(bridges_);
  for (auto& [key, bridge] : bridges) bridge->abort(now);
  if (socket_created_) {
    ::unlink(config_.socket.c_str());
    socket_created_ = false;
  }
}

std::size_t RpcServer::watch_count() const {
  std::size_t total = 0;
  for (const auto& [number, session] : sessions_) total += session->watch_count();
  return total;
}

void RpcServer::add_bridge(const std::shared_ptr<SocketBridge>& bridge) {
  const std::uint64_t key = key_of(bridge->protocol(), bridge->id());
  bridges_[key] = bridge;
  bridge->set_finished([this, key, weak = std::weak_ptr<SocketBridge>(bridge)] {
    const auto it = bridges_.find(key);
    if (it != bridges_.end() && it->second == weak.lock()) {
      bridges_.erase(it);
      owners_.erase(key);
    }
  });
}

void RpcServer::on_socket_event(const SocketEvent& event, Instant now) {
  const auto it = bridges_.find(key_of(event.protocol, event.id));
  if (it == bridges_.end()) return;
  auto bridge = it->second;  // keeps it alive if the event finishes it
  bridge->on_event(event, now);
}

void RpcServer::expect_resolve(std::uint32_t query, std::weak_ptr<RpcSession> session, uid_t uid,
                               std::uint32_t request_id) {
  resolves_[query] = Waiter{std::move(session), request_id, uid};
}

bool RpcServer::may_resolve(uid_t uid) const {
  if (admission_.privileged(uid)) return true;
  const auto pending = std::count_if(resolves_.begin(), resolves_.end(),
                                     [uid](const auto& entry) { return entry.second.uid == uid; });
  return static_cast<std::size_t>(pending) < limits_.resolves_per_uid;
}

bool RpcServer::resolving_for(const RpcSession& session) const {
  return std::any_of(resolves_.begin(), resolves_.end(), [&session](const auto& entry) {
    return entry.second.session.lock().get() == &session;
  });
}

void RpcServer::on_stack_work(Instant now) {
  (void)now;
  for (const auto& reply : stack_.stack.icmp().drain_ping_replies()) {
    const auto waiter = pings_.take(reply.ident, reply.seq);
    if (!waiter) continue;
    const auto it = sessions_.find(waiter->session);
    if (it == sessions_.end()) continue;
    if (reply.host_unreachable) {
      it->second->complete(rpc::error_reply(rpc::MessageType::Ping, waiter->request_id, EHOSTUNREACH));
      continue;
    }
    const auto rtt = std::chrono::duration_cast<std::chrono::microseconds>(reply.received_at -
                                                                           reply.sent_at);
    it->second->complete(rpc::Reply{
        rpc::MessageType::Ping, waiter->request_id, 0,
        rpc::PingReply{reply.from.value(), reply.seq, static_cast<std::uint16_t>(reply.payload_size),
                       reply.ttl, static_cast<std::uint32_t>(rtt.count())}});
  }
  for (auto& result : stack_.resolver.drain_results()) {
    const auto it = resolves_.find(result.id.value);
    if (it == resolves_.end()) continue;
    if (auto session = it->second.session.lock()) {
      rpc::Reply reply = rpc::error_reply(rpc::MessageType::Resolve, it->second.request_id,
                                          dns::to_errno(result.error));
      if (result.error == dns::DnsError::Ok) {
        rpc::ResolveReply addresses;
        for (auto a : result.addresses) {
          if (addresses.addresses.size() < rpc::kMaxAddresses) addresses.addresses.push_back(a.value());
        }
        reply.body = std::move(addresses);
      }
      session->complete(reply);
    }
    resolves_.erase(it);
  }
}

}  // namespace tapstack::daemon
