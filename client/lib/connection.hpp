#pragma once
// The client side of the control socket: blocking request/reply with an
// optional fd in the reply. No Asio, no exceptions out of call().
#include <cstdint>
#include <string>
#include <vector>

#include "rpc/protocol.hpp"

namespace tapstack::client {

/// A reply and the fd that came with it (-1 if none; the caller owns it).
struct CallResult {
  int error = 0;  // transport error (errno), before any reply
  rpc::Reply reply;
  int fd = -1;
};

class Connection {
 public:
  Connection() = default;
  ~Connection() { close(); }
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  /// Connects and says hello. Returns 0 or an errno; `message` explains
  /// failures a person should read (version mismatch, daemon not running).
  int open(const std::string& path, std::string& message);
  void close();
  bool is_open() const { return fd_ >= 0; }
  /// True when the daemon has closed its end of the open session.
  bool closed_by_peer() const;

  /// Sends one request and waits for its reply. Events met on the way are
  /// skipped: their errors are also readable through SO_ERROR.
  CallResult call(rpc::MessageType type, rpc::RequestBody body);
  /// Sends a request the daemon does not answer (close). Returns 0 or an errno.
  int post(rpc::MessageType type, rpc::RequestBody body);

 private:
  int send_request(rpc::MessageType type, rpc::RequestBody body, std::uint32_t& id);
  /// The errno of a refusal the daemon queued before closing, or 0.
  int queued_refusal();

  int fd_ = -1;
  std::uint32_t next_id_ = 1;
  std::vector<std::uint8_t> buffer_ = std::vector<std::uint8_t>(rpc::kMaxMessageSize + 1);
};

/// The daemon path: `explicit_path` if non-empty, else $TAPSTACK_SOCKET, else the default.
std::string daemon_path(const std::string& explicit_path);

}  // namespace tapstack::client
