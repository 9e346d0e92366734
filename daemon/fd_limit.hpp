#pragma once
// The daemon's own file descriptor budget: one fd per client socket, one per
// session, a few of its own. Raised to the hard limit at start, and compared
// with what the RPC limits allow, so running out is a warning at start rather
// than a surprise under load.
#include "daemon/rpc_server.hpp"

namespace tapstack::daemon {

/// Raises the soft RLIMIT_NOFILE to the hard limit and warns when it is
/// below what `limits` can use.
void raise_fd_limit(const RpcLimits& limits);

}  // namespace tapstack::daemon
