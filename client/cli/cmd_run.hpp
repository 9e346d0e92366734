#pragma once
// `tapstack run [--] PROGRAM ARGS…`: runs a program with libtapstack-preload.so
// preloaded, so its sockets live on the stack (docs/preload.md).
#include <string>
#include <vector>

namespace tapstack::cli {

/// Executes `argv` with LD_PRELOAD set to the preload library (prepended to
/// any existing LD_PRELOAD) and TAPSTACK_SOCKET set to `socket_path` when it
/// is not empty. Returns only on failure: 127 (not found / no library) or
/// 126 (not executable), after a message on stderr.
int run_command(const std::vector<std::string>& argv, const std::string& socket_path);

/// The preload library to use: $TAPSTACK_PRELOAD_LIB, else next to this
/// binary in the build tree (preload/), else ../<libdir>/ relative to it,
/// else the configured install libdir. Empty if none exists.
std::string find_preload_library();

}  // namespace tapstack::cli
