#pragma once
// One-packet send/receive on a Unix SOCK_SEQPACKET socket (or one record on a
// SOCK_STREAM one: a listener's accepted connections), with an optional
// file descriptor as SCM_RIGHTS ancillary data. Asio 1.18 has no ancillary
// data API, so these work on native_handle() after an async_wait. All calls
// are non-blocking (MSG_DONTWAIT) and never raise SIGPIPE.
#include <cstddef>
#include <cstdint>

#include "daemon/unique_fd.hpp"
#include "stack/base/bytes.hpp"

namespace tapstack::daemon {

/// Sends `data` as one packet, with `fd` attached when it is >= 0.
/// Returns 0 or an errno (EAGAIN when the peer's queue is full).
int send_packet(int socket, Bytes data, int fd = -1);

/// Outcome of receive_packet.
struct ReceivedPacket {
  int error = 0;          // 0 or an errno (EAGAIN: nothing waiting)
  std::size_t size = 0;   // bytes in the buffer; 0 with error 0 is EOF
  bool truncated = false; // the packet was longer than the buffer
};

/// Receives one packet into `buffer`. Any file descriptors the peer attached
/// are discarded by the kernel (no control buffer is offered), so a client
/// cannot make the daemon hold fds it did not ask for.
ReceivedPacket receive_packet(int socket, MutableBytes buffer);

/// A connected pair of Unix sockets (SOCK_STREAM or SOCK_SEQPACKET), both
/// close-on-exec; the first end is set non-blocking (the daemon's end).
struct SocketPair {
  UniqueFd daemon_end;
  UniqueFd client_end;
  int error = 0;
};
SocketPair make_socket_pair(int type);

}  // namespace tapstack::daemon
