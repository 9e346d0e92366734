#include "daemon/options.hpp"

#include <stdexcept>
#include <string_view>

namespace tapstack::daemon {
namespace {

std::optional<config::LogLevel> parse_level(std::string_view text) {
  using config::LogLevel;
  for (auto level : {LogLevel::Trace, LogLevel::Debug, LogLevel::Info, LogLevel::Warn,
                     LogLevel::Error, LogLevel::Off}) {
    if (config::to_string(level) == text) return level;
  }
  return std::nullopt;
}

}  // namespace

const char* usage_text() {
  return "Usage: tapstackd [OPTIONS]\n"
         "\n"
         "A userland TCP/IP stack on a TAP interface.\n"
         "\n"
         "Options:\n"
         "  -c, --config PATH         configuration file (default " TAPSTACK_DEFAULT_CONFIG ")\n"
         "  -s, --set SECTION.KEY=VALUE\n"
         "                            override one key of the file (repeatable)\n"
         "      --check-config        validate the configuration and exit (0 valid, 1 not)\n"
         "  -l, --log-level LEVEL     trace, debug, info, warn, error or off\n"
         "  -V, --version             print the version and exit\n"
         "  -h, --help                print this help and exit\n";
}

Options parse_options(int argc, char** argv) {
  Options options;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    // Accepts both "--opt value" and "--opt=value".
    auto value_of = [&](std::string_view name) -> std::string {
      if (arg.size() > name.size() && arg.substr(0, name.size()) == name &&
          arg[name.size()] == '=') {
        return std::string(arg.substr(name.size() + 1));
      }
      if (i + 1 >= argc) throw std::invalid_argument(std::string(arg) + " needs a value");
      return argv[++i];
    };
    auto is = [&](std::string_view short_name, std::string_view long_name) {
      return arg == short_name || arg == long_name ||
             (arg.substr(0, long_name.size()) == long_name && arg.size() > long_name.size() &&
              arg[long_name.size()] == '=');
    };
    if (arg == "-h" || arg == "--help") {
      options.show_help = true;
    } else if (arg == "-V" || arg == "--version") {
      options.show_version = true;
    } else if (arg == "--check-config") {
      options.check_config = true;
    } else if (is("-c", "--config")) {
      options.config_path = value_of("--config");
    } else if (is("-s", "--set")) {
      options.overrides.push_back(config::parse_override(value_of("--set")));
    } else if (is("-l", "--log-level")) {
      const auto text = value_of("--log-level");
      options.log_level = parse_level(text);
      if (!options.log_level) {
        throw std::invalid_argument("--log-level: '" + text +
                                    "' is not a level; allowed: trace, debug, info, warn, "
                                    "error, off");
      }
    } else {
      throw std::invalid_argument("unknown option '" + std::string(arg) +
                                  "' (see tapstackd --help)");
    }
  }
  return options;
}

}  // namespace tapstack::daemon
