// A listener's data fd at EOF (the daemon went away): accept fails once with
// ECONNABORTED, then the fd never becomes readable, so nobody spins on it.
#include "client/lib/receive_connection.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

namespace tapstack::client {
namespace {

/// The program's end of a listener's pair whose daemon end is closed.
int dropped_listener(int flags) {
  int fds[2];
  EXPECT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | flags, 0, fds), 0);
  ::close(fds[1]);
  return fds[0];
}

bool readable(int fd) {
  pollfd p{fd, POLLIN, 0};
  return ::poll(&p, 1, 0) != 0;
}

TEST(ReceiveConnection, EofIsReportedOnceAsConnectionAborted) {
  const int listener = dropped_listener(0);
  ASSERT_TRUE(readable(listener));  // POLLIN|POLLHUP: the program calls accept
  rpc::AcceptRecord record;
  int conn = -1;
  EXPECT_EQ(receive_connection(listener, false, record, conn), ECONNABORTED);
  EXPECT_FALSE(readable(listener));
  EXPECT_EQ(receive_connection(listener, true, record, conn), EAGAIN);
  ::close(listener);
}

TEST(ReceiveConnection, TheQuietFdKeepsNonBlockingAndCloseOnExec) {
  for (const int flags : {0, SOCK_NONBLOCK | SOCK_CLOEXEC}) {
    const int listener = dropped_listener(flags);
    rpc::AcceptRecord record;
    int conn = -1;
    EXPECT_EQ(receive_connection(listener, true, record, conn), ECONNABORTED);
    EXPECT_EQ((::fcntl(listener, F_GETFL) & O_NONBLOCK) != 0, (flags & SOCK_NONBLOCK) != 0);
    EXPECT_EQ((::fcntl(listener, F_GETFD) & FD_CLOEXEC) != 0, (flags & SOCK_CLOEXEC) != 0);
    ::close(listener);
  }
}

/// Sends one accept record with `fd` attached down `to`.
void send_record(int to, int fd) {
  std::uint8_t bytes[rpc::kAcceptRecordSize];
  rpc::encode_accept_record(bytes, {7, {0x0a000001, 5000}});
  iovec iov{bytes, sizeof bytes};
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control;
  msg.msg_controllen = sizeof control;
  cmsghdr* c = CMSG_FIRSTHDR(&msg);
  c->cmsg_level = SOL_SOCKET;
  c->cmsg_type = SCM_RIGHTS;
  c->cmsg_len = CMSG_LEN(sizeof(int));
  std::memcpy(CMSG_DATA(c), &fd, sizeof fd);
  ASSERT_EQ(::sendmsg(to, &msg, 0), static_cast<ssize_t>(sizeof bytes));
}

// A process at its descriptor limit cannot take the connection's fd: the
// kernel drops it (the daemon then frees the connection) and the caller is
// told EMFILE, as accept(2) says, not a protocol error.
TEST(ReceiveConnection, NoRoomForTheConnectionsFdIsEmfile) {
  int fds[2];
  ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM, 0, fds), 0);
  send_record(fds[1], fds[1]);
  rlimit saved{};
  ASSERT_EQ(::getrlimit(RLIMIT_NOFILE, &saved), 0);
  std::vector<int> fillers;
  rlimit low = saved;
  low.rlim_cur = 64;
  ASSERT_EQ(::setrlimit(RLIMIT_NOFILE, &low), 0);
  for (int fd; (fd = ::dup(fds[0])) >= 0;) fillers.push_back(fd);  // ends at the limit
  rpc::AcceptRecord record;
  int conn = -1;
  const int error = receive_connection(fds[0], true, record, conn);
  for (const int fd : fillers) ::close(fd);
  ASSERT_EQ(::setrlimit(RLIMIT_NOFILE, &saved), 0);
  EXPECT_EQ(error, EMFILE);
  ::close(fds[0]);
  ::close(fds[1]);
}

}  // namespace
}  // namespace tapstack::client
