#pragma once
// TCP_INFO for a stack socket: the daemon's TcpInfo reply written as the
// kernel writes struct tcp_info (Linux's UAPI layout, cut to the caller's
// length), so ss-like code and iperf3 read the stack's own figures.
#include <sys/socket.h>

#include "rpc/messages.hpp"

namespace tapstack::client {

/// Writes `info` as struct tcp_info into out[0, *len) and sets *len to what was written.
void write_tcp_info(const rpc::TcpInfoReply& info, void* out, socklen_t* len);

}  // namespace tapstack::client
