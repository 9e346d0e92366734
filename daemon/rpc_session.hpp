#pragma once
// RpcSession: one connected client. Reads one request per packet, answers it
// (at once, or later for a blocking connect, resolve and ping), and owns the
// handles of the sockets this client opened: a request can only name those.
// Anything malformed or out of order ends the session with one log line.
#include <sys/socket.h>

#include <boost/asio/generic/seq_packet_protocol.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "daemon/socket_bridge.hpp"
#include "daemon/stream_out.hpp"
#include "daemon/unique_fd.hpp"
#include "rpc/protocol.hpp"

namespace tapstack::daemon {

class RpcServer;

class RpcSession : public std::enable_shared_from_this<RpcSession> {
 public:
  using Socket = boost::asio::generic::seq_packet_protocol::socket;

  RpcSession(RpcServer& server, Socket socket, std::uint32_t number, ucred peer);
  RpcSession(const RpcSession&) = delete;
  RpcSession& operator=(const RpcSession&) = delete;

  void start();
  /// Ends the session: closes listeners, aborts unaccepted connections,
  /// releases connected sockets (their data fds keep flowing until closed).
  /// `routine` (the client closed it) is logged at debug level, else info.
  void stop(const std::string& why, bool routine = false);

  std::uint32_t number() const { return number_; }
  const ucred& peer() const { return peer_; }
  std::size_t socket_count() const { return handles_.size(); }
  /// Trace and capture streams whose reader is still there.
  std::size_t watch_count() const;
  /// No socket, nothing pending, no stream handed out, and no request for
  /// `quiet`: closing it costs the client only a reconnect (idle timeout,
  /// shedding when the daemon is out of fds).
  bool idle_for(std::chrono::steady_clock::duration quiet) const;

  /// A deferred ping or resolve finished (called by the server).
  void complete(const rpc::Reply& reply);

 private:
  struct Outgoing {
    std::vector<std::uint8_t> bytes;
    UniqueFd fd;
  };

  void wait_for_request();
  void read_requests();
  void dispatch(const rpc::Request& request);
  void send(const rpc::Reply& reply, UniqueFd fd = {});
  void send_event(const rpc::EventBody& event);
  void queue(std::vector<std::uint8_t> bytes, UniqueFd fd);
  void flush();

  void on_hello(const rpc::Request& request);
  void on_socket(const rpc::Request& request);
  void on_bind(const rpc::Request& request);
  void on_listen(const rpc::Request& request);
  void on_connect(const rpc::Request& request);
  void on_shutdown(const rpc::Request& request);
  void on_close(const rpc::Request& request);
  void on_name(const rpc::Request& request);
  void on_setsockopt(const rpc::Request& request);
  void on_getsockopt(const rpc::Request& request);
  void on_tcp_info(const rpc::Request& request);
  void on_resolve(const rpc::Request& request);
  void on_ping(const rpc::Request& request);
  // rpc_watch.cpp: Trace and Capture hand out a stream fd.
  void on_trace(const rpc::Request& request);
  void on_capture(const rpc::Request& request);
  /// 0 when this session may open one more watch stream, else the errno.
  int watch_refusal() const;
  void keep_watch(std::shared_ptr<StreamOut> out);
  void close_watches();
  void on_impair(const rpc::Request& request);  // rpc_impair.cpp

  /// The bridge for a handle, or nullptr (then an EBADF reply was sent).
  SocketBridge* lookup(const rpc::Request& request, rpc::Handle handle);
  /// Makes the pair and bridge for a new stack socket; returns its handle.
  rpc::Handle adopt(SocketBridge::Kind kind, SocketId id, UniqueFd& client_end, int& error);
  void on_bridge_note(rpc::Handle handle, rpc::EventKind kind, Errc error);
  /// A connection accepted by one of this session's listeners, adopted.
  std::optional<SocketBridge::Handoff> hand_off(SocketId connection);
  /// Drops a handle whose data fd the client closed everywhere.
  void forget(rpc::Handle handle);
  /// EMFILE/ENFILE when a socket limit is reached, else 0.
  int socket_limit_error() const;
  /// False (and an EMFILE/ENFILE reply sent) when a limit is reached.
  bool room_for_socket(const rpc::Request& request);
  void arm_ping_timeout(std::uint32_t request_id, std::uint16_t ident, std::uint16_t seq,
                        std::chrono::milliseconds after, unsigned extensions);
  // rpc_session_deadline.cpp: the Hello deadline and the idle timeout.
  bool owns_nothing() const;
  void arm_deadline(std::chrono::steady_clock::time_point at);
  void on_deadline();
  // rpc_document.cpp: status, sockets, arp, counters; large ones over an fd.
  void on_introspect(const rpc::Request& request);

  RpcServer& server_;
  Socket socket_;
  std::uint32_t number_;
  ucred peer_;
  bool hello_done_ = false;
  bool stopped_ = false;
  bool read_wait_ = false;
  bool write_wait_ = false;
  std::vector<std::uint8_t> buffer_;
  boost::asio::steady_timer deadline_;
  std::chrono::steady_clock::time_point last_request_;
  std::shared_ptr<StreamOut> document_;  // an introspection document being written
  std::deque<Outgoing> outgoing_;

  rpc::Handle next_handle_ = 1;
  std::unordered_map<rpc::Handle, std::shared_ptr<SocketBridge>> handles_;
  std::unordered_map<rpc::Handle, std::uint32_t> connecting_;  // blocking connect → request id
  // Sockets whose data fd closed first while SO_LINGER holds them, for the
  // close request that waits (forgotten with it, or with the session).
  std::unordered_map<rpc::Handle, std::weak_ptr<SocketBridge>> lingering_;
  std::unordered_map<std::uint32_t, std::unique_ptr<boost::asio::steady_timer>> ping_timers_;
  std::size_t pending_resolves_ = 0;
  // Ended with the session: a stream never outlives who asked for it.
  std::vector<std::shared_ptr<StreamOut>> watches_;
};

}  // namespace tapstack::daemon
