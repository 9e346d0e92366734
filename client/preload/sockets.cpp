// The interceptors for stream and datagram socket state: socket, bind,
// listen, accept, connect, shutdown, names and options (close and the other
// calls that drop descriptors: descriptors.cpp). Calls on fds
// that are not stack sockets, and every call made while the shim itself is
// working (t_inside), go straight to libc.
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdarg>
#include <cstring>
#include <string_view>

#include "client/lib/receive_connection.hpp"
#include "client/preload/shim.hpp"
#include "tapstack/tapstack.h"

namespace tapstack::preload {
namespace {

bool wants_stack(int domain, int type, int protocol) {
  if (domain != AF_INET && domain != AF_INET6) return false;
  const int base = type & ~(SOCK_NONBLOCK | SOCK_CLOEXEC);
  if (base == SOCK_STREAM) return protocol == 0 || protocol == IPPROTO_TCP;
  if (base == SOCK_DGRAM) return protocol == 0 || protocol == IPPROTO_UDP;
  return false;
}

constexpr std::size_t kCongestionNameMax = 16;  // Linux TCP_CA_NAME_MAX

sockaddr* as_sockaddr(sockaddr_in& in) { return reinterpret_cast<sockaddr*>(&in); }

/// Errors a handshake produces; Linux reports them through SO_ERROR after a
/// non-blocking connect (RFC 793 §3.4, RFC 1122 §4.2.3.9), the rest at once.
bool reported_later(int e) {
  return e == 0 || e == ECONNREFUSED || e == ETIMEDOUT || e == EHOSTUNREACH || e == ECONNRESET;
}

/// Writes an int option value as getsockopt(2) does.
int put_int(int value, void* out, socklen_t* len) {
  if (!out || !len) return fail(EFAULT);
  std::memcpy(out, &value, std::min<std::size_t>(*len, sizeof value));
  *len = std::min<socklen_t>(*len, sizeof value);
  return 0;
}

/// Writes `text` zero-padded to `size` bytes, cut to *len, as Linux answers
/// struct and name options (TCP_INFO, TCP_CONGESTION).
int put_padded(std::string_view text, std::size_t size, void* out, socklen_t* len) {
  if (!out || !len) return fail(EFAULT);
  const std::size_t n = std::min<std::size_t>(*len, size);
  std::memset(out, 0, n);
  if (!text.empty()) std::memcpy(out, text.data(), std::min(n, text.size()));
  *len = static_cast<socklen_t>(n);
  return 0;
}

void remember_option(int fd, int level, int name, const void* value, socklen_t len) {
  if (!value) return;
  const auto* bytes = static_cast<const std::uint8_t*>(value);
  table().update(fd, [&](StackSocket& s) {
    for (auto& o : s.options) {
      if (o.level == level && o.name == name) {
        o.value.assign(bytes, bytes + len);
        return;
      }
    }
    s.options.push_back(SavedOption{level, name, {bytes, bytes + len}});
  });
}

bool stack_option(int level, int name) {
  if (level == IPPROTO_TCP) {
    switch (name) {
      case TCP_NODELAY: case TCP_CONGESTION: case TCP_KEEPIDLE: case TCP_KEEPINTVL:
      case TCP_KEEPCNT: case TCP_USER_TIMEOUT: case TCP_QUICKACK: case TCP_CORK:
      case TCP_MAXSEG: return true;
      default: return false;
    }
  }
  if (level != SOL_SOCKET) return false;
  return name == SO_REUSEADDR || name == SO_KEEPALIVE || name == SO_RCVBUF || name == SO_SNDBUF ||
         name == SO_LINGER || name == SO_BROADCAST;
}

/// Options the data fd itself implements (timeouts of blocking reads/writes).
bool data_fd_option(int level, int name) {
  return level == SOL_SOCKET && (name == SO_RCVTIMEO || name == SO_SNDTIMEO);
}

int name_of(int fd, sockaddr* addr, socklen_t* len, bool peer) {
  const auto s = table().get(fd);
  const Real& r = real();
  if (!s) return peer ? r.getpeername(fd, addr, len) : r.getsockname(fd, addr, len);
  if (!len) return fail(EFAULT);
  sockaddr_in v4{};
  if (s->inherited) {
    const auto& known = peer ? s->peer : s->local;
    if (!known) return fail(peer ? ENOTCONN : EOPNOTSUPP);
    v4 = *known;
  } else {
    socklen_t v4_len = sizeof v4;
    const int rc = with_daemon([&] {
      return peer ? ts_getpeername(fd, as_sockaddr(v4), &v4_len) : ts_getsockname(fd, as_sockaddr(v4), &v4_len);
    });
    if (rc != 0) return rc;
    table().update(fd, [&](StackSocket& e) { (peer ? e.peer : e.local) = v4; });
  }
  from_ipv4(v4, s->family, addr, len);
  return 0;
}

/// A listener inherited across fork: its handle, and so the connections the
/// daemon hands it, belong to the parent's session. The connection is taken
/// straight from the listener's fd and is an inherited socket here too.
int accept_inherited(int fd, sockaddr_in& peer) {
  rpc::AcceptRecord record;
  int conn = -1;
  if (const int e = client::receive_connection(fd, true, record, conn); e != 0) return fail(e);
  peer = sockaddr_in{};
  peer.sin_family = AF_INET;
  peer.sin_addr.s_addr = htonl(record.peer.address);
  peer.sin_port = htons(record.peer.port);
  return conn;
}

int accept_stack(int fd, const StackSocket& listener, sockaddr* addr, socklen_t* len, int flags) {
  const bool nb = nonblocking(fd);
  while (true) {
    if (!nb) {  // the listener's data fd is readable while connections wait
      pollfd p{fd, POLLIN, 0};
      if (real().poll(&p, 1, -1) < 0) return -1;
    }
    sockaddr_in peer{};
    socklen_t peer_len = sizeof peer;
    const int conn = listener.inherited ? accept_inherited(fd, peer) : with_daemon([&] {
      t_forced = ForcedFlag{fd, true};  // waiting is done here, not under the lock
      const int c = ts_accept(fd, as_sockaddr(peer), &peer_len);
      t_forced = ForcedFlag{};
      return c;
    });
    if (conn < 0) {
      if (errno == EAGAIN && !nb) continue;  // another thread took it
      return -1;
    }
    const Real& r = real();
    (void)r.fcntl(conn, F_SETFD, (flags & SOCK_CLOEXEC) ? FD_CLOEXEC : 0);
    const int status = r.fcntl(conn, F_GETFL);
    (void)r.fcntl(conn, F_SETFL, (flags & SOCK_NONBLOCK) ? status | O_NONBLOCK : status & ~O_NONBLOCK);
    StackSocket s;
    s.family = listener.family;
    s.type = SOCK_STREAM;
    s.protocol = IPPROTO_TCP;
    s.addressed = true;
    s.inherited = listener.inherited;
    if (listener.inherited && listener.local && listener.local->sin_addr.s_addr != INADDR_ANY) {
      s.local = listener.local;  // getsockname without the daemon
    }
    s.peer = peer;
    table().put(conn, s);
    from_ipv4(peer, listener.family, addr, len);
    return conn;
  }
}

int connect_stack(int fd, const StackSocket& s, const sockaddr_in& target) {
  if (s.type == SOCK_STREAM && s.connect_result >= 0) {  // a non-blocking connect already ended
    const int e = s.connect_result;
    if (e != 0) table().update(fd, [](StackSocket& x) { x.connect_result = -1; });
    return fail(e == 0 ? EISCONN : e);
  }
  const bool nb = nonblocking(fd);
  // Always a blocking request: the stack answers when the handshake ends, and
  // the outcome of a non-blocking connect waits for SO_ERROR.
  const int rc = with_daemon([&] {
    t_forced = ForcedFlag{fd, false};
    int c = ts_connect(fd, reinterpret_cast<const sockaddr*>(&target), sizeof target);
    t_forced = ForcedFlag{};
    if (c != 0) {
      const int e = errno;
      int pending = 0;
      socklen_t plen = sizeof pending;
      (void)ts_getsockopt(fd, SOL_SOCKET, SO_ERROR, &pending, &plen);  // reported here already
      errno = e;
    }
    return c;
  });
  const int e = rc == 0 ? 0 : errno;
  if (s.type == SOCK_STREAM && e == 0) table().update(fd, [&](StackSocket& x) { x.peer = target; });
  if (s.type != SOCK_STREAM || !nb || !reported_later(e)) return rc;
  table().update(fd, [&](StackSocket& x) { x.connect_result = e; });
  return fail(EINPROGRESS);
}

int getsockopt_stack(int fd, const StackSocket& s, int level, int name, void* value, socklen_t* len) {
  if (level == SOL_SOCKET) {
    switch (name) {
      case SO_TYPE: return put_int(s.type, value, len);
      case SO_DOMAIN: return put_int(s.family, value, len);
      case SO_PROTOCOL: return put_int(s.protocol, value, len);
      case SO_ACCEPTCONN: return put_int(s.listening ? 1 : 0, value, len);
      case SO_ERROR:
        if (s.connect_result >= 0) {
          table().update(fd, [](StackSocket& x) { x.connect_result = -1; });
          return put_int(s.connect_result, value, len);
        }
        if (s.inherited) return put_int(0, value, len);
        break;
      default: break;
    }
  }
  if (level == IPPROTO_IPV6 && name == IPV6_V6ONLY && s.family == AF_INET6) {
    return put_int(s.v6only ? 1 : 0, value, len);
  }
  if (data_fd_option(level, name)) return real().getsockopt(fd, level, name, value, len);
  const bool tcp_info = level == IPPROTO_TCP && name == TCP_INFO && s.type == SOCK_STREAM;
  const bool asked = (level == SOL_SOCKET && name == SO_ERROR) || stack_option(level, name);
  if (!s.inherited && (asked || tcp_info)) {  // the stack's truth
    const int rc = with_daemon([&] { return ts_getsockopt(fd, level, name, value, len); });
    if (rc == 0 || errno != ENOPROTOOPT) return rc;  // else: read back what was set
  }
  for (const auto& o : s.options) {  // what the program set, read back
    if (o.level == level && o.name == name && value && len) {
      std::memcpy(value, o.value.data(), std::min<std::size_t>(*len, o.value.size()));
      *len = std::min<socklen_t>(*len, static_cast<socklen_t>(o.value.size()));
      return 0;
    }
  }
  // A socket inherited across fork belongs to another session, which alone
  // may ask the stack: TCP_INFO reads as zeros (all of it defined, for
  // iperf3 and monitoring code), TCP_CONGESTION as the default, CUBIC.
  if (level == IPPROTO_TCP && name == TCP_INFO) return put_padded({}, sizeof(tcp_info), value, len);
  if (level == IPPROTO_TCP && name == TCP_CONGESTION) return put_padded("cubic", kCongestionNameMax, value, len);
  return put_int(0, value, len);
}

int setsockopt_stack(int fd, const StackSocket& s, int level, int name, const void* value, socklen_t len) {
  if (level == IPPROTO_IPV6 && name == IPV6_V6ONLY && s.family == AF_INET6) {
    if (!value || len < static_cast<socklen_t>(sizeof(int))) return fail(EINVAL);
    int on = 0;
    std::memcpy(&on, value, sizeof on);
    table().update(fd, [&](StackSocket& x) { x.v6only = on != 0; });
  } else if (data_fd_option(level, name)) {
    if (real().setsockopt(fd, level, name, value, len) != 0) return -1;
  } else if (stack_option(level, name) && !s.inherited) {
    const int rc = with_daemon([&] { return ts_setsockopt(fd, level, name, value, len); });
    if (rc != 0 && errno != ENOPROTOOPT) return rc;
  }
  // Anything else (SO_REUSEPORT, IP_TOS…) is accepted without effect and
  // read back as set.
  remember_option(fd, level, name, value, len);
  return 0;
}

}  // namespace
}  // namespace tapstack::preload

