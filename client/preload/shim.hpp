#pragma once
// Pieces shared by the shim's interceptors: the lock around libtapstack, the
// policy from the environment, and the routing of a fresh socket at its first
// address-bearing call (stack, or the kernel for loopback).
#include <sys/socket.h>

#include <mutex>

#include "client/preload/address.hpp"
#include "client/preload/real.hpp"
#include "client/preload/table.hpp"

#define TS_EXPORT __attribute__((visibility("default")))

namespace tapstack::preload {

/// Read once from TAPSTACK_PRELOAD_DNS (stack|libc).
struct Policy {
  bool dns_through_stack = true;
};
const Policy& policy();

/// Every libtapstack call that talks to the daemon runs under this lock; it
/// is held across fork() so the child never inherits a half-done request.
std::mutex& rpc_mutex();

/// Runs `op` (a libtapstack call) under rpc_mutex() with the guard set.
template <typename F>
auto with_daemon(F&& op) {
  std::lock_guard lock(rpc_mutex());
  Inside inside;
  return op();
}

/// errno = e; returns -1.
int fail(int e);

/// True when the fd's file status flags include O_NONBLOCK.
bool nonblocking(int fd);

/// How libtapstack should see O_NONBLOCK on one fd for the current call:
/// the shim's fcntl() answers libtapstack's next F_GETFL for `fd` with this
/// value (once).
struct ForcedFlag {
  int fd = -1;
  bool nonblocking = false;
};
extern constinit thread_local ForcedFlag t_forced;

/// While set, libtapstack's close(fd) becomes dup3(with, fd, flags): the
/// data fd is replaced (by a kernel socket, or dup2's source) without the
/// number ever being free; with kLeaveOpen it is left for its owner to close.
inline constexpr int kLeaveOpen = -1;
struct Swap {
  int fd = -1;
  int with = kLeaveOpen;
  int flags = 0;
};
extern constinit thread_local Swap t_swap;

/// Releases the stack socket `socket` at `fd` (already taken from the
/// table) as close() would, the daemon told, while `fd` itself becomes a
/// copy of `with` (dup3 with `flags`) or, with kLeaveOpen, stays open for its
/// owner to close. Returns 0 or the errno of the replacement.
int give_up(int fd, const StackSocket& socket, int with, int flags);

/// close() of a stack socket's fd (taken from the table): the daemon is told.
int close_stack(int fd, const StackSocket& socket);

/// Says once per process on stderr that tapstackd cannot be reached.
void report_unreachable(int error);

/// Where a socket's address-bearing call goes.
enum class Route { Stack, Kernel };

/// Checks `addr` (see to_ipv4) and, at the first bind/connect/sendto of `fd`
/// (entry `socket`), decides where the socket lives: loopback targets (with
/// the kernel policy) and IPV6_V6ONLY sockets become kernel sockets at the
/// same fd; everything else stays on the stack, and later calls keep that.
/// Returns 0 or an errno; `target` is the IPv4 endpoint for the stack.
int route(int fd, const StackSocket& socket, const sockaddr* addr, socklen_t len, AddressUse use,
          sockaddr_in& target, Route& out);

}  // namespace tapstack::preload
