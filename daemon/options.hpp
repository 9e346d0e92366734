#pragma once
// tapstackd's command line.
#include <optional>
#include <string>
#include <vector>

#include "config/config.hpp"

namespace tapstack::daemon {

struct Options {
  std::string config_path = TAPSTACK_DEFAULT_CONFIG;
  std::vector<config::Override> overrides;
  std::optional<config::LogLevel> log_level;  // --log-level wins over [log] level
  bool check_config = false;
  bool show_version = false;
  bool show_help = false;
};

/// Parses argv. Throws std::invalid_argument with a message for the user.
Options parse_options(int argc, char** argv);

const char* usage_text();

}  // namespace tapstack::daemon
