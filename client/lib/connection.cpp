#include "client/lib/connection.hpp"

#include <poll.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "client/lib/receive_connection.hpp"

namespace tapstack::client {
namespace {

int send_all(int fd, const std::vector<std::uint8_t>& bytes) {
  while (::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL) < 0) {
    if (errno != EINTR) return errno;
  }
  return 0;
}

/// One packet, blocking; `fd` receives an attached descriptor or -1.
ssize_t receive(int socket, std::vector<std::uint8_t>& buffer, int& fd, bool& truncated) {
  iovec iov{buffer.data(), buffer.size()};
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))];
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control;
  msg.msg_controllen = sizeof control;
  ssize_t n;
  do {
    n = ::recvmsg(socket, &msg, MSG_CMSG_CLOEXEC);
  } while (n < 0 && errno == EINTR);
  fd = -1;
  truncated = (msg.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) != 0;
  if (n < 0) return n;
  fd = passed_fd(msg);
  return n;
}

}  // namespace

std::string daemon_path(const std::string& explicit_path) {
  if (!explicit_path.empty()) return explicit_path;
  const char* env = std::getenv("TAPSTACK_SOCKET");
  if (env && *env) return env;
  return "/run/tapstack/tapstackd.sock";
}

int Connection::open(const std::string& path, std::string& message) {
  close();
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  if (path.size() >= sizeof address.sun_path) {
    message = "socket path too long: " + path;
    return ENAMETOOLONG;
  }
  std::memcpy(address.sun_path, path.c_str(), path.size() + 1);
  fd_ = ::socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
  if (fd_ < 0) return errno;
  if (::connect(fd_, reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0) {
    const int e = errno;
    message = "cannot reach tapstackd at " + path + ": " + std::strerror(e) +
              (e == ENOENT || e == ECONNREFUSED ? " (is the daemon running?)" : "");
    close();
    return e;
  }
  auto hello = call(rpc::MessageType::Hello, rpc::HelloRequest{rpc::kVersion, "libtapstack"});
  int e = hello.error != 0 ? hello.error : hello.reply.error;
  if (e == 0) return 0;
  if (e == EPROTONOSUPPORT) {
    message = "tapstackd at " + path + " speaks another protocol version (this client: " +
              std::to_string(rpc::kVersion) + ")";
  } else {
    message = "tapstackd at " + path + " refused the session: " + std::strerror(e);
  }
  close();
  return e;
}

void Connection::close() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

bool Connection::closed_by_peer() const {
  pollfd p{fd_, 0, 0};
  return fd_ >= 0 && ::poll(&p, 1, 0) == 1 && (p.revents & (POLLHUP | POLLERR)) != 0;
}

int Connection::send_request(rpc::MessageType type, rpc::RequestBody body, std::uint32_t& id) {
  if (fd_ < 0) return ENOTCONN;
  id = next_id_++;
  if (next_id_ == 0) next_id_ = 1;
  int e = send_all(fd_, rpc::encode(rpc::Request{type, id, std::move(body)}));
  if (e != 0) {
    if (const int refusal = queued_refusal(); refusal != 0) e = refusal;
    close();
  }
  return e;
}

// A refused session (docs/rpc.md, "Session limits") can see the reset before
// the daemon's reason, which still waits in the queue: the first recv may
// only report the pending error, the second reads the packet.
int Connection::queued_refusal() {
  for (int attempt = 0; attempt < 2; ++attempt) {
    const ssize_t n = ::recv(fd_, buffer_.data(), buffer_.size(), MSG_DONTWAIT);
    if (n == 0 || (n < 0 && errno == EAGAIN)) return 0;
    if (n < 0) continue;
    const auto decoded = rpc::decode(Bytes(buffer_.data(), static_cast<std::size_t>(n)));
    const auto* reply = decoded.ok() ? std::get_if<rpc::Reply>(&decoded.value()) : nullptr;
    return reply && reply->id == 0 ? reply->error : 0;
  }
  return 0;
}

int Connection::post(rpc::MessageType type, rpc::RequestBody body) {
  std::uint32_t id = 0;
  return send_request(type, std::move(body), id);
}

CallResult Connection::call(rpc::MessageType type, rpc::RequestBody body) {
  CallResult result;
  std::uint32_t id = 0;
  if (int e = send_request(type, std::move(body), id); e != 0) {
    result.error = e;
    return result;
  }
  while (true) {
    int fd = -1;
    bool truncated = false;
    const ssize_t n = receive(fd_, buffer_, fd, truncated);
    if (n <= 0 || truncated) {
      if (fd >= 0) ::close(fd);
      result.error = n < 0 ? errno : ECONNRESET;  // the daemon went away
      if (const int refusal = queued_refusal(); refusal != 0) result.error = refusal;
      close();
      return result;
    }
    const Bytes packet(buffer_.data(), static_cast<std::size_t>(n));
    auto decoded = rpc::decode(packet);
    if (!decoded.ok()) {
      if (fd >= 0) ::close(fd);
      const auto version = rpc::peek_version(packet);
      result.error = version && *version != rpc::kVersion ? EPROTONOSUPPORT : EPROTO;
      close();
      return result;
    }
    auto* reply = std::get_if<rpc::Reply>(&decoded.value());
    if (reply && reply->id == 0 && reply->error != 0) {  // the daemon refused the session
      result.error = reply->error;
      close();
      return result;
    }
    if (!reply || reply->id != id) {  // an event, or a stale reply: skip
      if (fd >= 0) ::close(fd);
      continue;
    }
    result.reply = std::move(*reply);
    result.fd = fd;
    return result;
  }
}

}  // namespace tapstack::client
