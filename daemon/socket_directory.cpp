#include "daemon/socket_directory.hpp"

#include <spdlog/spdlog.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <stdexcept>

namespace tapstack::daemon {

void ensure_socket_directory(const std::string& socket_path) {
  const std::filesystem::path directory = std::filesystem::path(socket_path).parent_path();
  if (directory.empty()) return;
  struct stat st {};
  if (::stat(directory.c_str(), &st) == 0) {
    if (!S_ISDIR(st.st_mode)) {
      throw std::runtime_error("the control socket's directory " + directory.string() +
                               " is not a directory; set [rpc] socket to a path in a directory");
    }
    return;
  }
  // Only the last component: a missing parent means a mistyped path, not a
  // directory to invent.
  if (::mkdir(directory.c_str(), 0755) != 0 && errno != EEXIST) {
    const int error = errno;
    throw std::runtime_error("cannot create the control socket's directory " + directory.string() +
                             ": " + std::strerror(error) +
                             "; create it (mode 0755) or set [rpc] socket to a path in a "
                             "directory the daemon can write");
  }
  // mkdir's mode passed through the umask; RuntimeDirectory= gives 0755.
  (void)::chmod(directory.c_str(), 0755);
  spdlog::info("rpc: created {}", directory.string());
}

}  // namespace tapstack::daemon
