#include "client/cli/connection_slots.hpp"

namespace tapstack::cli {

void ConnectionSlots::wait_for_room() {
  std::unique_lock lock(mutex_);
  released_.wait(lock, [&] { return held_ < total_; });
}

bool ConnectionSlots::take(std::uint32_t peer) {
  std::lock_guard lock(mutex_);
  std::size_t& mine = per_address_[peer];
  if (held_ >= total_ || mine >= per_peer_) {
    if (mine == 0) per_address_.erase(peer);
    return false;
  }
  ++mine;
  ++held_;
  return true;
}

void ConnectionSlots::give_back(std::uint32_t peer) {
  {
    std::lock_guard lock(mutex_);
    const auto it = per_address_.find(peer);
    if (it == per_address_.end()) return;
    if (--it->second == 0) per_address_.erase(it);
    --held_;
    ++releases_;
  }
  released_.notify_all();
}

std::uint64_t ConnectionSlots::releases() const {
  std::lock_guard lock(mutex_);
  return releases_;
}

void ConnectionSlots::wait_for_release(std::uint64_t since, std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  released_.wait_for(lock, timeout, [&] { return releases_ != since; });
}

std::size_t ConnectionSlots::held() const {
  std::lock_guard lock(mutex_);
  return held_;
}

}  // namespace tapstack::cli
