#include "client/preload/address.hpp"

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstring>

namespace tapstack::preload {
namespace {

bool is_zero(const std::uint8_t* bytes, std::size_t n) {
  return std::all_of(bytes, bytes + n, [](std::uint8_t b) { return b == 0; });
}

}  // namespace

int to_ipv4(const sockaddr* addr, socklen_t len, int family, AddressUse use, sockaddr_in& out) {
  if (!addr || len < static_cast<socklen_t>(sizeof(sa_family_t))) return EINVAL;
  sa_family_t given = 0;
  std::memcpy(&given, addr, sizeof given);
  if (given != family) return EAFNOSUPPORT;
  out = sockaddr_in{};
  out.sin_family = AF_INET;
  if (family == AF_INET) {
    if (len < static_cast<socklen_t>(sizeof(sockaddr_in))) return EINVAL;
    std::memcpy(&out, addr, sizeof out);
    std::memset(out.sin_zero, 0, sizeof out.sin_zero);
    return 0;
  }
  if (len < static_cast<socklen_t>(sizeof(sockaddr_in6))) return EINVAL;
  sockaddr_in6 in6{};
  std::memcpy(&in6, addr, sizeof in6);
  out.sin_port = in6.sin6_port;
  const std::uint8_t* a = in6.sin6_addr.s6_addr;
  if (is_zero(a, 16)) return 0;  // `::` — any address
  if (is_zero(a, 15) && a[15] == 1) {  // `::1`
    out.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    return 0;
  }
  if (is_zero(a, 10) && a[10] == 0xff && a[11] == 0xff) {  // ::ffff:a.b.c.d
    std::memcpy(&out.sin_addr.s_addr, a + 12, 4);
    return 0;
  }
  return use == AddressUse::Connect ? ENETUNREACH : EADDRNOTAVAIL;
}

bool is_loopback(const sockaddr_in& addr) {
  return (ntohl(addr.sin_addr.s_addr) >> 24) == 127;
}

void from_ipv4(const sockaddr_in& in, int family, sockaddr* out, socklen_t* len) {
  if (!out || !len) return;
  if (family != AF_INET6) {
    sockaddr_in v4 = in;
    v4.sin_family = AF_INET;
    std::memcpy(out, &v4, std::min<std::size_t>(*len, sizeof v4));
    *len = sizeof v4;
    return;
  }
  sockaddr_in6 v6{};
  v6.sin6_family = AF_INET6;
  v6.sin6_port = in.sin_port;
  if (in.sin_addr.s_addr != 0) {
    v6.sin6_addr.s6_addr[10] = 0xff;
    v6.sin6_addr.s6_addr[11] = 0xff;
    std::memcpy(v6.sin6_addr.s6_addr + 12, &in.sin_addr.s_addr, 4);
  }
  std::memcpy(out, &v6, std::min<std::size_t>(*len, sizeof v6));
  *len = sizeof v6;
}

}  // namespace tapstack::preload
