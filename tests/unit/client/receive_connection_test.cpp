// A listener's data fd at EOF (the daemon went away): accept fails once with
// ECONNABORTED, then the fd never becomes readable, so nobody spins on it.
#include "client/lib/receive_connection.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>

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

}  // namespace
}  // namespace tapstack::client
