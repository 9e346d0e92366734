#include "client/cli/cmd_run.hpp"

#include "client/cli/cli.hpp"

#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string_view>

#ifndef TAPSTACK_PRELOAD_NAME
#define TAPSTACK_PRELOAD_NAME "libtapstack-preload.so"
#endif
#ifndef TAPSTACK_INSTALL_LIBDIR
#define TAPSTACK_INSTALL_LIBDIR "lib"
#endif
#ifndef TAPSTACK_INSTALL_FULL_LIBDIR
#define TAPSTACK_INSTALL_FULL_LIBDIR "/usr/local/lib"
#endif

namespace tapstack::cli {
namespace fs = std::filesystem;

std::string find_preload_library() {
  if (const char* env = std::getenv("TAPSTACK_PRELOAD_LIB"); env && *env) {
    return fs::exists(env) ? fs::absolute(env).string() : std::string();
  }
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  std::vector<fs::path> candidates;
  if (!ec) {
    const fs::path dir = exe.parent_path();
    candidates.push_back(dir / "preload" / TAPSTACK_PRELOAD_NAME);
    candidates.push_back(dir.parent_path() / TAPSTACK_INSTALL_LIBDIR / TAPSTACK_PRELOAD_NAME);
  }
  candidates.push_back(fs::path(TAPSTACK_INSTALL_FULL_LIBDIR) / TAPSTACK_PRELOAD_NAME);
  for (const auto& c : candidates) {
    if (fs::exists(c, ec)) return fs::weakly_canonical(c, ec).string();
  }
  return {};
}

int run_command(const std::vector<std::string>& argv, const std::string& socket_path) {
  if (argv.empty()) {
    std::fprintf(stderr, "tapstack: run: no program given\n");
    return 127;
  }
  const std::string library = find_preload_library();
  if (library.empty()) {
    std::fprintf(stderr,
                 "tapstack: run: %s not found beside this binary (preload/) or in %s; build it "
                 "(cmake --build build --target tapstack_preload), install it, or set "
                 "TAPSTACK_PRELOAD_LIB to its path\n",
                 TAPSTACK_PRELOAD_NAME, TAPSTACK_INSTALL_FULL_LIBDIR);
    return 127;
  }
  std::string preload = library;
#ifdef TAPSTACK_SANITIZER_RUNTIME
  // This build's library is sanitized: the ASan runtime must come first.
  preload = TAPSTACK_SANITIZER_RUNTIME ":" + preload;
#endif
  if (const char* old = std::getenv("LD_PRELOAD"); old && *old) preload += std::string(":") + old;
  ::setenv("LD_PRELOAD", preload.c_str(), 1);
  if (!socket_path.empty()) {
    std::error_code ec;
    const auto absolute = fs::absolute(socket_path, ec);
    ::setenv("TAPSTACK_SOCKET", ec ? socket_path.c_str() : absolute.c_str(), 1);
  }
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  ::execvp(args[0], args.data());
  const int e = errno;
  std::fprintf(stderr, "tapstack: run: cannot execute %s: %s\n", args[0], std::strerror(e));
  return e == ENOENT ? 127 : 126;
}

std::optional<int> run_from_argv(int argc, char** argv) {
  std::string socket_path;
  int i = 1;
  for (; i < argc; ++i) {  // the global options main() also knows
    const std::string_view a = argv[i];
    if ((a == "-S" || a == "--socket") && i + 1 < argc) {
      socket_path = argv[++i];
    } else if (a.starts_with("--socket=")) {
      socket_path = a.substr(9);
    } else if (a.starts_with("-S") && a.size() > 2) {
      socket_path = a.substr(2);
    } else if (a != "-j" && a != "--json") {
      break;
    }
  }
  if (i >= argc || std::string_view(argv[i]) != "run") return std::nullopt;
  ++i;
  if (i < argc && std::string_view(argv[i]) == "--") ++i;
  if (i < argc && (std::string_view(argv[i]) == "-h" || std::string_view(argv[i]) == "--help")) {
    std::printf("Usage: tapstack [-S PATH] run [--] PROGRAM [ARGS...]\n"
                "Runs PROGRAM with %s preloaded: its IPv4 and dual-stack IPv6 sockets use the stack.\n",
                TAPSTACK_PRELOAD_NAME);
    return kOk;
  }
  const std::vector<std::string> command(argv + i, argv + argc);
  if (command.empty()) {
    std::fprintf(stderr, "tapstack: run: no program given\n");
    return kUsage;
  }
  if (!connect_daemon(socket_path)) return kNoDaemon;
  return run_command(command, socket_path);
}

}  // namespace tapstack::cli
