#pragma once
// SocketBridge: moves bytes between one stack socket and the daemon's end of
// the socketpair whose other end the client holds (docs/rpc.md, "Data fd").
// Back-pressure both ways: it reads from the pair only while the TCP send
// buffer has room, and pulls from the stack only while the pair accepts, so a
// slow reader closes the TCP receive window. A listener's pair carries the
// connections the daemon accepted for the client: a record each, with the
// connection's own data fd attached. A TCP socket that is neither connecting
// nor listening yet (TcpIdle) moves nothing (its stack socket has no
// connection to read from) but is watched like the others: when the client's
// end is closed by every process that held it, whatever the kind, the socket
// is released as if the client had sent close.
#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <utility>
#include <vector>

#include "daemon/rpc_handles.hpp"
#include "daemon/unique_fd.hpp"
#include "rpc/messages.hpp"
#include "stack/base/errc.hpp"
#include "stack/base/time.hpp"
#include "stack/events.hpp"

namespace tapstack::daemon {

class StackDriver;

class SocketBridge : public std::enable_shared_from_this<SocketBridge> {
 public:
  enum class Kind : std::uint8_t { TcpIdle, TcpStream, TcpListener, Udp };
  /// Tells the owning session about a connect completing or the socket failing.
  using Notify = std::function<void(rpc::EventKind kind, Errc error)>;
  /// Called once when the bridge has nothing left to do and can be dropped.
  using Finished = std::function<void()>;
  /// Called once, posted, when the client's end of the pair is closed for good.
  using ClientGone = std::function<void()>;
  /// An accepted connection made ready for the client: its handle in the
  /// listener's session, the peer, and the client's end of its pair.
  struct Handoff {
    rpc::Handle handle = 0;
    rpc::Endpoint peer;
    UniqueFd client_end;
  };
  /// Adopts an accepted stack connection into the listener's session;
  /// nullopt when the session has no room (the connection is then reset).
  using HandOff = std::function<std::optional<Handoff>(SocketId connection)>;

  SocketBridge(boost::asio::io_context& io, StackHandles stack, StackDriver& driver, Kind kind,
               SocketId id, UniqueFd daemon_end);
  ~SocketBridge();
  SocketBridge(const SocketBridge&) = delete;
  SocketBridge& operator=(const SocketBridge&) = delete;

  void set_notify(Notify notify) { notify_ = std::move(notify); }
  void set_finished(Finished finished) { finished_ = std::move(finished); }
  void set_client_gone(ClientGone gone) { client_gone_ = std::move(gone); }

  Kind kind() const { return kind_; }
  SocketId id() const { return id_; }
  net::IpProtocol protocol() const;

  /// Starts watching the pair and moves whatever can be moved already.
  void start(Instant now);
  /// A stack event for this socket.
  void on_event(const SocketEvent& event, Instant now);
  /// The socket now listens: accepted connections go to the client through
  /// its pair, each made ready by `hand_off`.
  void become_listener(HandOff hand_off, Instant now);
  /// An active open was started: bytes move once the stack has a connection.
  void become_stream(Instant now);
  /// SO_ERROR: the pending error, cleared by reading it.
  Errc take_error() { return std::exchange(error_, Errc::Ok); }
  /// SO_LINGER as set, for getsockopt.
  struct Linger {
    bool on = false;
    std::int32_t seconds = 0;
  };
  /// SO_LINGER; with a zero timeout release() resets instead of closing.
  void set_linger(bool on, std::int32_t seconds) {
    linger_ = {on, seconds};
    abortive_close_ = on && seconds == 0;
  }
  const Linger& linger() const { return linger_; }
  /// The client gave the socket up: finish moving what it wrote, then close
  /// the stack socket (FIN), or reset it when the close is abortive.
  void release(Instant now);
  /// For a close the client waits on (SO_LINGER with a timeout): `done`
  /// runs once this bridge has closed the stack socket — after the FIN was
  /// acknowledged, the connection ended or the linger time passed — and at
  /// once if it has already.
  void when_closed(std::function<void()> done);
  /// SO_LINGER holds the stack socket until the FIN is acknowledged.
  bool lingering() const { return lingering_ && stack_open_; }
  /// Drops everything at once (RST for connections).
  void abort(Instant now);

 private:
  void pump(Instant now);
  void pump_tcp_down(Instant now);
  void pump_tcp_up(Instant now);
  void pump_udp_down();
  void pump_udp_up();
  void pump_listener(Instant now);
  void watch_idle(Instant now);
  void wait_readable();
  void wait_writable();
  void on_client_eof(Instant now);
  void on_client_gone();
  void on_stack_error(Errc error);
  void close_stack(Instant now, bool abortive);
  // socket_bridge_linger.cpp
  bool wants_linger(bool abortive) const;
  void start_linger(Instant now);
  /// True once the lingering close is over (and then closes the stack socket).
  bool linger_over(Instant now);
  void close_pair();
  void finish();

  boost::asio::io_context& io_;
  StackHandles stack_;
  StackDriver& driver_;
  Kind kind_;
  SocketId id_;
  boost::asio::posix::stream_descriptor pair_;
  Notify notify_;
  Finished finished_;
  ClientGone client_gone_;

  /// One buffer for every bridge (the event loop runs them one at a time):
  /// a 64 KiB buffer each was most of an idle connection's memory.
  static std::vector<std::uint8_t>& scratch();
  std::vector<std::uint8_t> down_;  // read from the stack, not yet written to the pair; freed once sent
  std::size_t down_offset_ = 0;
  bool read_wait_ = false;
  bool write_wait_ = false;
  bool down_done_ = false;  // peer's FIN passed on (or the pair is gone)
  bool up_done_ = false;    // client's EOF passed on
  bool released_ = false;
  bool abortive_close_ = false;
  Linger linger_;
  std::function<void()> closed_;    // a waiting close's reply
  bool lingering_ = false;          // FIN sent, waiting for its ACK
  bool linger_ended_ = false;       // acknowledged, or the time is up
  Instant linger_until_{};
  std::unique_ptr<boost::asio::steady_timer> linger_timer_;
  bool stack_open_ = true;
  bool finished_called_ = false;
  Errc error_ = Errc::Ok;

  HandOff hand_off_;               // listener
  std::deque<Handoff> handoffs_;   // listener: made ready, not yet in the pair
};

}  // namespace tapstack::daemon
