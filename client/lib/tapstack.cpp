// The C API of libtapstack (client/include/tapstack/tapstack.h) over one
// process-wide control connection. Every entry point catches everything: no
// exception crosses the C boundary.
#include "tapstack/tapstack.h"

#include <fcntl.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <new>
#include <string>
#include <string_view>
#include <unordered_map>

#include "client/lib/connection.hpp"
#include "client/lib/receive_connection.hpp"
#include "client/lib/tcp_info.hpp"

namespace tapstack::client {
namespace {

constexpr std::size_t kMaxDatagram = 65507;  // the largest UDP payload over IPv4

struct SocketState {
  rpc::Handle handle = 0;
  bool udp = false;
  std::uint64_t session = 0;  // State::session when it was made
  std::int32_t linger = 0;    // SO_LINGER's seconds when on and non-zero: close waits
};

struct State {
  std::mutex mutex;
  Connection connection;
  std::string path;
  std::uint64_t session = 0;  // counts the sessions opened
  bool lost = false;          // the daemon closed the last one
  std::unordered_map<int, SocketState> sockets;  // data fd → handle
};

State& state() {
  static State* s = new State;  // never destroyed: usable from atexit handlers
  return *s;
}

int fail(int e) {
  errno = e;
  return -1;
}

/// Opens a new session at s.path. Caller holds the mutex.
int open_session(State& s) {
  std::string message;
  if (int e = s.connection.open(s.path, message); e != 0) return e;
  ++s.session;
  s.lost = false;
  return 0;
}

/// The session for a request that names no socket: opened on first use, and
/// again once the daemon has closed the previous one (docs/rpc.md, "When the
/// daemon goes away"); while no daemon answers after a lost session, ENETDOWN.
int ensure_connected(State& s) {
  if (s.connection.is_open() && !s.connection.closed_by_peer()) return 0;
  if (s.connection.is_open()) {
    s.connection.close();
    s.lost = true;
  }
  if (s.path.empty()) s.path = daemon_path("");
  const int e = open_session(s);
  return s.lost && (e == ENOENT || e == ECONNREFUSED) ? ENETDOWN : e;
}

/// One request on the open session; returns the reply's errno, or ENETDOWN
/// when the daemon closed the session before answering.
int exchange(State& s, rpc::MessageType type, rpc::RequestBody body, CallResult& out) {
  out = s.connection.call(type, std::move(body));
  if (out.error == 0) return out.reply.error;
  s.lost = !s.connection.is_open();  // a transport error ends the session
  return s.lost ? ENETDOWN : out.error;
}

/// A document too large for one message, read to EOF from the stream fd
/// the reply carried (docs/rpc.md, "Introspection JSON").
int read_document(int fd, std::string& out) {
  constexpr std::size_t kMaxDocument = std::size_t{1} << 30;
  char chunk[65536];
  for (;;) {
    const ssize_t n = ::read(fd, chunk, sizeof chunk);
    if (n == 0) return 0;
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return errno;
    if (out.size() + static_cast<std::size_t>(n) > kMaxDocument) return EMSGSIZE;
    out.append(chunk, static_cast<std::size_t>(n));
  }
}

/// One request that names no socket (socket, resolve, ping, introspection, watches).
int call(State& s, rpc::MessageType type, rpc::RequestBody body, CallResult& out) {
  if (int e = ensure_connected(s); e != 0) return e;
  return exchange(s, type, std::move(body), out);
}

bool to_endpoint(const sockaddr* addr, socklen_t len, rpc::Endpoint& out) {
  if (!addr || len < static_cast<socklen_t>(sizeof(sockaddr_in))) return false;
  sockaddr_in in{};
  std::memcpy(&in, addr, sizeof in);
  if (in.sin_family != AF_INET) return false;
  out = {ntohl(in.sin_addr.s_addr), ntohs(in.sin_port)};
  return true;
}

void from_endpoint(const rpc::Endpoint& e, sockaddr* addr, socklen_t* len) {
  if (!addr || !len) return;
  sockaddr_in in{};
  in.sin_family = AF_INET;
  in.sin_addr.s_addr = htonl(e.address);
  in.sin_port = htons(e.port);
  std::memcpy(addr, &in, std::min<std::size_t>(*len, sizeof in));
  *len = sizeof in;
}

const SocketState* find(State& s, int fd) {
  const auto it = s.sockets.find(fd);
  return it == s.sockets.end() ? nullptr : &it->second;
}

/// The socket behind `fd` for a request about it: EBADF when unknown,
/// ENETDOWN when its session is over (a new session never sees old handles).
int bound(State& s, int fd, const SocketState*& out) {
  out = find(s, fd);
  if (!out) return EBADF;
  return out->session == s.session && s.connection.is_open() ? 0 : ENETDOWN;
}

bool nonblocking(int fd) {
  const int flags = ::fcntl(fd, F_GETFL);
  return flags >= 0 && (flags & O_NONBLOCK) != 0;
}

/// Runs `op` with the lock held and maps exceptions to errno.
template <typename F>
auto guarded(F&& op) noexcept -> decltype(op(state())) {
  try {
    State& s = state();
    std::lock_guard lock(s.mutex);
    return op(s);
  } catch (const std::bad_alloc&) {
    return fail(ENOMEM);
  } catch (...) {
    return fail(EIO);
  }
}

/// A request about one socket whose reply carries nothing.
int simple(int fd, rpc::MessageType type, auto make_body) {
  return guarded([&](State& s) -> int {
    const SocketState* sock = nullptr;
    if (int e = bound(s, fd, sock); e != 0) return fail(e);
    CallResult r;
    if (int e = exchange(s, type, make_body(sock->handle), r); e != 0) return fail(e);
    return 0;
  });
}

/// Trace / Capture: the reply's fd is the stream.
int watch(rpc::MessageType type, const ts_watch* filter) {
  rpc::WatchRequest w;
  if (filter != nullptr) {
    w.socket = filter->socket;
    w.address = ntohl(filter->host.s_addr);
    w.port = filter->port;
    w.flags = static_cast<std::uint8_t>((filter->json ? rpc::kWatchJson : 0) |
                                        (filter->absolute ? rpc::kWatchAbsolute : 0));
    w.count = filter->count;
  }
  return guarded([&](State& s) -> int {
    CallResult r;
    if (int e = call(s, type, w, r); e != 0) return fail(e);
    if (r.fd < 0) return fail(EPROTO);
    return r.fd;
  });
}

int get_name(int fd, sockaddr* addr, socklen_t* len, rpc::MessageType type) {
  return guarded([&](State& s) -> int {
    const SocketState* sock = nullptr;
    if (int e = bound(s, fd, sock); e != 0) return fail(e);
    CallResult r;
    if (int e = exchange(s, type, rpc::HandleRequest{sock->handle, 0}, r); e != 0) return fail(e);
    from_endpoint(std::get<rpc::EndpointReply>(r.reply.body).endpoint, addr, len);
    return 0;
  });
}

constexpr std::size_t kCongestionNameMax = 16;  // Linux TCP_CA_NAME_MAX, with the NUL

/// TCP_CONGESTION's value: a name, NUL-terminated or not, read as Linux
/// reads it; ENOENT for an algorithm the stack does not have.
int congestion_value(const void* value, socklen_t len, std::int32_t& out) {
  if (!value || len < 1) return EINVAL;
  const auto* text = static_cast<const char*>(value);
  const std::string_view name(text, ::strnlen(text, std::min<std::size_t>(len, kCongestionNameMax - 1)));
  const auto algorithm = rpc::congestion_from_name(name);
  if (!algorithm) return ENOENT;
  out = static_cast<std::int32_t>(*algorithm);
  return 0;
}

/// A name option's reply as Linux writes it: zero-padded to *len, at most 16 bytes.
void put_name(const char* name, void* value, socklen_t* len) {
  const std::size_t n = std::min<std::size_t>(*len, kCongestionNameMax);
  std::memset(value, 0, n);
  std::memcpy(value, name, std::min(n, std::strlen(name)));
  *len = static_cast<socklen_t>(n);
}

bool tcp_option_of(int name, rpc::SockOpt& out) {
  switch (name) {
    case TCP_NODELAY: out = rpc::SockOpt::NoDelay; return true;
    case TCP_CONGESTION: out = rpc::SockOpt::Congestion; return true;
    case TCP_KEEPIDLE: out = rpc::SockOpt::KeepIdle; return true;
    case TCP_KEEPINTVL: out = rpc::SockOpt::KeepIntvl; return true;
    case TCP_KEEPCNT: out = rpc::SockOpt::KeepCnt; return true;
    case TCP_USER_TIMEOUT: out = rpc::SockOpt::UserTimeout; return true;
    case TCP_QUICKACK: out = rpc::SockOpt::QuickAck; return true;
    case TCP_CORK: out = rpc::SockOpt::Cork; return true;
    case TCP_MAXSEG: out = rpc::SockOpt::MaxSeg; return true;
    default: return false;
  }
}

bool option_of(int level, int name, rpc::SockOpt& out) {
  if (level == IPPROTO_TCP) return tcp_option_of(name, out);
  if (level != SOL_SOCKET) return false;
  switch (name) {
    case SO_REUSEADDR: out = rpc::SockOpt::ReuseAddr; return true;
    case SO_KEEPALIVE: out = rpc::SockOpt::KeepAlive; return true;
    case SO_RCVBUF: out = rpc::SockOpt::RcvBuf; return true;
    case SO_SNDBUF: out = rpc::SockOpt::SndBuf; return true;
    case SO_ERROR: out = rpc::SockOpt::Error; return true;
    case SO_LINGER: out = rpc::SockOpt::Linger; return true;
    case SO_BROADCAST: out = rpc::SockOpt::Broadcast; return true;
    default: return false;
  }
}


/// SO_LINGER with a timeout makes ts_close wait for the daemon's answer.
void remember_linger(int fd, std::int32_t seconds) {
  (void)guarded([&](State& s) -> int {
    if (const auto it = s.sockets.find(fd); it != s.sockets.end()) it->second.linger = seconds;
    return 0;
  });
}

/// TCP_INFO: its own request, whose reply is a versioned struct.
int get_tcp_info(int fd, void* value, socklen_t* len) {
  if (!value || !len) return fail(EFAULT);
  return guarded([&](State& s) -> int {
    const SocketState* sock = nullptr;
    if (int e = bound(s, fd, sock); e != 0) return fail(e);
    CallResult r;
    const rpc::HandleRequest request{sock->handle, rpc::kTcpInfoVersion};
    if (int e = exchange(s, rpc::MessageType::TcpInfo, request, r); e != 0) return fail(e);
    write_tcp_info(std::get<rpc::TcpInfoReply>(r.reply.body), value, len);
    return 0;
  });
}

}  // namespace
}  // namespace tapstack::client