using namespace tapstack::preload;

extern "C" {

TS_EXPORT int socket(int domain, int type, int protocol) {
  if (t_inside || !wants_stack(domain, type, protocol)) return real().socket(domain, type, protocol);
  const int fd = with_daemon([&] { return ts_socket(AF_INET, type, protocol); });
  if (fd < 0) {
    const int e = errno;
    report_unreachable(e);
    return fail(e);
  }
  StackSocket s;
  s.family = domain;
  s.type = type & ~(SOCK_NONBLOCK | SOCK_CLOEXEC);
  s.protocol = s.type == SOCK_DGRAM ? IPPROTO_UDP : IPPROTO_TCP;
  table().put(fd, s);
  return fd;
}

TS_EXPORT int bind(int fd, const sockaddr* addr, socklen_t len) {
  const auto s = t_inside ? std::nullopt : table().get(fd);
  if (!s) return real().bind(fd, addr, len);
  sockaddr_in target{};
  Route where;
  if (int e = route(fd, *s, addr, len, AddressUse::Bind, target, where); e != 0) return fail(e);
  if (where == Route::Kernel) return real().bind(fd, addr, len);
  if (s->inherited) return fail(EOPNOTSUPP);
  return with_daemon([&] { return ts_bind(fd, as_sockaddr(target), sizeof target); });
}

TS_EXPORT int listen(int fd, int backlog) {
  const auto s = t_inside ? std::nullopt : table().get(fd);
  if (!s) return real().listen(fd, backlog);
  if (s->inherited) return fail(EOPNOTSUPP);
  const int rc = with_daemon([&] { return ts_listen(fd, backlog); });
  if (rc == 0) {
    table().update(fd, [](StackSocket& x) {
      x.addressed = true;
      x.listening = true;
    });
  }
  return rc;
}

TS_EXPORT int accept4(int fd, sockaddr* addr, socklen_t* len, int flags) {
  const auto s = t_inside ? std::nullopt : table().get(fd);
  if (!s) return real().accept4(fd, addr, len, flags);
  return accept_stack(fd, *s, addr, len, flags);
}

TS_EXPORT int accept(int fd, sockaddr* addr, socklen_t* len) {
  const auto s = t_inside ? std::nullopt : table().get(fd);
  if (!s) return real().accept(fd, addr, len);
  return accept_stack(fd, *s, addr, len, 0);
}

TS_EXPORT int connect(int fd, const sockaddr* addr, socklen_t len) {
  const auto s = t_inside ? std::nullopt : table().get(fd);
  if (!s) return real().connect(fd, addr, len);
  sockaddr_in target{};
  Route where;
  if (int e = route(fd, *s, addr, len, AddressUse::Connect, target, where); e != 0) return fail(e);
  if (where == Route::Kernel) return real().connect(fd, addr, len);
  if (s->inherited) return fail(EOPNOTSUPP);
  return connect_stack(fd, *s, target);
}

TS_EXPORT int shutdown(int fd, int how) {
  const auto s = t_inside ? std::nullopt : table().get(fd);
  if (!s || s->inherited) return real().shutdown(fd, how);
  return with_daemon([&] { return ts_shutdown(fd, how); });
}

TS_EXPORT int getsockname(int fd, sockaddr* addr, socklen_t* len) {
  if (t_inside) return real().getsockname(fd, addr, len);
  return name_of(fd, addr, len, false);
}

TS_EXPORT int getpeername(int fd, sockaddr* addr, socklen_t* len) {
  if (t_inside) return real().getpeername(fd, addr, len);
  return name_of(fd, addr, len, true);
}

TS_EXPORT int getsockopt(int fd, int level, int name, void* value, socklen_t* len) {
  const auto s = t_inside ? std::nullopt : table().get(fd);
  if (!s) return real().getsockopt(fd, level, name, value, len);
  return getsockopt_stack(fd, *s, level, name, value, len);
}

TS_EXPORT int setsockopt(int fd, int level, int name, const void* value, socklen_t len) {
  const auto s = t_inside ? std::nullopt : table().get(fd);
  if (!s) return real().setsockopt(fd, level, name, value, len);
  return setsockopt_stack(fd, *s, level, name, value, len);
}

// Only for libtapstack's own F_GETFL (see ForcedFlag); everything else is libc's.
TS_EXPORT int fcntl(int fd, int cmd, ...) {
  va_list args;
  va_start(args, cmd);
  void* arg = va_arg(args, void*);
  va_end(args);
  const int rc = real().fcntl(fd, cmd, arg);
  if (!t_inside || cmd != F_GETFL || t_forced.fd != fd || rc < 0) return rc;
  const bool forced = t_forced.nonblocking;
  t_forced = ForcedFlag{};  // once: a later F_GETFL (silencing a dropped listener) sees the real flags
  return forced ? rc | O_NONBLOCK : rc & ~O_NONBLOCK;
}

}  // extern "C"
