#pragma once
// RpcServer: the control socket (AF_UNIX SOCK_SEQPACKET at [rpc] socket),
// its sessions, and the routing of stack events to the socket bridges
// (docs/rpc.md). One io_context thread, no locks.
//
// App wires it in with three calls: construct, set the driver's event handler
// to forward to on_socket_event, and start(); see docs/rpc.md "Daemon side".
#include <boost/asio/basic_socket_acceptor.hpp>
#include <boost/asio/generic/seq_packet_protocol.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>

#include "config/config.hpp"
#include "daemon/ping_waiters.hpp"
#include "daemon/log_limiter.hpp"
#include "daemon/rpc_handles.hpp"
#include "daemon/session_admission.hpp"
#include "daemon/socket_bridge.hpp"
#include "rpc/protocol.hpp"
#include "stack/events.hpp"

namespace tapstack::daemon {

class RpcSession;
class StackDriver;
class TraceHub;
class Capture;

/// Limits that keep one client from exhausting the daemon.
struct RpcLimits {
  SessionLimits sessions;
  /// [rpc] hello_timeout_ms, idle_timeout_ms (config/tapstack.toml).
  std::chrono::milliseconds hello_timeout{5000};
  std::chrono::milliseconds idle_timeout{60000};
  /// Introspection documents being written to their readers, all together.
  std::size_t document_bytes_total = 192 * 1024 * 1024;
  std::size_t sockets_per_session = 1024;
  std::size_t sockets_total = 16384;
  std::size_t pending_per_session = 64;  // deferred pings
  // A quarter of the resolver's 64 lookups in flight: one session cannot
  // take every slot from the others, nor one ordinary uid with many sessions
  // (lookups of a session that ended count until the resolver is done).
  std::size_t resolves_per_session = 16;
  std::size_t resolves_per_uid = 16;
  // Trace and capture streams; each may queue up to 4 MiB (docs/rpc.md).
  std::size_t watches_per_session = 4;
  std::size_t watches_total = 16;
};

class RpcServer {
 public:
  RpcServer(boost::asio::io_context& io, const config::RpcConfig& config, StackHandles stack,
            StackDriver& driver, RpcLimits limits = {});
  /// Closes every session and removes the socket file.
  ~RpcServer();
  RpcServer(const RpcServer&) = delete;
  RpcServer& operator=(const RpcServer&) = delete;

  /// Creates the socket file (removing a stale one) with the configured mode
  /// and group and starts accepting. Throws std::runtime_error when the socket
  /// cannot be created (a startup failure).
  void start();
  /// Stops accepting and ends every session (before the stack goes away).
  void stop();

  /// Every stack event; routes it to the bridge that owns the socket.
  void on_socket_event(const SocketEvent& event, Instant now);
  /// After each batch of stack work: hands out ping replies and DNS results.
  void on_stack_work(Instant now);

  // ---- for sessions ----
  StackHandles& stack() { return stack_; }
  StackDriver& driver() { return driver_; }
  /// Where Trace and Capture subscribers go (App sets them; nullptr: ENOTSUP).
  void set_watch(TraceHub* trace, Capture* capture) {
    trace_ = trace;
    capture_ = capture;
  }
  TraceHub* trace_hub() { return trace_; }
  Capture* capture() { return capture_; }
  boost::asio::io_context& io() { return io_; }
  const RpcLimits& limits() const { return limits_; }
  std::size_t bridge_count() const { return bridges_.size(); }
  /// Makes a bridge known for event routing.
  void add_bridge(const std::shared_ptr<SocketBridge>& bridge);
  /// Who waits for each ping, by ICMP identifier (unique among pending pings).
  PingWaiters& pings() { return pings_; }
  /// Remembers who waits for a resolve (query id).
  void expect_resolve(std::uint32_t query, std::weak_ptr<RpcSession> session, uid_t uid,
                      std::uint32_t request_id);
  /// False when `uid` (not root or the daemon's) has its share of lookups in flight.
  bool may_resolve(uid_t uid) const;
  void session_ended(std::uint32_t number);
  /// Trace and capture streams open in every session.
  std::size_t watch_count() const;
  /// True while a resolve of `session` waits for the resolver.
  bool resolving_for(const RpcSession& session) const;
  /// Books `size` bytes of introspection documents in flight; false when the
  /// total would pass RpcLimits::document_bytes_total.
  bool reserve_document(std::size_t size);
  void release_document(std::size_t size) { document_bytes_ -= size; }
  /// Owning pid of a bridge's socket, for `tapstack sockets`.
  void note_owner(std::uint64_t key, pid_t pid) { owners_[key] = pid; }
  /// JSON for status/sockets/arp/counters.
  std::string introspect(rpc::MessageType type) const;

  static std::uint64_t key_of(net::IpProtocol protocol, SocketId id) {
    return (std::uint64_t{static_cast<std::uint8_t>(protocol)} << 32) | id.value;
  }

 private:
  struct Waiter {
    std::weak_ptr<RpcSession> session;
    std::uint32_t request_id = 0;
    uid_t uid = 0;
  };

  // rpc_accept.cpp: the accept loop, admission, backing off when out of fds.
  void accept_next();
  void on_accepted(boost::asio::generic::seq_packet_protocol::socket socket);
  void back_off(const boost::system::error_code& ec);
  /// Ends the oldest session that owns nothing and is quiet, to free its fd.
  bool shed_idle_session();
  void prepare_socket_file();

  boost::asio::io_context& io_;
  config::RpcConfig config_;
  StackHandles stack_;
  StackDriver& driver_;
  TraceHub* trace_ = nullptr;
  Capture* capture_ = nullptr;
  RpcLimits limits_;
  boost::asio::basic_socket_acceptor<boost::asio::generic::seq_packet_protocol> acceptor_;
  SessionAdmission admission_;
  boost::asio::steady_timer accept_retry_;
  std::chrono::milliseconds accept_backoff_{0};
  LogLimiter accept_log_{5, std::chrono::seconds(10)};
  LogLimiter refusal_log_{5, std::chrono::seconds(10)};
  std::size_t document_bytes_ = 0;
  std::chrono::steady_clock::time_point started_;
  bool socket_created_ = false;
  std::uint32_t next_session_ = 1;
  std::unordered_map<std::uint32_t, std::shared_ptr<RpcSession>> sessions_;
  std::unordered_map<std::uint64_t, std::shared_ptr<SocketBridge>> bridges_;
  std::unordered_map<std::uint64_t, pid_t> owners_;
  PingWaiters pings_;
  std::unordered_map<std::uint32_t, Waiter> resolves_;  // query id
};

}  // namespace tapstack::daemon
