#include "client/cli/progress.hpp"

#include <unistd.h>

#include <cstdio>

namespace tapstack::cli {
namespace {

constexpr auto kEvery = std::chrono::milliseconds(250);

std::string bytes_text(double n) {
  const char* units[] = {"B", "kB", "MB", "GB", "TB"};
  std::size_t u = 0;
  while (n >= 1000 && u + 1 < std::size(units)) {
    n /= 1000;
    ++u;
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, u == 0 ? "%.0f %s" : "%.1f %s", n, units[u]);
  return buf;
}

}  // namespace

std::string progress_text(std::uint64_t sent, std::uint64_t received, double seconds) {
  const double rate = seconds > 0 ? static_cast<double>(sent + received) / seconds : 0;
  return "sent " + bytes_text(static_cast<double>(sent)) + "  received " +
         bytes_text(static_cast<double>(received)) + "  " + bytes_text(rate) + "/s";
}

Progress::Progress()
    : shown_(::isatty(STDERR_FILENO) == 1), start_(std::chrono::steady_clock::now()), last_(start_) {}

Progress::~Progress() {
  if (drawn_) std::fprintf(stderr, "\n");
}

void Progress::update(std::size_t sent, std::size_t received) {
  sent_ += sent;
  received_ += received;
  if (!shown_) return;
  const auto now = std::chrono::steady_clock::now();
  if (now - last_ < kEvery) return;
  last_ = now;
  drawn_ = true;
  const std::chrono::duration<double> elapsed = now - start_;
  std::fprintf(stderr, "\r  %s\033[K", progress_text(sent_, received_, elapsed.count()).c_str());
}

}  // namespace tapstack::cli
