#pragma once
// Which descriptors of this process are stack sockets, and what the shim
// must remember about each: the family and type the program asked for (the
// data fd itself is AF_UNIX), the loopback decision, options to replay, and
// the outcome of a non-blocking connect until SO_ERROR reads it.
#include <netinet/in.h>

#include <atomic>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <unordered_map>
#include <vector>

namespace tapstack::preload {

/// A setsockopt call, kept so a socket moved to the kernel gets it too.
struct SavedOption {
  int level = 0;
  int name = 0;
  std::vector<std::uint8_t> value;
};

/// One stack socket as the program sees it.
struct StackSocket {
  int family = AF_INET;  // AF_INET or AF_INET6 (served over IPv4)
  int type = 0;          // SOCK_STREAM or SOCK_DGRAM
  int protocol = 0;      // IPPROTO_TCP or IPPROTO_UDP
  bool addressed = false;  // bind/connect/sendto seen: loopback decided
  bool listening = false;
  bool inherited = false;  // from before fork(): no handle in this session
  bool v6only = false;
  int connect_result = -1;  // non-blocking connect outcome for SO_ERROR; -1 none
  std::optional<sockaddr_in> local;  // last known, for inherited sockets
  std::optional<sockaddr_in> peer;
  std::vector<SavedOption> options;
};

/// fd → StackSocket, thread-safe. Lookups of other fds cost one atomic load.
class SocketTable {
 public:
  std::optional<StackSocket> get(int fd);
  void put(int fd, StackSocket socket);
  std::optional<StackSocket> take(int fd);
  /// Applies `change` to the entry of `fd`, if there is one.
  void update(int fd, const std::function<void(StackSocket&)>& change);
  /// The fds from `first` to `last` (inclusive) that are stack sockets.
  std::vector<int> fds_between(unsigned first, unsigned last);
  /// After fork(), in the child: every socket belongs to the parent's session.
  void mark_all_inherited();
  /// Held across fork() so the child's copy is consistent.
  std::mutex& mutex() { return mutex_; }

 private:
  std::mutex mutex_;
  std::atomic<std::size_t> size_{0};
  std::unordered_map<int, StackSocket> sockets_;
};

/// The process-wide table (never destroyed: usable from atexit handlers).
SocketTable& table();

}  // namespace tapstack::preload
