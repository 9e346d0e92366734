#pragma once
// The control socket's directory. Under systemd, RuntimeDirectory= makes
// /run/tapstack; run by hand (README command 1) nothing does, so the daemon
// makes the missing directory itself, as RuntimeDirectory= would.
#include <string>

namespace tapstack::daemon {

/// Creates the directory that holds `socket_path` (mode 0755, owned by the
/// daemon's user) when it is missing. Throws std::runtime_error naming the
/// directory and what to do when it cannot.
void ensure_socket_directory(const std::string& socket_path);

}  // namespace tapstack::daemon
