#include "daemon/sd_notify.hpp"

#include <systemd/sd-daemon.h>

namespace tapstack::daemon {

SystemdNotifier::SystemdNotifier(boost::asio::io_context& io) : watchdog_timer_(io) {
  std::uint64_t usec = 0;
  if (sd_watchdog_enabled(0, &usec) > 0 && usec > 0) {
    // Ping at half the interval, as sd_watchdog_enabled(3) recommends. The
    // timer runs on the event loop, so a stuck loop stops the pings.
    watchdog_interval_ = std::chrono::microseconds(usec / 2);
    schedule_watchdog();
  }
}

void SystemdNotifier::ready(const std::string& status) {
  sd_notifyf(0, "READY=1\nSTATUS=%s", status.c_str());
}

void SystemdNotifier::stopping() {
  watchdog_timer_.cancel();
  sd_notify(0, "STOPPING=1");
}

void SystemdNotifier::reloading() { sd_notify(0, "RELOADING=1"); }

void SystemdNotifier::status(const std::string& status) {
  sd_notifyf(0, "READY=1\nSTATUS=%s", status.c_str());
}

void SystemdNotifier::schedule_watchdog() {
  watchdog_timer_.expires_after(watchdog_interval_);
  watchdog_timer_.async_wait([this](const boost::system::error_code& ec) {
    if (ec) return;
    sd_notify(0, "WATCHDOG=1");
    schedule_watchdog();
  });
}

}  // namespace tapstack::daemon
