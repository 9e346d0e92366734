#pragma once
// Address mapping between what a program passes (AF_INET or AF_INET6, the
// latter dual-stack) and the IPv4 endpoints the stack serves. Pure functions,
// no state: unit-tested in tests/unit/preload.
#include <netinet/in.h>
#include <sys/socket.h>

namespace tapstack::preload {

/// What an address-bearing call asks for.
enum class AddressUse { Bind, Connect };

/// Maps `addr` given to a socket of `family` onto an IPv4 endpoint. Returns 0
/// or the errno Linux would give: EINVAL (too short), EAFNOSUPPORT (family
/// differs from the socket's), and for IPv6 destinations that are neither
/// `::`, `::1` nor IPv4-mapped (`::ffff:a.b.c.d`) — which the stack cannot
/// reach — ENETUNREACH for Connect and EADDRNOTAVAIL for Bind. `::` maps to
/// 0.0.0.0 and `::1` to 127.0.0.1 (RFC 4291 §2.5.2, §2.5.3, §2.5.5.2).
int to_ipv4(const sockaddr* addr, socklen_t len, int family, AddressUse use, sockaddr_in& out);

/// True for 127.0.0.0/8 (RFC 1122 §3.2.1.3 (g)).
bool is_loopback(const sockaddr_in& addr);

/// Writes `in` as the program's `family` sees it — for AF_INET6 an
/// IPv4-mapped address, except 0.0.0.0 which reads back as `::` — into
/// `out`, truncated to `*len` as getsockname(2) does; `*len` becomes the full
/// size. Does nothing when `out` or `len` is null.
void from_ipv4(const sockaddr_in& in, int family, sockaddr* out, socklen_t* len);

}  // namespace tapstack::preload
