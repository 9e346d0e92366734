#pragma once
// Descriptors the daemon passes (SCM_RIGHTS): with replies on the control
// socket, and one with each accepted connection on a listening socket's data
// fd (docs/rpc.md, "Data fd"). receive_connection is used by ts_accept, and by
// the preload shim on a listener inherited across fork (whose handle is the
// parent's).
#include <sys/socket.h>

#include "rpc/protocol.hpp"

namespace tapstack::client {

/// The one descriptor passed with a received message (SCM_RIGHTS), or -1.
int passed_fd(msghdr& msg);

/// Receives one record and its fd into `record` and `conn`; waits unless
/// `nonblocking`. Returns 0 or an errno: EAGAIN (nothing waits), ECONNABORTED
/// (EOF: the daemon dropped the listener — it went away or the session ended;
/// `listener` is then replaced by a descriptor that never becomes readable, so
/// this is reported once and a retry waits), EMFILE (no room for the
/// connection's fd: the kernel dropped it, and with it the connection),
/// EPROTO (not a record with an fd).
int receive_connection(int listener, bool nonblocking, rpc::AcceptRecord& record, int& conn);

}  // namespace tapstack::client
