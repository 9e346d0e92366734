// send/recv and friends. On a stack TCP socket the data fd is a stream pair,
// so these go to libc with any address dropped (as Linux ignores it on a
// connected TCP socket). On a stack UDP socket every datagram carries the
// 8-byte address header of docs/rpc.md, added and removed by libtapstack.
#include <sys/uio.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <vector>

#include "client/preload/shim.hpp"
#include "tapstack/tapstack.h"

namespace tapstack::preload {
namespace {

std::optional<StackSocket> udp_socket(int fd) {
  if (t_inside) return std::nullopt;
  auto s = table().get(fd);
  if (!s || s->type != SOCK_DGRAM) return std::nullopt;
  return s;
}

bool is_stack_stream(int fd) {
  if (t_inside) return false;
  const auto s = table().get(fd);
  return s && s->type == SOCK_STREAM;
}

/// One datagram to `to` (null: the connected peer) after the routing check.
ssize_t send_datagram(int fd, const StackSocket& s, const void* buf, size_t len, int flags,
                      const sockaddr* to, socklen_t tolen) {
  if (!to) {
    Inside inside;
    return ts_sendto(fd, buf, len, flags, nullptr, 0);
  }
  sockaddr_in target{};
  Route where;
  if (int e = route(fd, s, to, tolen, AddressUse::Connect, target, where); e != 0) return fail(e);
  if (where == Route::Kernel) return real().sendto(fd, buf, len, flags, to, tolen);
  Inside inside;
  return ts_sendto(fd, buf, len, flags, reinterpret_cast<const sockaddr*>(&target), sizeof target);
}

ssize_t recv_datagram(int fd, const StackSocket& s, void* buf, size_t len, int flags, sockaddr* from,
                      socklen_t* fromlen) {
  sockaddr_in source{};
  socklen_t source_len = sizeof source;
  ssize_t n;
  {
    Inside inside;
    n = ts_recvfrom(fd, buf, len, flags, reinterpret_cast<sockaddr*>(&source), &source_len);
  }
  if (n >= 0) from_ipv4(source, s.family, from, fromlen);
  return n;
}

std::size_t total_length(const msghdr* msg) {
  std::size_t n = 0;
  for (std::size_t i = 0; i < msg->msg_iovlen; ++i) n += msg->msg_iov[i].iov_len;
  return n;
}

}  // namespace
}  // namespace tapstack::preload

using namespace tapstack::preload;

extern "C" {

TS_EXPORT ssize_t send(int fd, const void* buf, size_t len, int flags) {
  const auto s = udp_socket(fd);
  if (!s) return real().send(fd, buf, len, flags);
  return send_datagram(fd, *s, buf, len, flags, nullptr, 0);
}

TS_EXPORT ssize_t sendto(int fd, const void* buf, size_t len, int flags, const sockaddr* to,
                         socklen_t tolen) {
  if (is_stack_stream(fd)) return real().send(fd, buf, len, flags);
  const auto s = udp_socket(fd);
  if (!s) return real().sendto(fd, buf, len, flags, to, tolen);
  return send_datagram(fd, *s, buf, len, flags, to, tolen);
}

TS_EXPORT ssize_t sendmsg(int fd, const msghdr* msg, int flags) {
  if (is_stack_stream(fd)) {
    msghdr copy = *msg;
    copy.msg_name = nullptr;
    copy.msg_namelen = 0;
    return real().sendmsg(fd, &copy, flags);
  }
  const auto s = udp_socket(fd);
  if (!s) return real().sendmsg(fd, msg, flags);
  try {
    std::vector<std::uint8_t> data;
    data.reserve(total_length(msg));
    for (std::size_t i = 0; i < msg->msg_iovlen; ++i) {
      const auto* base = static_cast<const std::uint8_t*>(msg->msg_iov[i].iov_base);
      data.insert(data.end(), base, base + msg->msg_iov[i].iov_len);
    }
    const auto* to = static_cast<const sockaddr*>(msg->msg_name);
    return send_datagram(fd, *s, data.data(), data.size(), flags, to, to ? msg->msg_namelen : 0);
  } catch (...) {
    return fail(ENOMEM);
  }
}

TS_EXPORT ssize_t recv(int fd, void* buf, size_t len, int flags) {
  const auto s = udp_socket(fd);
  if (!s) return real().recv(fd, buf, len, flags);
  return recv_datagram(fd, *s, buf, len, flags, nullptr, nullptr);
}

TS_EXPORT ssize_t recvfrom(int fd, void* buf, size_t len, int flags, sockaddr* from, socklen_t* fromlen) {
  const auto s = udp_socket(fd);
  if (!s) return real().recvfrom(fd, buf, len, flags, from, fromlen);
  return recv_datagram(fd, *s, buf, len, flags, from, fromlen);
}

TS_EXPORT ssize_t recvmsg(int fd, msghdr* msg, int flags) {
  const auto s = udp_socket(fd);
  if (!s) return real().recvmsg(fd, msg, flags);
  try {
    std::vector<std::uint8_t> data(total_length(msg));
    auto* from = static_cast<sockaddr*>(msg->msg_name);
    socklen_t from_len = msg->msg_namelen;
    // Asked with MSG_TRUNC to learn the full length, so msg_flags can say
    // the datagram did not fit, as Linux does.
    const ssize_t n =
        recv_datagram(fd, *s, data.data(), data.size(), flags | MSG_TRUNC, from, from ? &from_len : nullptr);
    if (n < 0) return n;
    const std::size_t copied = std::min(static_cast<std::size_t>(n), data.size());
    std::size_t offset = 0;
    for (std::size_t i = 0; i < msg->msg_iovlen && offset < copied; ++i) {
      const std::size_t chunk = std::min(msg->msg_iov[i].iov_len, copied - offset);
      std::memcpy(msg->msg_iov[i].iov_base, data.data() + offset, chunk);
      offset += chunk;
    }
    if (from) msg->msg_namelen = from_len;
    msg->msg_controllen = 0;
    msg->msg_flags = copied < static_cast<std::size_t>(n) ? MSG_TRUNC : 0;
    return (flags & MSG_TRUNC) ? n : static_cast<ssize_t>(copied);
  } catch (...) {
    return fail(ENOMEM);
  }
}

}  // extern "C"
