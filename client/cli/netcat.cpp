// connect and listen: nc-like copying between stdin/stdout and a stack socket.
#include <arpa/inet.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>

#include "client/cli/cli.hpp"
#include "client/cli/progress.hpp"
#include "tapstack/tapstack.h"

namespace tapstack::cli {
namespace {

sockaddr_in make_address(unsigned host_order, int port) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(host_order);
  a.sin_port = htons(static_cast<std::uint16_t>(port));
  return a;
}

/// Like write_all, to a data fd: a peer that is gone is EPIPE, not SIGPIPE.
bool send_all(int fd, const char* data, std::size_t len) {
  while (len > 0) {
    const ssize_t n = ::send(fd, data, len, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    data += n;
    len -= static_cast<std::size_t>(n);
  }
  return true;
}

/// Closes `fd` and says how it ended: "tapstackd closed the connection" when
/// its session is over (libtapstack: ENETDOWN), else with `errors` a reset or
/// timeout the stack saw, if any.
int finish(int fd, bool errors) {
  int error = 0;
  socklen_t len = sizeof error;
  int rc = kOk;
  if (ts_getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &len) != 0) {
    if (errno == ENETDOWN) rc = daemon_closed();
  } else if (errors && error != 0) {
    errno = error;
    print_error("connection");
    rc = kFailed;
  }
  ts_close(fd);
  return rc;
}

/// Copies stdin → socket and socket → stdout until both are done, as nc
/// does: stdin's EOF sends a FIN (and reading goes on), the peer's FIN ends
/// stdout (and sending goes on until stdin's EOF). A reset ends both.
int copy_stream(int fd) {
  bool stdin_open = true;
  bool socket_open = true;
  char buf[65536];
  Progress progress;
  while (stdin_open || socket_open) {
    pollfd fds[2] = {{socket_open ? fd : -1, POLLIN, 0}, {stdin_open ? STDIN_FILENO : -1, POLLIN, 0}};
    if (::poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      break;
    }
    if (fds[0].revents) {
      const ssize_t n = ::read(fd, buf, sizeof buf);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        socket_open = false;
        // The peer's FIN shuts only our reading side; POLLHUP while we still
        // send means both sides are gone: a reset (reported by finish).
        if (n < 0 || (stdin_open && (fds[0].revents & POLLHUP) != 0)) break;
      } else if (!write_all(STDOUT_FILENO, buf, static_cast<std::size_t>(n))) {
        break;
      } else {
        progress.received(static_cast<std::size_t>(n));
      }
    }
    if (fds[1].revents) {
      const ssize_t n = ::read(STDIN_FILENO, buf, sizeof buf);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        stdin_open = false;
        ts_shutdown(fd, SHUT_WR);  // FIN after what was written
      } else if (!send_all(fd, buf, static_cast<std::size_t>(n))) {
        break;  // EPIPE: the connection was reset
      } else {
        progress.sent(static_cast<std::size_t>(n));
      }
    }
  }
  return finish(fd, true);
}

/// UDP: stdin lines → datagrams to the peer; datagrams → stdout.
int copy_datagrams(int fd) {
  char buf[65536];
  bool stdin_open = true;
  while (true) {
    pollfd fds[2] = {{fd, POLLIN, 0}, {stdin_open ? STDIN_FILENO : -1, POLLIN, 0}};
    if (::poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      break;
    }
    if (fds[0].revents) {
      const ssize_t n = ts_recvfrom(fd, buf, sizeof buf, 0, nullptr, nullptr);
      if (n < 0 || (n == 0 && (fds[0].revents & POLLHUP) != 0)) break;  // EOF: the daemon's end is closed
      write_all(STDOUT_FILENO, buf, static_cast<std::size_t>(n));
    }
    if (fds[1].revents) {
      const ssize_t n = ::read(STDIN_FILENO, buf, sizeof buf);
      if (n <= 0) break;  // nc -u ends at stdin EOF
      if (ts_sendto(fd, buf, static_cast<std::size_t>(n), 0, nullptr, 0) < 0) {
        print_error("send");
      }
    }
  }
  return finish(fd, false);
}

}  // namespace

bool write_all(int fd, const char* data, std::size_t len) {
  while (len > 0) {
    const ssize_t n = ::write(fd, data, len);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    data += n;
    len -= static_cast<std::size_t>(n);
  }
  return true;
}

int cmd_connect(const std::string& host, int port, bool udp, bool nodelay) {
  unsigned address = 0;
  if (!lookup(host, address)) return kFailed;
  const int fd = ts_socket(AF_INET, udp ? SOCK_DGRAM : SOCK_STREAM, 0);
  if (fd < 0) {
    print_error("socket");
    return kFailed;
  }
  const int on = 1;
  if (nodelay && !udp && ts_setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on) != 0) {
    print_error("TCP_NODELAY");
    return kFailed;
  }
  const sockaddr_in to = make_address(address, port);
  if (ts_connect(fd, reinterpret_cast<const sockaddr*>(&to), sizeof to) != 0) {
    print_error("connect to " + host + " port " + std::to_string(port));
    ts_close(fd);
    return kFailed;
  }
  return udp ? copy_datagrams(fd) : copy_stream(fd);
}

int cmd_listen(int port, bool udp) {
  const int fd = ts_socket(AF_INET, udp ? SOCK_DGRAM : SOCK_STREAM, 0);
  if (fd < 0) {
    print_error("socket");
    return kFailed;
  }
  const sockaddr_in any = make_address(0, port);
  if (ts_bind(fd, reinterpret_cast<const sockaddr*>(&any), sizeof any) != 0) {
    print_error("bind port " + std::to_string(port));
    return kFailed;
  }
  if (udp) {  // the first datagram's sender becomes the peer, as nc -u -l does
    char buf[65536];
    sockaddr_in from{};
    socklen_t len = sizeof from;
    const ssize_t n = ts_recvfrom(fd, buf, sizeof buf, 0, reinterpret_cast<sockaddr*>(&from), &len);
    if (n < 0) return print_error("recvfrom"), kFailed;
    write_all(STDOUT_FILENO, buf, static_cast<std::size_t>(n));
    ts_connect(fd, reinterpret_cast<const sockaddr*>(&from), len);
    return copy_datagrams(fd);
  }
  if (ts_listen(fd, 1) != 0) {
    print_error("listen");
    return kFailed;
  }
  sockaddr_in peer{};
  socklen_t len = sizeof peer;
  const int conn = ts_accept(fd, reinterpret_cast<sockaddr*>(&peer), &len);
  if (conn < 0 && errno == ECONNABORTED) return daemon_closed();  // libtapstack: the listener was dropped
  if (conn < 0) {
    print_error("accept");
    return kFailed;
  }
  ts_close(fd);
  char buf[INET_ADDRSTRLEN];
  std::fprintf(stderr, "connection from %s:%u\n", inet_ntop(AF_INET, &peer.sin_addr, buf, sizeof buf),
               ntohs(peer.sin_port));
  return copy_stream(conn);
}

}  // namespace tapstack::cli
