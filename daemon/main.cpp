// tapstackd: parse the command line, load the configuration, run the App.
// Exceptions end here as one message and a non-zero exit code.
#include <spdlog/spdlog.h>

#include <cstdio>
#include <exception>
#include <stdexcept>

#include "config/config.hpp"
#include "daemon/app.hpp"
#include "daemon/logging.hpp"
#include "daemon/options.hpp"

int main(int argc, char** argv) {
  using namespace tapstack;
  daemon::Options options;
  try {
    options = daemon::parse_options(argc, argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "tapstackd: %s\n", e.what());
    return 2;
  }
  if (options.show_help) {
    std::fputs(daemon::usage_text(), stdout);
    return 0;
  }
  if (options.show_version) {
    std::printf("tapstackd %s\n", TAPSTACK_VERSION);
    return 0;
  }

  config::Config config;
  try {
    config = config::load_config(options.config_path, options.overrides);
  } catch (const config::ConfigException& e) {
    std::fprintf(stderr, "tapstackd: invalid configuration:\n%s\n", e.what());
    return 1;
  }
  if (options.check_config) {
    std::printf("%s: configuration is valid\n", options.config_path.c_str());
    return 0;
  }

  daemon::setup_logging(options.log_level.value_or(config.log.level));
  try {
    daemon::App app(std::move(config), std::move(options));
    return app.run();
  } catch (const std::exception& e) {
    spdlog::critical("{}", e.what());
    return 1;
  }
}
