// The interceptors for every libc call that closes or replaces a descriptor:
// close, dup2, dup3, close_range, closefrom and fclose. When the descriptor
// is a stack socket's data fd, the shim forgets it and the daemon is told,
// as for close(); otherwise a later unrelated fd with the same number would
// be taken for the old socket. What cannot be seen (raw system calls, closes
// inside libc) is listed in docs/preload.md.
#include <fcntl.h>
#include <linux/close_range.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdio>

#include "client/preload/shim.hpp"

namespace tapstack::preload {
namespace {

/// dup2/dup3 onto a stack socket's fd: the socket is released and the
/// number holds `oldfd`'s file, never free in between (as dup2 promises).
int replace(int oldfd, int newfd, int flags) {
  const Real& r = real();
  if (!table().get(newfd)) return r.dup3(oldfd, newfd, flags);
  if (r.fcntl(oldfd, F_GETFD) < 0) return -1;  // EBADF: newfd must stay as it was
  const auto s = table().take(newfd);
  if (!s) return r.dup3(oldfd, newfd, flags);  // another thread closed it meanwhile
  if (const int e = give_up(newfd, *s, oldfd, flags); e != 0) return fail(e);
  return newfd;
}

/// Closes, through close_stack, the stack sockets among fds first..last.
void close_stack_between(unsigned first, unsigned last) {
  for (const int fd : table().fds_between(first, last)) {
    if (const auto s = table().take(fd)) (void)close_stack(fd, *s);
  }
}

}  // namespace
}  // namespace tapstack::preload

using namespace tapstack::preload;

extern "C" {

TS_EXPORT int close(int fd) {
  const Real& r = real();
  if (t_inside) {
    if (t_swap.fd != fd) return r.close(fd);
    const Swap swap = t_swap;
    t_swap = Swap{};
    if (swap.with == kLeaveOpen) return 0;
    return r.dup3(swap.with, fd, swap.flags) < 0 ? -1 : 0;
  }
  const auto s = table().take(fd);
  if (!s) return r.close(fd);
  return close_stack(fd, *s);
}

TS_EXPORT int dup2(int oldfd, int newfd) {
  if (t_inside || oldfd == newfd) return real().dup2(oldfd, newfd);
  return replace(oldfd, newfd, 0);
}

TS_EXPORT int dup3(int oldfd, int newfd, int flags) {
  if (t_inside || oldfd == newfd || (flags & ~O_CLOEXEC) != 0) return real().dup3(oldfd, newfd, flags);
  return replace(oldfd, newfd, flags);
}

// With CLOSE_RANGE_CLOEXEC nothing closes before exec (which starts the
// table afresh); with CLOSE_RANGE_UNSHARE only the caller's private copy of
// the descriptor table loses them, while the process-wide table still holds
// them for the others that share it.
TS_EXPORT int close_range(unsigned first, unsigned last, int flags) {
  constexpr int kKeepsThem = static_cast<int>(CLOSE_RANGE_CLOEXEC | CLOSE_RANGE_UNSHARE);
  if (!t_inside && (flags & kKeepsThem) == 0) {
    close_stack_between(first, last);
  }
  return real().close_range(first, last, flags);
}

TS_EXPORT void closefrom(int lowfd) {
  if (!t_inside && lowfd >= 0) close_stack_between(static_cast<unsigned>(lowfd), UINT_MAX);
  real().closefrom(lowfd);
}

// glibc's fclose closes the fd with an internal call the shim cannot see:
// the daemon is told first, and the fd stays open until fclose closes it
// (so the number is never free while the table still names it).
TS_EXPORT int fclose(FILE* stream) {
  const int fd = t_inside || stream == nullptr ? -1 : ::fileno(stream);
  const auto s = fd < 0 ? std::nullopt : table().take(fd);
  if (s) (void)give_up(fd, *s, kLeaveOpen, 0);
  return real().fclose(stream);
}

}  // extern "C"
