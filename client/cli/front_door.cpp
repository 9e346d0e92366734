#include "client/cli/front_door.hpp"

#include <cstdio>
#include <string_view>

#include "client/cli/cli.hpp"

namespace tapstack::cli {
namespace {

const CLI::App* find_command(const CLI::App& app, const std::string& word) {
  for (const CLI::App* c : app.get_subcommands({})) {
    if (c->check_name(word)) return c;
  }
  return nullptr;
}

void print_commands(const CLI::App& app) {
  std::fprintf(stderr, "commands:\n");
  for (const CLI::App* c : app.get_subcommands({})) {
    std::fprintf(stderr, "  %-11s %s\n", c->get_name().c_str(), c->get_description().c_str());
  }
  std::fprintf(stderr, "`tapstack help` or `tapstack COMMAND --help` for the options.\n");
}

}  // namespace

std::optional<int> check_command_word(const CLI::App& app, int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (arg == "-h" || arg == "--help" || arg == "--version") return std::nullopt;
    if (arg == "-S" || arg == "--socket") {
      ++i;  // its value
      continue;
    }
    if (arg.starts_with("-")) continue;  // a global option; the parser judges it
    if (find_command(app, argv[i]) != nullptr) return std::nullopt;
    std::fprintf(stderr, "tapstack: unknown command '%s'\n", argv[i]);
    print_commands(app);
    return kUsage;
  }
  std::fprintf(stderr, "tapstack: a command is required\n");
  print_commands(app);
  return kUsage;
}

int cmd_help(const CLI::App& app, const std::string& command) {
  // Through the formatter: App::help() would describe the `help` command itself.
  if (command.empty()) {
    std::printf("%s", app.get_formatter()->make_help(&app, "", CLI::AppFormatMode::Normal).c_str());
    return kOk;
  }
  const CLI::App* c = find_command(app, command);
  if (c == nullptr) {
    std::fprintf(stderr, "tapstack: unknown command '%s'\n", command.c_str());
    print_commands(app);
    return kUsage;
  }
  std::printf("%s", c->get_formatter()->make_help(c, c->get_name(), CLI::AppFormatMode::Normal).c_str());
  return kOk;
}

std::optional<int> reject_json(const CLI::App& command, bool json) {
  if (!json) return std::nullopt;
  std::fprintf(stderr, "tapstack: --json: `%s` has no JSON output (%s)\n",
               command.get_name().c_str(), command.get_description().c_str());
  return kUsage;
}

}  // namespace tapstack::cli
