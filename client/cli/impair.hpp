#pragma once
// `tapstack impair`: show, change or clear the daemon's link impairment.
#include <CLI/CLI.hpp>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

namespace tapstack::cli {

/// What the command line asked for; unset options change nothing.
struct ImpairOptions {
  std::string dir = "both";
  std::optional<double> loss, dup, reorder, corrupt;
  std::optional<unsigned> delay_ms, jitter_ms;
  std::optional<unsigned long long> rate, seed;
  std::string drop_next;
  std::optional<unsigned> delay_next_ack_ms;
  unsigned count = 1;
  unsigned port = 0;
  std::uint32_t socket = 0;  // a stack socket id: the fault takes only its connection's segments
  bool clear = false;
};

/// Adds the `impair` subcommand, its options filling `options`.
CLI::App* add_impair_command(CLI::App& app, ImpairOptions& options);
/// Runs it against the daemon at `socket_path`; returns the exit code.
int cmd_impair(const ImpairOptions& options, const std::string& socket_path, bool json);
/// The "impair" object of the status and impair replies, for people.
void print_impairment(const nlohmann::json& impair);

}  // namespace tapstack::cli
