#pragma once
// The libc functions the shim stands in front of, found once with
// dlsym(RTLD_NEXT), and the per-thread guard that sends every call made while
// the shim itself is working (libtapstack's own socket, close, fcntl…) straight
// to libc, so nothing is intercepted twice.
#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>

#include <cstdio>

namespace tapstack::preload {

/// Pointers to the next definitions (libc's) of the wrapped functions.
struct Real {
  int (*socket)(int, int, int);
  int (*bind)(int, const sockaddr*, socklen_t);
  int (*listen)(int, int);
  int (*accept)(int, sockaddr*, socklen_t*);
  int (*accept4)(int, sockaddr*, socklen_t*, int);
  int (*connect)(int, const sockaddr*, socklen_t);
  int (*shutdown)(int, int);
  int (*close)(int);
  int (*dup2)(int, int);
  int (*dup3)(int, int, int);
  int (*close_range)(unsigned, unsigned, int);
  void (*closefrom)(int);
  int (*fclose)(FILE*);
  int (*fcntl)(int, int, ...);
  int (*poll)(pollfd*, nfds_t, int);
  int (*getsockname)(int, sockaddr*, socklen_t*);
  int (*getpeername)(int, sockaddr*, socklen_t*);
  int (*getsockopt)(int, int, int, void*, socklen_t*);
  int (*setsockopt)(int, int, int, const void*, socklen_t);
  ssize_t (*send)(int, const void*, size_t, int);
  ssize_t (*sendto)(int, const void*, size_t, int, const sockaddr*, socklen_t);
  ssize_t (*sendmsg)(int, const msghdr*, int);
  ssize_t (*recv)(int, void*, size_t, int);
  ssize_t (*recvfrom)(int, void*, size_t, int, sockaddr*, socklen_t*);
  ssize_t (*recvmsg)(int, msghdr*, int);
  int (*getaddrinfo)(const char*, const char*, const addrinfo*, addrinfo**);
  hostent* (*gethostbyname)(const char*);
  hostent* (*gethostbyname2)(const char*, int);
};

/// libc's functions; resolved on first use (thread-safe).
const Real& real();

/// Depth of shim-internal work on this thread; > 0 means "pass through".
extern constinit thread_local int t_inside __attribute__((tls_model("initial-exec")));

/// Marks this thread as working inside the shim for its lifetime.
class Inside {
 public:
  Inside() { ++t_inside; }
  ~Inside() { --t_inside; }
  Inside(const Inside&) = delete;
  Inside& operator=(const Inside&) = delete;
};

}  // namespace tapstack::preload
