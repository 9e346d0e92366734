#include "daemon/socket_bridge.hpp"

#include <poll.h>
#include <sys/socket.h>

#include <algorithm>
#include <boost/asio/post.hpp>
#include <cerrno>

#include "daemon/fd_passing.hpp"
#include "daemon/stack_driver.hpp"
#include "rpc/protocol.hpp"
#include "stack/net/udp_layer.hpp"
#include "stack/tcp/tcp_layer.hpp"

namespace tapstack::daemon {
namespace {

constexpr std::size_t kChunk = 64 * 1024;
constexpr int kIdleReadsPerWake = 16;  // bounds the work one wake-up does for a writer

/// True when the client has closed its end completely (not just SHUT_WR).
bool client_hung_up(int fd) {
  pollfd p{fd, POLLIN, 0};
  return ::poll(&p, 1, 0) == 1 && (p.revents & POLLHUP) != 0;
}

}  // namespace

SocketBridge::SocketBridge(boost::asio::io_context& io, StackHandles stack, StackDriver& driver,
                           Kind kind, SocketId id, UniqueFd daemon_end)
    : io_(io),
      stack_(stack),
      driver_(driver),
      kind_(kind),
      id_(id),
      pair_(io, daemon_end.release()) {}

std::vector<std::uint8_t>& SocketBridge::scratch() {
  static std::vector<std::uint8_t> shared(kChunk + rpc::kDatagramHeaderSize);
  return shared;
}

SocketBridge::~SocketBridge() = default;

net::IpProtocol SocketBridge::protocol() const {
  return kind_ == Kind::Udp ? net::IpProtocol::Udp : net::IpProtocol::Tcp;
}

void SocketBridge::start(Instant now) { pump(now); }

void SocketBridge::on_event(const SocketEvent& event, Instant now) {
  if (!stack_open_) return;
  switch (event.kind) {
    case SocketEventKind::Connected:
      if (notify_) notify_(rpc::EventKind::Connected, Errc::Ok);
      break;
    case SocketEventKind::Closed:
      if (event.error != Errc::Ok) {
        pump(now);  // hand over what arrived before the reset
        on_stack_error(event.error);
        return;
      }
      break;
    default:
      break;
  }
  pump(now);
}

void SocketBridge::become_listener(HandOff hand_off, Instant now) {
  kind_ = Kind::TcpListener;
  hand_off_ = std::move(hand_off);
  pump(now);
}

void SocketBridge::become_stream(Instant now) {
  kind_ = Kind::TcpStream;
  pump(now);
}

void SocketBridge::pump(Instant now) {
  if (!stack_open_ || !pair_.is_open()) return;
  switch (kind_) {
    case Kind::TcpStream:
      pump_tcp_down(now);
      if (stack_open_ && pair_.is_open()) pump_tcp_up(now);
      break;
    case Kind::TcpListener:
      pump_listener(now);
      break;
    case Kind::TcpIdle:
      watch_idle(now);
      break;
    case Kind::Udp:
      pump_udp_down();
      if (pair_.is_open()) pump_udp_up();
      break;
  }
}

// Stack → client. Pulls only what the pair takes: while a chunk waits in
// down_, nothing more is read from the stack, so its receive window closes.
void SocketBridge::pump_tcp_down(Instant now) {
  while (!down_done_) {
    if (down_offset_ == down_.size()) {
      auto r = stack_.tcp.recv(id_, MutableBytes(scratch().data(), kChunk), now);
      if (!r) {
        if (r.error() != Errc::WouldBlock) on_stack_error(r.error());
        down_ = {};  // all sent: an idle connection keeps no chunk
        down_offset_ = 0;
        return;
      }
      if (*r == 0) {  // the peer's FIN: the program reads EOF
        ::shutdown(pair_.native_handle(), SHUT_WR);
        down_done_ = true;
        return;
      }
      down_.assign(scratch().begin(), scratch().begin() + static_cast<std::ptrdiff_t>(*r));
      down_offset_ = 0;
    }
    const ssize_t n = ::send(pair_.native_handle(), down_.data() + down_offset_,
                             down_.size() - down_offset_, MSG_DONTWAIT | MSG_NOSIGNAL);
    if (n > 0) {
      down_offset_ += static_cast<std::size_t>(n);
      continue;
    }
    if (errno == EINTR) continue;
    if (errno == EAGAIN) {
      wait_writable();
      return;
    }
    down_done_ = true;  // EPIPE: nobody will read any more
    down_.clear();
    down_offset_ = 0;
    return;
  }
}

// Client → stack, never more than the send buffer has room for.
void SocketBridge::pump_tcp_up(Instant now) {
  while (!up_done_) {
    const std::size_t space = std::min(stack_.tcp.send_space(id_), kChunk);
    if (space == 0) return;  // a Writable event resumes
    const ssize_t n = ::recv(pair_.native_handle(), scratch().data(), space, MSG_DONTWAIT);
    if (n > 0) {
      auto r = stack_.tcp.send(id_, Bytes(scratch().data(), static_cast<std::size_t>(n)), now);
      if (!r) {
        on_stack_error(r.error());
        return;
      }
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EAGAIN) {
      wait_readable();
      return;
    }
    on_client_eof(now);
    return;
  }
}

// A listener's pair: the client never writes to it, so readable means EOF
// (the client closed the listening fd). Connections are taken from the
// stack's accept queue only while the pair takes their records: when the
// client does not accept, the stack's queue fills to the backlog.
void SocketBridge::pump_listener(Instant now) {
  std::uint8_t ignored[64];
  while (true) {
    const ssize_t n = ::recv(pair_.native_handle(), ignored, sizeof ignored, MSG_DONTWAIT);
    if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
      on_client_gone();
      return release(now);
    }
    if (n < 0 && errno == EAGAIN) break;
  }
  while (stack_open_) {
    if (handoffs_.empty()) {
      auto accepted = stack_.tcp.accept(id_);
      if (!accepted) break;
      auto handoff = hand_off_ ? hand_off_(*accepted) : std::nullopt;
      if (!handoff) {
        (void)stack_.tcp.abort(*accepted, now);
        continue;
      }
      handoffs_.push_back(std::move(*handoff));
    }
    const Handoff& next = handoffs_.front();
    std::uint8_t record[rpc::kAcceptRecordSize];
    rpc::encode_accept_record(record, {next.handle, next.peer});
    const int error = send_packet(pair_.native_handle(), Bytes(record, sizeof record),
                                  next.client_end.get());
    if (error == EAGAIN) {
      wait_writable();
      break;
    }
    // Sent (our copy of its fd closes), or the client is gone (EPIPE): then
    // the connection's bridge sees its pair hang up and releases it.
    handoffs_.pop_front();
    if (error != 0) break;
  }
  wait_readable();
}

