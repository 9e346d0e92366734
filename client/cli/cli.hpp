#pragma once
// Shared pieces of the `tapstack` command: exit codes, error printing and the
// subcommands (each returns the process exit code).
#include <cstddef>
#include <string>

namespace tapstack::cli {

enum Exit : int {
  kOk = 0,
  kFailed = 1,       // the operation failed (connection refused, no reply…)
  kUsage = 2,        // bad arguments
  kNoDaemon = 3,     // tapstackd not reachable at the socket path
};

/// Connects to the daemon; prints why not and returns false on failure.
bool connect_daemon(const std::string& path);
/// "tapstack: what: strerror(errno)" on stderr.
void print_error(const std::string& what);
/// Says "tapstackd closed the connection" (the daemon stopped or died while
/// a command needed it) and returns kNoDaemon.
int daemon_closed();
/// Writes all of `data` to `fd`, retrying short writes; false when the output is gone.
bool write_all(int fd, const char* data, std::size_t len);
/// Parses a dotted quad or resolves a name through the stack.
bool lookup(const std::string& host, unsigned& address_host_order);

/// A field of the `status` document's "interface" object; "" when unknown.
std::string interface_field(const std::string& key);

struct SocketsView;
/// status, sockets, arp, counters: the daemon's document as text (sockets as
/// `view` asks), or as it is with `json`.
int cmd_introspect(const std::string& what, bool json, const SocketsView& view);
/// `json`: one object per reply (or unreachable report), then the statistics.
int cmd_ping(const std::string& host, int count, double interval, int size, double timeout,
             bool json);
int cmd_resolve(const std::string& name, bool json);
int cmd_connect(const std::string& host, int port, bool udp, bool nodelay);
int cmd_listen(int port, bool udp);
/// A static file server for `dir` on the stack's `port`; runs until killed.
int cmd_serve_http(int port, const std::string& dir);

}  // namespace tapstack::cli
