#pragma once
// The connections serve-http holds at once: at most `total`, and at most
// `per_peer` from one address, so one host (a slowloris client) cannot take
// every slot and lock the others out.
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <unordered_map>

namespace tapstack::cli {

class ConnectionSlots {
 public:
  ConnectionSlots(std::size_t total, std::size_t per_peer) : total_(total), per_peer_(per_peer) {}

  /// Blocks until fewer than `total` connections are held.
  void wait_for_room();
  /// Takes a slot for a connection from `peer`; false (nothing taken) when
  /// every slot is held or `peer` holds its share already.
  bool take(std::uint32_t peer);
  /// Gives back the slot a connection from `peer` held.
  void give_back(std::uint32_t peer);
  /// How many slots were given back so far.
  std::uint64_t releases() const;
  /// Waits until a slot was given back after `releases()` read `since`, or
  /// `timeout` passes: a back-off that ends early when a connection closes
  /// (and so frees its descriptor).
  void wait_for_release(std::uint64_t since, std::chrono::milliseconds timeout);

  std::size_t held() const;

 private:
  const std::size_t total_;
  const std::size_t per_peer_;
  mutable std::mutex mutex_;
  std::condition_variable released_;
  std::size_t held_ = 0;
  std::uint64_t releases_ = 0;
  std::unordered_map<std::uint32_t, std::size_t> per_address_;
};

}  // namespace tapstack::cli