// No connection yet, so nothing to move, but the pair is watched: a data fd
// dropped before connect or listen (close_range, dup2, exit) frees the
// socket and its port. Bytes written meanwhile are discarded, as Linux
// refuses a write on an unconnected TCP socket.
void SocketBridge::watch_idle(Instant now) {
  for (int i = 0; i < kIdleReadsPerWake; ++i) {
    const ssize_t n = ::recv(pair_.native_handle(), scratch().data(), scratch().size(), MSG_DONTWAIT);
    if (n > 0 || (n < 0 && errno == EINTR)) continue;
    if (n < 0 && errno == EAGAIN) break;
    on_client_gone();
    released_ = true;
    close_stack(now, false);
    return;
  }
  wait_readable();
}

void SocketBridge::pump_udp_down() {
  while (true) {
    if (down_.empty()) {
      auto r = stack_.udp.recv_from(id_);
      if (!r) {
        if (r.error() == Errc::WouldBlock) return;
        if (r.error() == Errc::Shutdown) {
          ::shutdown(pair_.native_handle(), SHUT_WR);
          return;
        }
        on_stack_error(r.error());  // an ICMP error for this socket
        continue;
      }
      down_.resize(rpc::kDatagramHeaderSize + r->data.size());
      rpc::encode_datagram_header(down_, rpc::Endpoint{r->from.value(), r->from_port});
      std::copy(r->data.begin(), r->data.end(), down_.begin() + rpc::kDatagramHeaderSize);
    }
    const ssize_t n =
        ::send(pair_.native_handle(), down_.data(), down_.size(), MSG_DONTWAIT | MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EAGAIN) {
      wait_writable();
      return;
    }
    down_.clear();  // sent, or dropped as UDP may (EMSGSIZE, EPIPE)
  }
}

