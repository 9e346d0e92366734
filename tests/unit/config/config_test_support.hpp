#pragma once
// Helpers for the config tests: run the loader and collect its messages.
#include <string>
#include <string_view>
#include <vector>

#include "config/config.hpp"

namespace tapstack::config::testing {

/// The messages parse_config throws for `text` (named "t.toml"); empty if it
/// parses.
inline std::vector<std::string> errors_of(std::string_view text,
                                          const std::vector<Override>& overrides = {}) {
  std::vector<std::string> messages;
  try {
    parse_config(text, "t.toml", overrides);
  } catch (const ConfigException& e) {
    for (const auto& error : e.errors()) messages.push_back(error.message);
  }
  return messages;
}

/// The one message for `text`, or a note saying how many there were.
inline std::string only_error(std::string_view text, const std::vector<Override>& overrides = {}) {
  const auto messages = errors_of(text, overrides);
  if (messages.size() == 1) return messages.front();
  std::string all = std::to_string(messages.size()) + " errors:";
  for (const auto& message : messages) all += "\n  " + message;
  return all;
}

}  // namespace tapstack::config::testing
