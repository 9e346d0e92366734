#pragma once
// `tapstack run [--] PROGRAM ARGS…`: runs a program with libtapstack-preload.so
// preloaded, so its sockets live on the stack (docs/preload.md).
#include <optional>
#include <string>
#include <vector>

namespace tapstack::cli {

/// Executes `argv` with LD_PRELOAD set to the preload library (prepended to
/// any existing LD_PRELOAD) and TAPSTACK_SOCKET set to `socket_path` when it
/// is not empty. Returns only on failure: 127 (not found / no library) or
/// 126 (not executable), after a message on stderr.
int run_command(const std::vector<std::string>& argv, const std::string& socket_path);

/// When the command line is `tapstack [-S PATH] [-j] run [--] PROGRAM ARGS…`,
/// checks the daemon is reachable and runs PROGRAM (see run_command); returns
/// the exit code. nullopt for any other command line. PROGRAM's arguments are
/// taken verbatim, which an argument parser would not do.
std::optional<int> run_from_argv(int argc, char** argv);

/// The preload library to use: $TAPSTACK_PRELOAD_LIB, else next to this
/// binary in the build tree (preload/), else ../<libdir>/ relative to it,
/// else the configured install libdir. Empty if none exists.
std::string find_preload_library();

}  // namespace tapstack::cli
