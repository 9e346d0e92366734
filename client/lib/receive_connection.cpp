#include "client/lib/receive_connection.hpp"

#include <fcntl.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace tapstack::client {
namespace {

/// Replaces the listener's fd, at EOF for good, by a socket that never
/// becomes readable (an unbound AF_UNIX datagram socket nobody can reach),
/// with the same O_NONBLOCK and close-on-exec. A program that polls it or
/// retries accept() then waits instead of spinning on the EOF.
void silence(int listener) {
  const int quiet = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (quiet < 0) return;
  const int status = ::fcntl(listener, F_GETFL);
  if (status >= 0 && (status & O_NONBLOCK) != 0) (void)::fcntl(quiet, F_SETFL, O_NONBLOCK);
  const int fd_flags = ::fcntl(listener, F_GETFD);
  (void)::dup3(quiet, listener, fd_flags >= 0 && (fd_flags & FD_CLOEXEC) != 0 ? O_CLOEXEC : 0);
  ::close(quiet);
}

}  // namespace

int passed_fd(msghdr& msg) {
  int fd = -1;
  for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
    if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS &&
        c->cmsg_len == CMSG_LEN(sizeof(int))) {
      std::memcpy(&fd, CMSG_DATA(c), sizeof fd);
    }
  }
  return fd;
}

int receive_connection(int listener, bool nonblocking, rpc::AcceptRecord& record, int& conn) {
  std::uint8_t bytes[rpc::kAcceptRecordSize];
  iovec iov{bytes, sizeof bytes};
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))];
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control;
  msg.msg_controllen = sizeof control;
  const ssize_t n = ::recvmsg(listener, &msg, MSG_CMSG_CLOEXEC | (nonblocking ? MSG_DONTWAIT : 0));
  if (n < 0) return errno;
  conn = passed_fd(msg);
  // At the descriptor limit the kernel drops the connection's fd (and the
  // daemon then closes that connection): accept(2) would say EMFILE.
  if (conn < 0 && n > 0 && (msg.msg_flags & MSG_CTRUNC) != 0) return EMFILE;
  if (n == 0 && conn < 0) {  // the daemon dropped the listener: it went away, or the session ended
    silence(listener);
    return ECONNABORTED;
  }
  const auto decoded = rpc::decode_accept_record(Bytes(bytes, static_cast<std::size_t>(n)));
  if (!decoded || conn < 0 || (msg.msg_flags & MSG_CTRUNC) != 0) {
    if (conn >= 0) ::close(conn);
    return EPROTO;
  }
  record = *decoded;
  return 0;
}

}  // namespace tapstack::client
