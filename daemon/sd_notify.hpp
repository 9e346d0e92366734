#pragma once
// systemd readiness and watchdog (sd_notify(3)); all calls are no-ops when
// the daemon does not run under systemd.
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <string>

namespace tapstack::daemon {

class SystemdNotifier {
 public:
  explicit SystemdNotifier(boost::asio::io_context& io);
  void ready(const std::string& status);
  void stopping();
  void reloading();
  void status(const std::string& status);

 private:
  void schedule_watchdog();

  boost::asio::steady_timer watchdog_timer_;
  std::chrono::microseconds watchdog_interval_{0};
};

}  // namespace tapstack::daemon
