#include "daemon/tcp_sockopt.hpp"

#include <algorithm>
#include <cerrno>
#include <chrono>

namespace tapstack::daemon {
namespace {

constexpr std::int32_t kMaxKeepIdle = 32767;  // Linux MAX_TCP_KEEPIDLE, seconds
constexpr std::int32_t kMaxKeepIntvl = 32767;  // MAX_TCP_KEEPINTVL
constexpr std::int32_t kMaxKeepCnt = 127;      // MAX_TCP_KEEPCNT
constexpr std::int32_t kDefaultMss = 536;      // Linux TCP_MSS_DEFAULT, before a connection

std::int32_t seconds(Duration d) {
  return static_cast<std::int32_t>(std::chrono::duration_cast<std::chrono::seconds>(d).count());
}

std::int32_t size(std::size_t bytes) {
  return static_cast<std::int32_t>(std::min<std::size_t>(bytes, 0x7fffffff));
}

/// TCP_MAXSEG: the MSS in use once connected, else what was asked for.
std::int32_t max_segment(const tcp::SocketOptions& o, const tcp::TcpSocketInfo& info) {
  const bool connected = info.state != tcp::TcpState::Closed && info.state != tcp::TcpState::Listen;
  if (connected && info.mss != 0) return static_cast<std::int32_t>(info.mss);
  return o.max_segment != 0 ? o.max_segment : kDefaultMss;
}

}  // namespace

std::size_t socket_buffer(std::int32_t requested) {
  const std::size_t asked = requested > 0 ? static_cast<std::size_t>(requested) : 0;
  return std::clamp(std::min(asked, kMaxSocketBuffer) * 2, kMinSocketBuffer, kMaxSocketBuffer);
}

int set_tcp_option(tcp::SocketOptions& o, rpc::SockOpt option, std::int32_t value) {
  using rpc::SockOpt;
  const bool on = value != 0;
  switch (option) {
    case SockOpt::NoDelay: o.nodelay = on; return 0;
    case SockOpt::Cork: o.cork = on; return 0;
    case SockOpt::KeepAlive: o.keepalive = on; return 0;
    case SockOpt::KeepIdle:
      if (value < 1 || value > kMaxKeepIdle) return EINVAL;
      o.keepalive_idle = std::chrono::seconds(value);
      return 0;
    case SockOpt::KeepIntvl:
      if (value < 1 || value > kMaxKeepIntvl) return EINVAL;
      o.keepalive_interval = std::chrono::seconds(value);
      return 0;
    case SockOpt::KeepCnt:
      if (value < 1 || value > kMaxKeepCnt) return EINVAL;
      o.keepalive_count = static_cast<std::uint32_t>(value);
      return 0;
    case SockOpt::UserTimeout:
      if (value < 0) return EINVAL;
      o.user_timeout = std::chrono::milliseconds(value);
      return 0;
    case SockOpt::MaxSeg:
      if (value != 0 && (value < tcp::kMinUserMss || value > tcp::kMaxUserMss)) return EINVAL;
      o.max_segment = static_cast<std::uint16_t>(value);
      return 0;
    case SockOpt::Congestion:
      if (value != static_cast<int>(rpc::Congestion::Reno) &&
          value != static_cast<int>(rpc::Congestion::Cubic)) {
        return EINVAL;
      }
      o.congestion = static_cast<tcp::CongestionAlgorithm>(value);
      return 0;
    case SockOpt::RcvBuf: o.recv_buffer = socket_buffer(value); return 0;
    case SockOpt::SndBuf: o.send_buffer = socket_buffer(value); return 0;
    default: return ENOPROTOOPT;
  }
}

std::optional<std::int32_t> get_tcp_option(const tcp::SocketOptions& o,
                                           const tcp::TcpSocketInfo& info,
                                           const tcp::TcpSettings& settings, rpc::SockOpt option) {
  using rpc::SockOpt;
  const tcp::KeepaliveTiming keepalive = tcp::keepalive_timing(o, settings);
  switch (option) {
    case SockOpt::NoDelay: return o.nodelay ? 1 : 0;
    case SockOpt::Cork: return o.cork ? 1 : 0;
    case SockOpt::KeepAlive: return o.keepalive.value_or(settings.keepalive) ? 1 : 0;
    case SockOpt::KeepIdle: return seconds(keepalive.idle);
    case SockOpt::KeepIntvl: return seconds(keepalive.interval);
    case SockOpt::KeepCnt: return static_cast<std::int32_t>(keepalive.count);
    case SockOpt::UserTimeout:
      return static_cast<std::int32_t>(
          std::chrono::duration_cast<std::chrono::milliseconds>(o.user_timeout).count());
    case SockOpt::QuickAck: return info.quick_acks > 0 || !settings.delayed_ack ? 1 : 0;
    case SockOpt::MaxSeg: return max_segment(o, info);
    case SockOpt::RcvBuf:
      return size(info.recv_buffer != 0 ? info.recv_buffer
                                        : o.recv_buffer.value_or(settings.recv_buffer));
    case SockOpt::SndBuf:
      return size(info.send_buffer != 0 ? info.send_buffer
                                        : o.send_buffer.value_or(settings.send_buffer));
    default: return std::nullopt;
  }
}

}  // namespace tapstack::daemon