void SocketBridge::pump_udp_up() {
  while (true) {
    const ssize_t n = ::recv(pair_.native_handle(), scratch().data(), scratch().size(), MSG_DONTWAIT);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EAGAIN) {
      wait_readable();
      return;
    }
    if (n <= 0) {
      on_client_gone();
      released_ = true;
      close_stack(driver_.now(), false);
      return;
    }
    const Bytes packet(scratch().data(), static_cast<std::size_t>(n));
    const auto to = rpc::decode_datagram_header(packet);
    if (!to) continue;  // too short to carry an address: dropped
    const Bytes data = packet.subspan(rpc::kDatagramHeaderSize);
    auto r = to->port == 0 && to->address == 0
                 ? stack_.udp.send(id_, data)
                 : stack_.udp.send_to(id_, wire::Ipv4Address{to->address}, to->port, data);
    if (!r) on_stack_error(r.error());
  }
}

void SocketBridge::wait_readable() {
  if (read_wait_ || !pair_.is_open()) return;
  read_wait_ = true;
  pair_.async_wait(boost::asio::posix::descriptor_base::wait_read,
                   [self = shared_from_this()](const boost::system::error_code& ec) {
                     self->read_wait_ = false;
                     if (ec || !self->pair_.is_open()) return;
                     self->pump(self->driver_.now());
                     self->driver_.after_stack_work();
                   });
}

void SocketBridge::wait_writable() {
  if (write_wait_ || !pair_.is_open()) return;
  write_wait_ = true;
  pair_.async_wait(boost::asio::posix::descriptor_base::wait_write,
                   [self = shared_from_this()](const boost::system::error_code& ec) {
                     self->write_wait_ = false;
                     if (ec || !self->pair_.is_open()) return;
                     self->pump(self->driver_.now());
                     self->driver_.after_stack_work();
                   });
}

// The client shut down its sending side (FIN to the peer) or closed the fd
// altogether (close the stack socket: FIN, and the stack finishes the close).
void SocketBridge::on_client_eof(Instant now) {
  up_done_ = true;
  const bool gone = client_hung_up(pair_.native_handle());
  if (gone) on_client_gone();
  if (released_ || gone) {
    released_ = true;
    close_stack(now, abortive_close_);
    return;
  }
  auto r = stack_.tcp.shutdown_send(id_, now);
  (void)r;  // already shut or not connected: nothing more to do
}

// Posted: the session drops its handle, and with it perhaps this bridge.
void SocketBridge::on_client_gone() {
  if (client_gone_) boost::asio::post(io_, std::exchange(client_gone_, nullptr));
}

// RST, timeout or unreachable: remember it for SO_ERROR, tell the session,
// and end both directions of the pair (the program reads EOF, writes EPIPE).
void SocketBridge::on_stack_error(Errc error) {
  error_ = error;
  if (notify_) notify_(rpc::EventKind::Error, error);
  if (kind_ == Kind::Udp) return;  // datagram errors do not end the socket
  down_done_ = up_done_ = true;
  down_.clear();
  down_offset_ = 0;
  ::shutdown(pair_.native_handle(), SHUT_RDWR);
  if (released_) close_stack(driver_.now(), true);
}

void SocketBridge::release(Instant now) {
  released_ = true;
  if (kind_ == Kind::TcpStream && !up_done_ && !abortive_close_ && stack_open_) {
    pump(now);  // keeps reading until the client's EOF, then closes
    return;
  }
  close_stack(now, abortive_close_);
}

void SocketBridge::abort(Instant now) {
  released_ = true;
  close_stack(now, true);
}

void SocketBridge::close_stack(Instant now, bool abortive) {
  if (wants_linger(abortive)) return start_linger(now);
  if (lingering() && !abortive && !linger_ended_) return;  // the linger decides when
  if (stack_open_) {
    stack_open_ = false;
    if (kind_ == Kind::Udp) {
      (void)stack_.udp.close(id_);
    } else if (abortive) {
      (void)stack_.tcp.abort(id_, now);
    } else {
      (void)stack_.tcp.close(id_, now);
    }
  }
  handoffs_.clear();  // their bridges see the hang-up and release themselves
  close_pair();
  finish();
  if (closed_) std::exchange(closed_, nullptr)();  // a close that waited is over
}

void SocketBridge::close_pair() {
  boost::system::error_code ignored;
  pair_.cancel(ignored);
  pair_.close(ignored);
}

void SocketBridge::finish() {
  if (finished_called_) return;
  finished_called_ = true;
  notify_ = nullptr;
  if (finished_) boost::asio::post(io_, std::exchange(finished_, nullptr));
}

}  // namespace tapstack::daemon
