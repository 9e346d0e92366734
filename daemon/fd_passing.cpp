#include "daemon/fd_passing.hpp"

#include <fcntl.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include <cerrno>
#include <cstring>

namespace tapstack::daemon {

int send_packet(int socket, Bytes data, int fd) {
  iovec iov{const_cast<std::uint8_t*>(data.data()), data.size()};  // NOLINT: sendmsg's API
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
  if (fd >= 0) {
    msg.msg_control = control;
    msg.msg_controllen = sizeof control;
    cmsghdr* cmsg = CMSG_FIRSTHDR(&msg);
    cmsg->cmsg_level = SOL_SOCKET;
    cmsg->cmsg_type = SCM_RIGHTS;
    cmsg->cmsg_len = CMSG_LEN(sizeof(int));
    std::memcpy(CMSG_DATA(cmsg), &fd, sizeof fd);
  }
  while (true) {
    const ssize_t n = ::sendmsg(socket, &msg, MSG_DONTWAIT | MSG_NOSIGNAL);
    if (n >= 0) return 0;
    if (errno != EINTR) return errno;
  }
}

ReceivedPacket receive_packet(int socket, MutableBytes buffer) {
  iovec iov{buffer.data(), buffer.size()};
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  while (true) {
    const ssize_t n = ::recvmsg(socket, &msg, MSG_DONTWAIT);
    if (n >= 0) {
      return {0, static_cast<std::size_t>(n), (msg.msg_flags & MSG_TRUNC) != 0};
    }
    if (errno != EINTR) return {errno, 0, false};
  }
}

SocketPair make_socket_pair(int type) {
  int fds[2] = {-1, -1};
  if (::socketpair(AF_UNIX, type | SOCK_CLOEXEC, 0, fds) != 0) return {{}, {}, errno};
  SocketPair pair{UniqueFd(fds[0]), UniqueFd(fds[1]), 0};
  const int flags = ::fcntl(fds[0], F_GETFL);
  if (flags < 0 || ::fcntl(fds[0], F_SETFL, flags | O_NONBLOCK) != 0) return {{}, {}, errno};
  return pair;
}

}  // namespace tapstack::daemon
