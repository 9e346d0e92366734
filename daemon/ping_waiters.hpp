#pragma once
// PingWaiters: who waits for the reply to each echo request the daemon sent
// for a client. Every pending ping gets an ICMP identifier of its own, so two
// sessions' pings never match each other's replies, and a session's entries
// go with it when it ends.
#include <cstdint>
#include <optional>
#include <unordered_map>

namespace tapstack::daemon {

class PingWaiters {
 public:
  struct Waiter {
    std::uint32_t session = 0;
    std::uint32_t request_id = 0;
    std::uint16_t seq = 0;
    std::uint16_t size = 0;
  };

  /// An identifier no pending ping uses; nullopt when all 65536 are taken.
  std::optional<std::uint16_t> free_ident();
  void add(std::uint16_t ident, const Waiter& waiter);
  /// The waiter for a reply (ident, seq), removed; nullopt when none.
  std::optional<Waiter> take(std::uint16_t ident, std::uint16_t seq);
  void forget(std::uint16_t ident) { waiters_.erase(ident); }
  void forget_session(std::uint32_t session);
  std::size_t size() const { return waiters_.size(); }

 private:
  std::unordered_map<std::uint16_t, Waiter> waiters_;
  std::uint16_t next_ident_ = 1;
};

}  // namespace tapstack::daemon
