#pragma once
// The options a program sets on one TCP socket (SO_*, TCP_*). A socket
// keeps them before it has a connection, a listener hands them to each
// connection it accepts (as Linux's accepted sockets inherit the
// listener's), and a TCB applies them as they change. An unset optional
// means "the layer's TcpSettings".
#include <cstddef>
#include <cstdint>
#include <optional>

#include "stack/base/time.hpp"
#include "stack/tcp/tcp_types.hpp"

namespace tapstack::tcp {

/// TCP_MAXSEG's range (Linux: TCP_MIN_MSS 88 .. MAX_TCP_WINDOW 32767).
inline constexpr std::uint16_t kMinUserMss = 88;
inline constexpr std::uint16_t kMaxUserMss = 32767;
/// TCP_CORK holds a partial segment at most this long (as Linux, tcp(7)).
inline constexpr Duration kCorkCeiling = 200ms;
/// TCP_QUICKACK: in-order segments acknowledged at once before delayed ACKs
/// resume (Linux TCP_MAX_QUICKACKS).
inline constexpr std::uint32_t kQuickAcks = 16;

struct SocketOptions {
  bool nodelay = false;                          // TCP_NODELAY
  bool cork = false;                             // TCP_CORK
  std::optional<bool> keepalive;                 // SO_KEEPALIVE
  std::optional<Duration> keepalive_idle;        // TCP_KEEPIDLE
  std::optional<Duration> keepalive_interval;    // TCP_KEEPINTVL
  std::optional<std::uint32_t> keepalive_count;  // TCP_KEEPCNT
  Duration user_timeout{0};                      // TCP_USER_TIMEOUT (RFC 5482); 0: retries decide
  std::uint16_t max_segment = 0;                 // TCP_MAXSEG; 0: no clamp
  std::optional<CongestionAlgorithm> congestion; // TCP_CONGESTION
  std::optional<std::size_t> send_buffer;        // SO_SNDBUF, bytes the stack keeps
  std::optional<std::size_t> recv_buffer;        // SO_RCVBUF
  friend bool operator==(const SocketOptions&, const SocketOptions&) = default;
};

/// Keep-alive timing with the layer's defaults filled in.
struct KeepaliveTiming {
  Duration idle, interval;
  std::uint32_t count;
};
inline KeepaliveTiming keepalive_timing(const SocketOptions& o, const TcpSettings& s) {
  return {o.keepalive_idle.value_or(s.keepalive_idle),
          o.keepalive_interval.value_or(s.keepalive_interval),
          o.keepalive_count.value_or(s.keepalive_count)};
}

}  // namespace tapstack::tcp
