#pragma once
// The configuration schema: every section and key, what it accepts and where
// its value goes in Config. Internal to config/ (the daemon sees config.hpp
// only) and free of toml++: config.cpp turns TOML nodes into schema::Value.
//
// Keys are declared in ONE place, the table in schema.cpp; see the recipe at
// its top. Cross-key rules ("the gateway is inside the subnet") live there too.
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.hpp"

namespace tapstack::config::schema {

/// A TOML value's type, as far as messages need it.
enum class Type { Boolean, Integer, Float, String, Array, Table, Date, Time, DateTime };

/// The type with its article, for messages: "a boolean", "an integer", ...
std::string_view describe(Type type);

/// A TOML value reduced to what keys check: its type, its content and how it
/// was written, for messages (`70000`, `0o1000`, `"tap0"`).
struct Value {
  Type type = Type::String;
  bool boolean = false;
  std::int64_t integer = 0;
  double number = 0;  // a Float's value
  std::string string;
  std::string written;
  std::vector<Value> items;  // the elements of an Array
};

/// Why a value is refused, as a phrase that follows "section.key: ":
/// "70000 is out of range", "expected an integer, got a string".
using Problem = std::string;

/// Stores a value in its place in Config, or says why it cannot.
using Apply = std::function<std::optional<Problem>(const Value&, Config&)>;

/// One key of a section.
struct Key {
  std::string_view name;   // "mtu"
  std::string allowed;     // what is allowed, after "; allowed: " in messages
  std::string_view doc;    // what the key means
  Apply apply;
  std::function<void(Config&)> when_absent;  // if set: run when the key is left out
  std::function<bool(const Config&, const Config&)> same;  // the key's value is equal in both
};

/// One [section] and its keys, in the order of config/tapstack.toml.
struct Section {
  std::string_view name;
  std::vector<Key> keys;
};

/// A rule across keys of one section, checked once every key is applied; a
/// problem is reported at `section.key`. It is skipped when a value in its
/// section was refused (the rule would judge the default left in its place).
struct Rule {
  std::string_view section;
  std::string_view key;
  std::string allowed;
  std::function<std::optional<Problem>(const Config&)> check;
};

/// Every section, in order.
const std::vector<Section>& sections();

/// Every cross-key rule.
const std::vector<Rule>& rules();

/// nullptr when there is no such section / key.
const Section* find_section(std::string_view name);
const Key* find_key(const Section& section, std::string_view name);

/// "a, b, c" from the names of the sections / of a section's keys.
std::string section_names();
std::string key_names(const Section& section);

/// A value quoted as TOML would write it, for messages: "tap0" → `"tap0"`.
std::string quote(std::string_view text);

}  // namespace tapstack::config::schema
