#pragma once
// One accepted connection from a listening socket's data fd (docs/rpc.md,
// "Data fd"): the daemon has accepted it and sent a record with the
// connection's data fd attached. Used by ts_accept, and by the preload shim
// on a listener inherited across fork (whose handle is the parent's).
#include "rpc/protocol.hpp"

namespace tapstack::client {

/// Receives one record and its fd into `record` and `conn`; waits unless
/// `nonblocking`. Returns 0 or an errno: EAGAIN (nothing waits), EINVAL (EOF:
/// the daemon dropped the listener, as accept() on a socket that no longer
/// listens), EPROTO (not a record with an fd).
int receive_connection(int listener, bool nonblocking, rpc::AcceptRecord& record, int& conn);

}  // namespace tapstack::client
