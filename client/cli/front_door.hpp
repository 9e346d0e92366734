#pragma once
// The `tapstack` command line before any subcommand runs: `help`, an unknown
// or missing command word, and --json where a command has no JSON to give.
#include <CLI/CLI.hpp>
#include <optional>
#include <string>

namespace tapstack::cli {

/// Checks the command word of `argv` (the first word that is no global option)
/// names a subcommand of `app`. When it does not, or there is none, says so on
/// stderr with the list of commands and returns kUsage; nullopt when it does
/// or when --help/--version decide the outcome.
std::optional<int> check_command_word(const CLI::App& app, int argc, char** argv);

/// `tapstack help [COMMAND]`: the help of the program or of one command on
/// stdout; kUsage for a command that does not exist.
int cmd_help(const CLI::App& app, const std::string& command);

/// kUsage, after a message, when --json was given to a command without JSON
/// output; nullopt otherwise.
std::optional<int> reject_json(const CLI::App& command, bool json);

}  // namespace tapstack::cli
