#include "client/lib/receive_connection.hpp"

#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace tapstack::client {

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
  if (n == 0 && conn < 0) return EINVAL;
  const auto decoded = rpc::decode_accept_record(Bytes(bytes, static_cast<std::size_t>(n)));
  if (!decoded || conn < 0 || (msg.msg_flags & MSG_CTRUNC) != 0) {
    if (conn >= 0) ::close(conn);
    return EPROTO;
  }
  record = *decoded;
  return 0;
}

}  // namespace tapstack::client
