#pragma once
// Builders for schema::Key, so that the table in schema.cpp reads one line per
// key: the key's name, the field it fills (a pointer to member), what is
// allowed and what it means. Internal to config/.
#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <variant>

#include "config/schema.hpp"

namespace tapstack::config::schema {

/// An inclusive integer range, shown as "min..max".
struct Range {
  std::int64_t min;
  std::int64_t max;
};

/// Why a string was refused, as a phrase that follows the quoted value:
/// "is not a MAC address".
struct Refusal {
  std::string why;
};

/// A string key's converter: the converted value or a Refusal.
template <class T>
using Parsed = std::variant<T, Refusal>;
template <class T>
using Parser = std::function<Parsed<T>(std::string_view)>;

/// "expected an integer, got a string" unless `value` has type `type`.
std::optional<Problem> expect_type(const Value& value, Type type);

/// "576..9000".
std::string to_string(Range range);

/// True when a key's value is the same in two sections.
template <class S>
using Same = std::function<bool(const S&, const S&)>;

/// Same<S> for a key stored in one field.
template <class S, class T>
Same<S> same_field(T S::*field) {
  return [field](const S& a, const S& b) { return a.*field == b.*field; };
}

/// Builds the keys of the section stored at `Config::*section`.
template <class S>
class SectionOf {
 public:
  explicit SectionOf(S Config::*section) : section_(section) {}

  /// A boolean key.
  Key boolean(std::string_view name, bool S::*field, std::string_view doc) const {
    return custom(name, "true or false", doc,
                  [field](const Value& value, S& s) -> std::optional<Problem> {
                    if (auto problem = expect_type(value, Type::Boolean)) return problem;
                    s.*field = value.boolean;
                    return std::nullopt;
                  },
                  same_field(field));
  }

  /// An integer key in `range`; the field may be any integer type or a
  /// std::chrono duration (the TOML integer is then its count, e.g. in ms).
  template <class T>
  Key integer(std::string_view name, T S::*field, Range range, std::string_view doc) const {
    return custom(name, to_string(range), doc,
                  [field, range](const Value& value, S& s) -> std::optional<Problem> {
                    if (auto problem = expect_type(value, Type::Integer)) return problem;
                    if (value.integer < range.min || value.integer > range.max) {
                      return value.written + " is out of range";
                    }
                    s.*field = from_integer<T>(value.integer);
                    return std::nullopt;
                  },
                  same_field(field));
  }

  /// A string key converted by `parse`.
  template <class T>
  Key text(std::string_view name, T S::*field, Parser<T> parse, std::string allowed,
           std::string_view doc) const {
    return custom(name, std::move(allowed), doc,
                  [field, parse](const Value& value, S& s) -> std::optional<Problem> {
                    if (auto problem = expect_type(value, Type::String)) return problem;
                    auto parsed = parse(value.string);
                    if (auto* refusal = std::get_if<Refusal>(&parsed)) {
                      return value.written + " " + refusal->why;
                    }
                    s.*field = std::get<T>(std::move(parsed));
                    return std::nullopt;
                  },
                  same_field(field));
  }

  /// A string key for an optional field: "none", or leaving the key out,
  /// gives std::nullopt; anything else goes through `parse`.
  template <class T>
  Key optional_text(std::string_view name, std::optional<T> S::*field, Parser<T> parse,
                    std::string allowed, std::string_view doc) const {
    Parser<std::optional<T>> or_none = [parse](std::string_view text) -> Parsed<std::optional<T>> {
      if (text == "none") return std::optional<T>{};
      auto parsed = parse(text);
      if (auto* refusal = std::get_if<Refusal>(&parsed)) return std::move(*refusal);
      return std::optional<T>{std::get<T>(std::move(parsed))};
    };
    Key key = text(name, field, std::move(or_none), std::move(allowed) + ", or \"none\"", doc);
    key.when_absent = [section = section_, field](Config& config) {
      (config.*section).*field = std::nullopt;
    };
    return key;
  }

  /// A key checked by hand: `apply` stores the value in the section or says
  /// what is wrong with it; `same` compares the value in two sections.
  Key custom(std::string_view name, std::string allowed, std::string_view doc,
             std::function<std::optional<Problem>(const Value&, S&)> apply, Same<S> same) const {
    return Key{name, std::move(allowed), doc,
               [section = section_, apply = std::move(apply)](const Value& value, Config& config) {
                 return apply(value, config.*section);
               },
               {},
               [section = section_, same = std::move(same)](const Config& a, const Config& b) {
                 return same(a.*section, b.*section);
               }};
  }

 private:
  template <class T>
  static T from_integer(std::int64_t value) {
    if constexpr (std::is_integral_v<T>) {
      return static_cast<T>(value);
    } else {
      return T{static_cast<typename T::rep>(value)};
    }
  }

  S Config::*section_;
};

}  // namespace tapstack::config::schema
