#pragma once
// `tapstack trace` and `tapstack capture`: watch TCP's machinery and the
// frames on the wire through a stream the daemon hands out (docs/rpc.md
// "Trace and capture").
#include <CLI/CLI.hpp>
#include <string>
#include <vector>

namespace tapstack::cli {

struct WatchOptions {
  unsigned socket = 0;             // trace --socket ID
  std::string host;                // --host ADDR (or "host ADDR" in the filter words)
  unsigned port = 0;               // --port N (or "port N")
  bool absolute = false;           // trace: raw sequence numbers
  std::string file;                // capture -w FILE ("-": stdout)
  unsigned count = 0;              // capture --count N
  std::vector<std::string> words;  // capture filter words: host ADDR, port N, and
};

CLI::App* add_trace_command(CLI::App& app, WatchOptions& options);
CLI::App* add_capture_command(CLI::App& app, WatchOptions& options);
/// Each runs until the stream ends, the reader is interrupted or output fails;
/// `json` (the global --json): trace prints one JSON object per event.
int cmd_trace(const WatchOptions& options, bool json);
int cmd_capture(const WatchOptions& options);

}  // namespace tapstack::cli
