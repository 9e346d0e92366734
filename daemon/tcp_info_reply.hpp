#pragma once
// A TCP socket's figures as TCP_INFO reports them (Linux's struct tcp_info
// units: µs, segments, Linux's state numbers), for the TcpInfo reply.
#include <cstddef>

#include "rpc/messages.hpp"
#include "stack/tcp/tcp_types.hpp"

namespace tapstack::daemon {

/// Linux's TCP_ESTABLISHED (1) … TCP_CLOSING (11) for a stack state.
std::uint8_t linux_tcp_state(tcp::TcpState state);

/// `pmtu` is the path MTU toward the peer.
rpc::TcpInfoReply tcp_info_reply(const tcp::TcpSocketInfo& info, std::size_t pmtu);

}  // namespace tapstack::daemon
