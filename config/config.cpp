// TOML → Config: toml++ parses, the schema (schema.cpp) checks and stores.
// Every problem is collected with its place (FILE:LINE:COL from toml++'s
// source regions, or the --set override it came from) before one
// ConfigException reports them all. toml++ is built with exceptions (the
// Debian library is), so its parse errors arrive as toml::parse_error.
#include "config/config.hpp"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <memory>
#include <system_error>

#include <toml++/toml.h>

#include "config/schema.hpp"
#include "config/spelling.hpp"

namespace tapstack::config {
namespace {

using schema::Type;
using schema::Value;

std::string join_messages(const std::vector<ConfigError>& errors) {
  std::string out;
  for (const auto& error : errors) {
    if (!out.empty()) out += '\n';
    out += error.message;
  }
  return out;
}

/// Where a value came from: "file:12:7" or "--set interface.mtu=9000", and
/// a number that orders messages as the file reads, overrides last.
struct Place {
  std::string text;
  std::uint64_t order = 0;
};

Place position(std::string_view source, const toml::source_region& region) {
  return {std::string(source) + ":" + std::to_string(region.begin.line) + ":" +
              std::to_string(region.begin.column),
          (std::uint64_t{region.begin.line} << 32) | region.begin.column};
}

Place label(const Override& override_) {
  return {"--set " + override_.key + "=" + override_.value, ~std::uint64_t{0}};
}

/// "WHERE: SUBJECT: PROBLEM; allowed: ALLOWED", the one shape of every message.
ConfigError make_error(std::string_view where, std::string_view subject, std::string_view problem,
                       std::string_view allowed) {
  std::string message = std::string(where) + ": " + std::string(subject) + ": " +
                        std::string(problem);
  if (!allowed.empty()) message += "; allowed: " + std::string(allowed);
  return ConfigError{std::move(message)};
}

/// Every problem found so far, kept with its place to be sorted in the end.
class Errors {
 public:
  void add(const Place& place, std::string_view subject, std::string_view problem,
           std::string_view allowed) {
    errors_.emplace_back(place.order, make_error(place.text, subject, problem, allowed));
  }

  bool empty() const { return errors_.empty(); }

  /// Throws them all, in file order.
  [[noreturn]] void raise() {
    std::stable_sort(errors_.begin(), errors_.end(),
                     [](const auto& a, const auto& b) { return a.first < b.first; });
    std::vector<ConfigError> sorted;
    for (auto& error : errors_) sorted.push_back(std::move(error.second));
    throw ConfigException(std::move(sorted));
  }

 private:
  std::vector<std::pair<std::uint64_t, ConfigError>> errors_;
};

std::string did_you_mean(std::string_view what, std::string_view word,
                         const std::vector<std::string_view>& candidates) {
  std::string problem = "unknown " + std::string(what);
  if (const auto match = closest_match(word, candidates)) {
    problem += " (did you mean '" + std::string(*match) + "'?)";
  }
  return problem;
}

void unknown_section(Errors& errors, const Place& place, std::string_view name) {
  std::vector<std::string_view> names;
  for (const auto& section : schema::sections()) names.push_back(section.name);
  errors.add(place, name, did_you_mean("section", name, names), schema::section_names());
}

void unknown_key(Errors& errors, const Place& place, const schema::Section& section,
                 std::string_view name) {
  std::vector<std::string_view> names;
  for (const auto& key : section.keys) names.push_back(key.name);
  errors.add(place, std::string(section.name) + "." + std::string(name),
             did_you_mean("key", name, names), schema::key_names(section));
}

std::string written_integer(const toml::value<std::int64_t>& node) {
  const auto format = static_cast<unsigned>(node.flags()) & 3u;
  const auto value = node.get();
  if (value < 0 || format == 0) return std::to_string(value);
  static constexpr std::string_view kPrefix[] = {"", "0b", "0o", "0x"};
  static constexpr unsigned kBase[] = {10, 2, 8, 16};
  std::string digits;
  for (auto rest = static_cast<std::uint64_t>(value); digits.empty() || rest != 0;
       rest /= kBase[format]) {
    digits.insert(digits.begin(), "0123456789abcdef"[rest % kBase[format]]);
  }
  return std::string(kPrefix[format]) + digits;
}

Value to_value(const toml::node& node) {
  Value value;
  switch (node.type()) {
    case toml::node_type::boolean:
      value.type = Type::Boolean;
      value.boolean = node.as_boolean()->get();
      value.written = value.boolean ? "true" : "false";
      break;
    case toml::node_type::integer:
      value.type = Type::Integer;
      value.integer = node.as_integer()->get();
      value.written = written_integer(*node.as_integer());
      break;
    case toml::node_type::string:
      value.type = Type::String;
      value.string = node.as_string()->get();
      value.written = schema::quote(value.string);
      break;
    case toml::node_type::floating_point: {
      value.type = Type::Float;
      value.number = node.as_floating_point()->get();
      char text[32];
      std::snprintf(text, sizeof text, "%g", value.number);
      value.written = text;
      break;
    }
    case toml::node_type::array: {
      value.type = Type::Array;
      value.written = "[";
      for (const auto& item : *node.as_array()) {
        value.items.push_back(to_value(item));
        value.written += (value.items.size() > 1 ? ", " : "") + value.items.back().written;
      }
      value.written += "]";
      break;
    }
    case toml::node_type::date: value.type = Type::Date; break;
    case toml::node_type::time: value.type = Type::Time; break;
    case toml::node_type::date_time: value.type = Type::DateTime; break;
    case toml::node_type::table:
    case toml::node_type::none: value.type = Type::Table; break;
  }
  return value;
}

/// An override's value is TOML; text that is not a TOML value is a string.
Value override_value(std::string_view text) {
  try {
    const auto table = toml::parse("v = " + std::string(text));
    if (const auto* node = table.get("v"); node != nullptr && table.size() == 1) {
      return to_value(*node);
    }
  } catch (const toml::parse_error&) {
    // Not TOML: a bare word such as tap1.
  }
  return Value{Type::String, false, 0, 0, std::string(text), schema::quote(text), {}};
}

/// One key's value, from the file or an override, waiting to be applied.
struct Entry {
  const schema::Section* section;
  const schema::Key* key;
  Value value;
  Place place;
};

/// Turns the file's table and the overrides into entries (the overrides
/// replacing the file's values), recording unknown names as it goes.
class Collector {
 public:
  explicit Collector(std::string_view source) : source_(source) {}