using namespace tapstack;
using namespace tapstack::client;

extern "C" {

int ts_connect_daemon(const char* path) {
  return guarded([&](State& s) -> int {
    s.path = daemon_path(path ? path : "");
    if (int e = open_session(s); e != 0) return fail(e);
    return 0;
  });
}

void ts_disconnect_daemon(void) {
  (void)guarded([](State& s) -> int {
    s.connection.close();
    s.lost = false;
    s.sockets.clear();
    return 0;
  });
}

const char* ts_daemon_path(void) {
  State& s = state();
  std::lock_guard lock(s.mutex);
  if (s.path.empty()) s.path = daemon_path("");
  return s.path.c_str();
}

int ts_socket(int domain, int type, int protocol) {
  return guarded([&](State& s) -> int {
    const int base = type & ~(SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (domain != AF_INET) return fail(EAFNOSUPPORT);
    const bool udp = base == SOCK_DGRAM;
    if ((base != SOCK_STREAM && !udp) || (protocol != 0 && protocol != (udp ? IPPROTO_UDP : IPPROTO_TCP))) {
      return fail(EPROTONOSUPPORT);
    }
    CallResult r;
    const auto proto = udp ? rpc::Protocol::Udp : rpc::Protocol::Tcp;
    if (int e = call(s, rpc::MessageType::Socket, rpc::SocketRequest{proto}, r); e != 0) {
      return fail(e);
    }
    if (r.fd < 0) return fail(EPROTO);
    if (type & SOCK_NONBLOCK) ::fcntl(r.fd, F_SETFL, ::fcntl(r.fd, F_GETFL) | O_NONBLOCK);
    if (!(type & SOCK_CLOEXEC)) ::fcntl(r.fd, F_SETFD, 0);
    s.sockets[r.fd] = SocketState{std::get<rpc::SocketReply>(r.reply.body).handle, udp, s.session};
    return r.fd;
  });
}

int ts_bind(int fd, const sockaddr* addr, socklen_t len) {
  rpc::Endpoint e;
  if (!to_endpoint(addr, len, e)) return fail(EINVAL);
  return simple(fd, rpc::MessageType::Bind,
                [&](rpc::Handle h) { return rpc::AddressRequest{h, e, false}; });
}

int ts_listen(int fd, int backlog) {
  const auto b = static_cast<std::uint32_t>(backlog <= 0 ? 1 : backlog);
  return simple(fd, rpc::MessageType::Listen, [&](rpc::Handle h) { return rpc::HandleRequest{h, b}; });
}

int ts_connect(int fd, const sockaddr* addr, socklen_t len) {
  rpc::Endpoint e;
  if (!to_endpoint(addr, len, e)) return fail(EINVAL);
  const bool nb = nonblocking(fd);
  return simple(fd, rpc::MessageType::Connect,
                [&](rpc::Handle h) { return rpc::AddressRequest{h, e, nb}; });
}

// The daemon has accepted already: the connection waits on the listener's
// data fd, so this is one recvmsg and no round trip. The lock is not held
// while waiting.
int ts_accept(int fd, sockaddr* addr, socklen_t* len) {
  std::uint64_t session = 0;  // the listener's, and so the connection's
  const int known = guarded([&](State& s) -> int {
    const SocketState* sock = find(s, fd);
    if (!sock || sock->udp) return fail(sock ? EOPNOTSUPP : EBADF);
    session = sock->session;
    return 0;
  });
  if (known != 0) return -1;
  rpc::AcceptRecord record;
  int conn = -1;
  if (int e = receive_connection(fd, nonblocking(fd), record, conn); e != 0) return fail(e);
  const int r = guarded([&](State& s) -> int {
    s.sockets[conn] = SocketState{record.handle, false, session};
    return 0;
  });
  if (r != 0) {
    ::close(conn);
    return -1;
  }
  from_endpoint(record.peer, addr, len);
  return conn;
}

int ts_shutdown(int fd, int how) {
  if (how != SHUT_RD && how != SHUT_WR && how != SHUT_RDWR) return fail(EINVAL);
  const int r = simple(fd, rpc::MessageType::Shutdown, [&](rpc::Handle h) {
    return rpc::ShutdownRequest{h, static_cast<rpc::ShutdownHow>(how)};
  });
  // TCP: the FIN follows the data already written, through the pair.
  if (r == 0 && how != SHUT_RD) ::shutdown(fd, SHUT_WR);
  return r;
}

int ts_close(int fd) {
  return guarded([&](State& s) -> int {
    const auto it = s.sockets.find(fd);
    if (it == s.sockets.end()) return fail(EBADF);
    const SocketState sock = it->second;
    s.sockets.erase(it);
    ::close(fd);  // first, so the daemon sees EOF after the last byte
    if (sock.session != s.session || !s.connection.is_open()) return 0;
    if (sock.linger > 0) {  // SO_LINGER: wait until the data is acknowledged or the time is up
      CallResult r;
      (void)exchange(s, rpc::MessageType::Close,
                     rpc::HandleRequest{sock.handle, rpc::kCloseWaitLinger}, r);
      return 0;
    }
    (void)s.connection.post(rpc::MessageType::Close, rpc::HandleRequest{sock.handle, 0});
    return 0;
  });
}

int ts_getsockname(int fd, sockaddr* addr, socklen_t* len) {
  return get_name(fd, addr, len, rpc::MessageType::GetSockName);
}

int ts_getpeername(int fd, sockaddr* addr, socklen_t* len) {
  return get_name(fd, addr, len, rpc::MessageType::GetPeerName);
}

int ts_setsockopt(int fd, int level, int name, const void* value, socklen_t len) {
  rpc::SockOpt option;
  if (!option_of(level, name, option)) return fail(ENOPROTOOPT);
  std::int32_t v = 0;
  std::int32_t v2 = 0;
  if (option == rpc::SockOpt::Linger) {
    if (!value || len < static_cast<socklen_t>(sizeof(linger))) return fail(EINVAL);
    linger l{};
    std::memcpy(&l, value, sizeof l);
    v = l.l_onoff;
    v2 = l.l_linger;
  } else if (option == rpc::SockOpt::Congestion) {
    if (const int e = congestion_value(value, len, v); e != 0) return fail(e);
  } else {
    if (!value || len < static_cast<socklen_t>(sizeof(int))) return fail(EINVAL);
    std::memcpy(&v, value, sizeof v);
  }
  const int rc = simple(fd, rpc::MessageType::SetSockOpt,
                        [&](rpc::Handle h) { return rpc::SockOptRequest{h, option, v, v2}; });
  if (rc == 0 && option == rpc::SockOpt::Linger) remember_linger(fd, v != 0 && v2 > 0 ? v2 : 0);
  return rc;
}

int ts_getsockopt(int fd, int level, int name, void* value, socklen_t* len) {
  if (level == IPPROTO_TCP && name == TCP_INFO) return get_tcp_info(fd, value, len);
  rpc::SockOpt option;
  if (!option_of(level, name, option)) return fail(ENOPROTOOPT);
  if (!value || !len) return fail(EFAULT);
  return guarded([&](State& s) -> int {
    const SocketState* sock = nullptr;
    if (int e = bound(s, fd, sock); e != 0) return fail(e);
    CallResult r;
    if (int e = exchange(s, rpc::MessageType::GetSockOpt, rpc::SockOptRequest{sock->handle, option, 0, 0}, r);
        e != 0) {
      return fail(e);
    }
    const auto& got = std::get<rpc::SockOptReply>(r.reply.body);
    if (option == rpc::SockOpt::Linger) {
      const linger l{got.value, got.value2};
      std::memcpy(value, &l, std::min<std::size_t>(*len, sizeof l));
      *len = std::min<socklen_t>(*len, sizeof l);
    } else if (option == rpc::SockOpt::Congestion) {
      put_name(rpc::congestion_name(static_cast<rpc::Congestion>(got.value)), value, len);
    } else {
      std::memcpy(value, &got.value, std::min<std::size_t>(*len, sizeof got.value));
      *len = std::min<socklen_t>(*len, sizeof got.value);
    }
    return 0;
  });
}

ssize_t ts_sendto(int fd, const void* buf, size_t len, int flags, const sockaddr* to,
                  socklen_t tolen) {
  rpc::Endpoint e;
  if (to && !to_endpoint(to, tolen, e)) return fail(EINVAL);
  if (len > kMaxDatagram) return fail(EMSGSIZE);
  try {
    std::string packet(rpc::kDatagramHeaderSize + len, '\0');
    rpc::encode_datagram_header(
        MutableBytes(reinterpret_cast<std::uint8_t*>(packet.data()), rpc::kDatagramHeaderSize), e);
    if (len) std::memcpy(packet.data() + rpc::kDatagramHeaderSize, buf, len);
    const ssize_t n = ::send(fd, packet.data(), packet.size(), flags | MSG_NOSIGNAL);
    return n < 0 ? -1 : static_cast<ssize_t>(len);
  } catch (...) {
    return fail(ENOMEM);
  }
}

// The datagram's length is the remote sender's choice: at most `len` bytes
// are copied whatever the flags. The data fd is always asked with MSG_TRUNC,
// so the full length is known; it is returned only when the caller asked
// for MSG_TRUNC, as Linux does.
ssize_t ts_recvfrom(int fd, void* buf, size_t len, int flags, sockaddr* from,
                    socklen_t* fromlen) {
  try {
    std::string packet(rpc::kDatagramHeaderSize + std::min(len, kMaxDatagram), '\0');
    const ssize_t n = ::recv(fd, packet.data(), packet.size(), flags | MSG_TRUNC);
    if (n < 0) return -1;
    const auto size = static_cast<std::size_t>(n);
    const auto e = rpc::decode_datagram_header(
        Bytes(reinterpret_cast<const std::uint8_t*>(packet.data()), std::min(size, packet.size())));
    if (!e) return 0;  // EOF (the daemon closed the socket)
    from_endpoint(*e, from, fromlen);
    const std::size_t datagram = size - rpc::kDatagramHeaderSize;
    const std::size_t copied = std::min(datagram, len);
    if (copied) std::memcpy(buf, packet.data() + rpc::kDatagramHeaderSize, copied);
    return static_cast<ssize_t>((flags & MSG_TRUNC) ? datagram : copied);
  } catch (...) {
    return fail(ENOMEM);
  }
}

int ts_resolve(const char* name, in_addr* out, size_t max) {
  if (!name) return fail(EINVAL);
  return guarded([&](State& s) -> int {
    CallResult r;
    if (int e = call(s, rpc::MessageType::Resolve, rpc::ResolveRequest{name}, r); e != 0) {
      return fail(e);
    }
    const auto& addresses = std::get<rpc::ResolveReply>(r.reply.body).addresses;
    std::size_t n = 0;
    for (; n < addresses.size() && n < max; ++n) out[n].s_addr = htonl(addresses[n]);
    return static_cast<int>(n);
  });
}

int ts_ping(in_addr to, uint16_t sequence, uint16_t size, uint32_t timeout_ms,
            ts_ping_result* out) {
  return guarded([&](State& s) -> int {
    CallResult r;
    const rpc::PingRequest request{ntohl(to.s_addr), sequence, size, timeout_ms};
    if (int e = call(s, rpc::MessageType::Ping, request, r); e != 0) return fail(e);
    const auto& p = std::get<rpc::PingReply>(r.reply.body);
    if (out) {
      out->from.s_addr = htonl(p.from);
      out->sequence = p.sequence;
      out->size = p.size;
      out->ttl = p.ttl;
      out->rtt_us = p.rtt_us;
    }
    return 0;
  });
}

int ts_introspect(const char* what, char** json) {
  if (!what || !json) return fail(EINVAL);
  const std::string w = what;
  rpc::MessageType type;
  if (w == "status") type = rpc::MessageType::Status;
  else if (w == "sockets") type = rpc::MessageType::Sockets;
  else if (w == "arp") type = rpc::MessageType::Arp;
  else if (w == "counters") type = rpc::MessageType::Counters;
  else return fail(EINVAL);
  std::string text;
  int fd = -1;  // stays -1 when the document is the reply itself
  const int called = guarded([&](State& s) -> int {
    CallResult r;
    if (int e = call(s, type, rpc::IntrospectRequest{}, r); e != 0) return fail(e);
    text = std::get<rpc::JsonReply>(r.reply.body).json;
    fd = r.fd;
    return 0;
  });
  if (called != 0) return called;
  if (fd >= 0) {
    // Read without the lock: a large document must not hold up other calls.
    const int e = read_document(fd, text);
    ::close(fd);
    if (e != 0) return fail(e);
  }
  *json = static_cast<char*>(std::malloc(text.size() + 1));
  if (!*json) return fail(ENOMEM);
  std::memcpy(*json, text.c_str(), text.size() + 1);
  return 0;
}

int ts_trace(const ts_watch* filter) {
  return watch(rpc::MessageType::Trace, filter);
}

int ts_capture(const ts_watch* filter) {
  return watch(rpc::MessageType::Capture, filter);
}

}  // extern "C"
