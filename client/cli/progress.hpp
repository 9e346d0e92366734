#pragma once
// Progress of a long transfer on stderr ("\r  sent 12.3 MB  received 0 B
// 4.1 MB/s"), for connect, listen and serve-http; silent unless stderr is a
// terminal, so pipes and logs see only the data and the command's own lines.
#include <chrono>
#include <cstdint>
#include <string>

namespace tapstack::cli {

/// "sent 12.3 MB  received 512 B  4.1 MB/s" for the counts after `seconds`.
std::string progress_text(std::uint64_t sent, std::uint64_t received, double seconds);

class Progress {
 public:
  Progress();  // shows itself only when stderr is a terminal
  ~Progress();  // ends the line it drew, if any
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;

  void sent(std::size_t n) { update(n, 0); }
  void received(std::size_t n) { update(0, n); }

 private:
  void update(std::size_t sent, std::size_t received);

  bool shown_;
  bool drawn_ = false;
  std::uint64_t sent_ = 0, received_ = 0;
  std::chrono::steady_clock::time_point start_, last_;
};

}  // namespace tapstack::cli