  void add_file(const toml::table& root) {
    for (const auto& [name, node] : root) {
      const auto* section = schema::find_section(name.str());
      if (section == nullptr) {
        unknown_section(errors_, position(source_, name.source()), name.str());
      } else if (const auto* table = node.as_table()) {
        add_section(*section, *table);
      } else {
        errors_.add(position(source_, node.source()), name.str(),
                    "expected a table, got " + std::string(schema::describe(to_value(node).type)),
                    "a table: [" + std::string(name.str()) + "]");
      }
    }
  }

  void add_override(const Override& override_) {
    const auto place = label(override_);
    const auto dot = override_.key.find('.');
    const auto section_name = std::string_view(override_.key).substr(0, dot);
    const auto* section = schema::find_section(section_name);
    if (section == nullptr) {
      unknown_section(errors_, place, section_name);
      return;
    }
    const auto key_name = dot == std::string::npos ? std::string_view{}
                                                   : std::string_view(override_.key).substr(dot + 1);
    const auto* key = schema::find_key(*section, key_name);
    if (key == nullptr) {
      unknown_key(errors_, place, *section, key_name);
      return;
    }
    put(Entry{section, key, override_value(override_.value), place});
  }

  std::vector<Entry>& entries() { return entries_; }
  Errors& errors() { return errors_; }

 private:
  void add_section(const schema::Section& section, const toml::table& table) {
    for (const auto& [name, node] : table) {
      const auto* key = schema::find_key(section, name.str());
      if (key == nullptr) {
        unknown_key(errors_, position(source_, name.source()), section, name.str());
      } else {
        put(Entry{&section, key, to_value(node), position(source_, node.source())});
      }
    }
  }

  void put(Entry entry) {
    for (auto& existing : entries_) {
      if (existing.key == entry.key) {
        existing = std::move(entry);
        return;
      }
    }
    entries_.push_back(std::move(entry));
  }

