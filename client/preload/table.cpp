#include "client/preload/table.hpp"

namespace tapstack::preload {

std::optional<StackSocket> SocketTable::get(int fd) {
  if (size_.load(std::memory_order_acquire) == 0) return std::nullopt;
  std::lock_guard lock(mutex_);
  const auto it = sockets_.find(fd);
  if (it == sockets_.end()) return std::nullopt;
  return it->second;
}

void SocketTable::put(int fd, StackSocket socket) {
  std::lock_guard lock(mutex_);
  sockets_[fd] = std::move(socket);
  size_.store(sockets_.size(), std::memory_order_release);
}

std::optional<StackSocket> SocketTable::take(int fd) {
  if (size_.load(std::memory_order_acquire) == 0) return std::nullopt;
  std::lock_guard lock(mutex_);
  const auto it = sockets_.find(fd);
  if (it == sockets_.end()) return std::nullopt;
  StackSocket socket = std::move(it->second);
  sockets_.erase(it);
  size_.store(sockets_.size(), std::memory_order_release);
  return socket;
}

void SocketTable::update(int fd, const std::function<void(StackSocket&)>& change) {
  std::lock_guard lock(mutex_);
  const auto it = sockets_.find(fd);
  if (it != sockets_.end()) change(it->second);
}

std::vector<int> SocketTable::fds_between(unsigned first, unsigned last) {
  std::vector<int> fds;
  if (size_.load(std::memory_order_acquire) == 0) return fds;
  std::lock_guard lock(mutex_);
  for (const auto& [fd, socket] : sockets_) {
    if (static_cast<unsigned>(fd) >= first && static_cast<unsigned>(fd) <= last) fds.push_back(fd);
  }
  return fds;
}

void SocketTable::mark_all_inherited() {
  for (auto& [fd, socket] : sockets_) socket.inherited = true;
}

SocketTable& table() {
  static SocketTable* t = new SocketTable;
  return *t;
}

}  // namespace tapstack::preload
