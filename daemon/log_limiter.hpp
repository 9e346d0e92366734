#pragma once
// LogLimiter: at most `burst` lines per `interval` for one kind of message,
// so a client that provokes the same warning in a loop cannot flood the log
// (or burn the CPU writing it). The first line allowed after a quiet spell
// says how many were left out.
#include <chrono>
#include <cstdint>
#include <string>
#include <utility>

namespace tapstack::daemon {

class LogLimiter {
 public:
  using Clock = std::chrono::steady_clock;

  LogLimiter(std::uint32_t burst, Clock::duration interval) : burst_(burst), interval_(interval) {}

  /// True when a line may be written at `now`; counts it either way.
  bool allow(Clock::time_point now) {
    if (now - window_start_ >= interval_) {
      window_start_ = now;
      in_window_ = 0;
    }
    if (in_window_ >= burst_) {
      ++suppressed_;
      return false;
    }
    ++in_window_;
    return true;
  }
  /// " (N similar lines left out)" since the last call, for the line being
  /// written; "" when none were.
  std::string left_out() {
    const std::uint64_t n = std::exchange(suppressed_, 0);
    return n == 0 ? std::string() : " (" + std::to_string(n) + " similar lines left out)";
  }

 private:
  std::uint32_t burst_;
  Clock::duration interval_;
  Clock::time_point window_start_{};
  std::uint32_t in_window_ = 0;
  std::uint64_t suppressed_ = 0;
};

}  // namespace tapstack::daemon
