// Process-wide state of the shim: policy, locks, fork handling, and moving a
// socket to the kernel.
#include "client/preload/shim.hpp"

#include <fcntl.h>
#include <pthread.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "tapstack/tapstack.h"

namespace tapstack::preload {

constinit thread_local ForcedFlag t_forced;
constinit thread_local Swap t_swap;

namespace {

Policy read_policy() {
  Policy p;
  const char* dns = std::getenv("TAPSTACK_PRELOAD_DNS");
  if (dns && std::strcmp(dns, "libc") == 0) p.dns_through_stack = false;
  return p;
}

/// Replaces the data fd `fd` by a fresh kernel socket of the same family,
/// type, options, O_NONBLOCK and FD_CLOEXEC, and releases the stack socket.
int move_to_kernel(int fd, const StackSocket& socket) {
  const Real& r = real();
  const int kernel = r.socket(socket.family, socket.type | SOCK_CLOEXEC, socket.protocol);
  if (kernel < 0) return errno;
  for (const auto& o : socket.options) {
    (void)r.setsockopt(kernel, o.level, o.name, o.value.data(), static_cast<socklen_t>(o.value.size()));
  }
  const int status = r.fcntl(fd, F_GETFL);
  if (status >= 0 && (status & O_NONBLOCK)) (void)r.fcntl(kernel, F_SETFL, O_NONBLOCK);
  const int fd_flags = r.fcntl(fd, F_GETFD);
  const int cloexec = fd_flags >= 0 && (fd_flags & FD_CLOEXEC) ? O_CLOEXEC : 0;
  (void)table().take(fd);
  const int e = give_up(fd, socket, kernel, cloexec);
  (void)r.close(kernel);
  return e;
}

void before_fork() {
  rpc_mutex().lock();
  table().mutex().lock();
}

void after_fork_parent() {
  table().mutex().unlock();
  rpc_mutex().unlock();
}

// The child shares the parent's control connection: drop this copy (the next
// call opens a session of its own). Inherited data fds keep carrying bytes;
// their handles stay with the parent's session.
void after_fork_child() {
  table().mark_all_inherited();
  table().mutex().unlock();
  rpc_mutex().unlock();
  Inside inside;
  ts_disconnect_daemon();
}

__attribute__((constructor)) void install_fork_handlers() {
  (void)real();
  (void)policy();
  ::pthread_atfork(before_fork, after_fork_parent, after_fork_child);
}

}  // namespace

const Policy& policy() {
  static const Policy p = read_policy();
  return p;
}

std::mutex& rpc_mutex() {
  static auto* m = new std::mutex;
  return *m;
}

int fail(int e) {
  errno = e;
  return -1;
}

bool nonblocking(int fd) {
  const int flags = real().fcntl(fd, F_GETFL);
  return flags >= 0 && (flags & O_NONBLOCK) != 0;
}

void report_unreachable(int error) {
  if (error != ENOENT && error != ECONNREFUSED && error != EACCES && error != EPROTONOSUPPORT &&
      error != EUSERS) {
    return;
  }
  static std::atomic<bool> said{false};
  if (said.exchange(true)) return;
  const char* path = with_daemon([] { return ts_daemon_path(); });
  std::fprintf(stderr, "tapstack-preload: cannot reach tapstackd at %s: %s%s\n", path,
               std::strerror(error),
               error == EACCES ? " (are you in the daemon's group?)"
               : error == EPROTONOSUPPORT ? " (daemon and library versions differ)"
               : error == EUSERS ? " (refused: this uid has every session it may have)"
                                          : " (is the daemon running? set TAPSTACK_SOCKET)");
}

int give_up(int fd, const StackSocket& socket, int with, int flags) {
  t_swap = Swap{fd, with, flags};
  if (!socket.inherited) (void)with_daemon([&] { return ts_close(fd); });
  int rc = 0;
  // libtapstack did not know it (an inherited socket): replaced here.
  if (t_swap.fd == fd && with != kLeaveOpen) rc = real().dup3(with, fd, flags);
  t_swap = Swap{};
  return rc < 0 ? errno : 0;
}

int close_stack(int fd, const StackSocket& socket) {
  const Real& r = real();
  if (socket.inherited) return r.close(fd);
  const int rc = with_daemon([&] { return ts_close(fd); });
  if (rc != 0 && errno == EBADF) return r.close(fd);  // libtapstack did not know it
  return rc;
}

int route(int fd, const StackSocket& socket, const sockaddr* addr, socklen_t len, AddressUse use,
          sockaddr_in& target, Route& out) {
  out = Route::Stack;
  if (!socket.addressed && socket.v6only) {  // IPv6 only: the stack has none to offer
    out = Route::Kernel;
    return move_to_kernel(fd, socket);
  }
  if (int e = to_ipv4(addr, len, socket.family, use, target); e != 0) return e;
  if (socket.addressed) return 0;
  // Loopback stays on the kernel: the stack has no loopback interface.
  if (!is_loopback(target)) {
    table().update(fd, [](StackSocket& s) { s.addressed = true; });
    return 0;
  }
  out = Route::Kernel;
  return move_to_kernel(fd, socket);
}

}  // namespace tapstack::preload
