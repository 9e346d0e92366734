#pragma once
// The TCP socket options of the RPC (docs/rpc.md) as Linux's setsockopt and
// getsockopt treat them: ranges, units and read-back values, mapped onto the
// stack's tcp::SocketOptions. Pure functions, so the rules are unit tested.
#include <cstdint>
#include <optional>

#include "rpc/messages.hpp"
#include "stack/tcp/socket_options.hpp"
#include "stack/tcp/tcp_types.hpp"

namespace tapstack::daemon {

/// SO_RCVBUF/SO_SNDBUF: Linux doubles the value asked for (the other half
/// is its bookkeeping) and reports the doubled value; clamped to
/// [kMinSocketBuffer, kMaxSocketBuffer].
inline constexpr std::size_t kMinSocketBuffer = 4608;  // Linux SOCK_MIN_RCVBUF
inline constexpr std::size_t kMaxSocketBuffer = 16 * 1024 * 1024;
std::size_t socket_buffer(std::int32_t requested);

/// Changes `options` as setsockopt(option, value) would: 0, EINVAL for a
/// value out of Linux's range, ENOPROTOOPT for an option kept elsewhere
/// (linger, quick ACK, errors, address reuse).
int set_tcp_option(tcp::SocketOptions& options, rpc::SockOpt option, std::int32_t value);

/// What getsockopt(option) answers, or nullopt for an option kept elsewhere.
/// `info` is the socket's state: TCP_MAXSEG reads the MSS in use once
/// connected, SO_RCVBUF/SO_SNDBUF the buffers' sizes.
std::optional<std::int32_t> get_tcp_option(const tcp::SocketOptions& options,
                                           const tcp::TcpSocketInfo& info,
                                           const tcp::TcpSettings& settings, rpc::SockOpt option);

}  // namespace tapstack::daemon
