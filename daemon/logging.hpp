#pragma once
// spdlog set-up: stderr, with timestamps on a terminal and without them under
// systemd (journald stamps lines itself and reads the <N> priority prefix).
#include "config/config.hpp"

namespace tapstack::daemon {

void setup_logging(config::LogLevel level);
void set_log_level(config::LogLevel level);

}  // namespace tapstack::daemon
