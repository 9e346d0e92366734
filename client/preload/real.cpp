#include "client/preload/real.hpp"

#include <dlfcn.h>

namespace tapstack::preload {
namespace {

template <typename F>
void next(F& out, const char* name) {
  out = reinterpret_cast<F>(::dlsym(RTLD_NEXT, name));
}

Real resolve() {
  Real r{};
  next(r.socket, "socket");
  next(r.bind, "bind");
  next(r.listen, "listen");
  next(r.accept, "accept");
  next(r.accept4, "accept4");
  next(r.connect, "connect");
  next(r.shutdown, "shutdown");
  next(r.close, "close");
  next(r.dup2, "dup2");
  next(r.dup3, "dup3");
  next(r.close_range, "close_range");
  next(r.closefrom, "closefrom");
  next(r.fclose, "fclose");
  next(r.fcntl, "fcntl");
  next(r.poll, "poll");
  next(r.getsockname, "getsockname");
  next(r.getpeername, "getpeername");
  next(r.getsockopt, "getsockopt");
  next(r.setsockopt, "setsockopt");
  next(r.send, "send");
  next(r.sendto, "sendto");
  next(r.sendmsg, "sendmsg");
  next(r.recv, "recv");
  next(r.recvfrom, "recvfrom");
  next(r.recvmsg, "recvmsg");
  next(r.getaddrinfo, "getaddrinfo");
  next(r.gethostbyname, "gethostbyname");
  next(r.gethostbyname2, "gethostbyname2");
  return r;
}

}  // namespace

constinit thread_local int t_inside __attribute__((tls_model("initial-exec"))) = 0;

const Real& real() {
  static const Real r = resolve();
  return r;
}

}  // namespace tapstack::preload