  std::string_view source_;
  std::vector<Entry> entries_;
  Errors errors_;
};

std::string dotted(const schema::Section& section, const schema::Key& key) {
  return std::string(section.name) + "." + std::string(key.name);
}

/// Applies the entries to a default Config, runs when_absent for the keys
/// left out, then the cross-key rules, adding every problem to `errors`.
Config apply(const std::vector<Entry>& entries, std::string_view source, Errors& errors) {
  Config config;
  config.source = std::string(source);
  std::vector<std::string_view> failed;  // sections with a refused value
  for (const auto& entry : entries) {
    if (auto problem = entry.key->apply(entry.value, config)) {
      errors.add(entry.place, dotted(*entry.section, *entry.key), *problem, entry.key->allowed);
      failed.push_back(entry.section->name);
    }
  }
  for (const auto& section : schema::sections()) {
    for (const auto& key : section.keys) {
      const bool given = std::any_of(entries.begin(), entries.end(),
                                     [&](const Entry& entry) { return entry.key == &key; });
      if (!given && key.when_absent) key.when_absent(config);
    }
  }
  for (const auto& rule : schema::rules()) {
    // A refused value left a default in its place; a rule would judge that.
    if (std::find(failed.begin(), failed.end(), rule.section) != failed.end()) continue;
    const auto problem = rule.check(config);
    if (!problem) continue;
    Place place{std::string(source), 0};
    for (const auto& entry : entries) {
      if (entry.section->name == rule.section && entry.key->name == rule.key) place = entry.place;
    }
    errors.add(place, std::string(rule.section) + "." + std::string(rule.key), *problem,
               rule.allowed);
  }
  return config;
}

bool is_name_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '-';
}

bool is_dotted_name(std::string_view key) {
  const auto dot = key.find('.');
  if (dot == std::string_view::npos || dot == 0 || dot + 1 == key.size()) return false;
  for (std::size_t i = 0; i < key.size(); ++i) {
    if (i != dot && !is_name_char(key[i])) return false;
  }
  return true;
}

std::string_view trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

std::string read_file(const std::string& path) {
  const auto fail = [&path] {
    const auto reason = std::generic_category().message(errno);
    throw ConfigException({ConfigError{"cannot read " + path + ": " + reason}});
  };
  errno = 0;
  const std::unique_ptr<std::FILE, int (*)(std::FILE*)> file(std::fopen(path.c_str(), "rb"),
                                                             &std::fclose);
  if (!file) fail();
  std::string text;
  char buffer[4096];
  std::size_t got = 0;
  while ((got = std::fread(buffer, 1, sizeof buffer, file.get())) > 0) text.append(buffer, got);
  if (std::ferror(file.get())) fail();
  return text;
}

}  // namespace

ConfigException::ConfigException(std::vector<ConfigError> errors)
    : std::runtime_error(join_messages(errors)), errors_(std::move(errors)) {}

Config parse_config(std::string_view text, std::string_view source_name,
                    const std::vector<Override>& overrides) {
  Collector collector(source_name);
  try {
    collector.add_file(toml::parse(text, source_name));
  } catch (const toml::parse_error& error) {
    // toml++ stops at the first syntax error, so there is nothing more to collect.
    throw ConfigException({ConfigError{position(source_name, error.source()).text +
                                       ": syntax error: " + std::string(error.description())}});
  }
  for (const auto& override_ : overrides) collector.add_override(override_);
  auto& errors = collector.errors();
  Config config = apply(collector.entries(), source_name, errors);
  if (!errors.empty()) errors.raise();
  return config;
}

Config load_config(const std::string& path, const std::vector<Override>& overrides) {
  return parse_config(read_file(path), path, overrides);
}

Override parse_override(std::string_view text) {
  const std::string where = "--set " + std::string(text);
  const auto equals = text.find('=');
  const auto key = trim(text.substr(0, equals));
  if (equals == std::string_view::npos || !is_dotted_name(key)) {
    throw ConfigException({ConfigError{where +
                                       ": expected SECTION.KEY=VALUE; allowed: a section.key, '=' "
                                       "and a TOML value or a bare word, e.g. interface.mtu=9000 "
                                       "or interface.name=tap1"}});
  }
  // The key and the value are checked with the file, by parse_config.
  return Override{std::string(key), std::string(trim(text.substr(equals + 1)))};
}

std::string_view to_string(LogLevel level) {
  switch (level) {
    case LogLevel::Trace: return "trace";
    case LogLevel::Debug: return "debug";
    case LogLevel::Info: return "info";
    case LogLevel::Warn: return "warn";
    case LogLevel::Error: return "error";
    case LogLevel::Off: return "off";
  }
  return "info";
}

std::string describe_keys() {
  std::string out;
  for (const auto& section : schema::sections()) {
    for (const auto& key : section.keys) {
      out += dotted(section, key) + ": " + std::string(key.doc) + "; allowed: " + key.allowed +
             "\n";
    }
  }
  return out;
}

std::vector<std::string> changed_keys(const Config& a, const Config& b) {
  std::vector<std::string> changed;
  for (const auto& section : schema::sections()) {
    for (const auto& key : section.keys) {
      if (!key.same(a, b)) changed.push_back(dotted(section, key));
    }
  }
  return changed;
}

}  // namespace tapstack::config
