#pragma once
// Result<T>: a value or an Errc, in the spirit of std::expected (C++23), which
// g++ 12 in C++20 mode does not have. Expected failures travel as values;
// exceptions are for start-up and for bugs.
#include <cassert>
#include <utility>
#include <variant>

#include "stack/base/errc.hpp"

namespace tapstack {

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::in_place_index<0>, std::move(value)) {}  // NOLINT: implicit by design
  Result(Errc error) : v_(std::in_place_index<1>, error) { assert(error != Errc::Ok); }  // NOLINT

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }

  T& value() & { assert(ok()); return std::get<0>(v_); }
  const T& value() const& { assert(ok()); return std::get<0>(v_); }
  T&& value() && { assert(ok()); return std::get<0>(std::move(v_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  Errc error() const { return ok() ? Errc::Ok : std::get<1>(v_); }

 private:
  std::variant<T, Errc> v_;
};

template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Errc error) : error_(error) {}  // NOLINT: implicit by design

  bool ok() const { return error_ == Errc::Ok; }
  explicit operator bool() const { return ok(); }
  Errc error() const { return error_; }

 private:
  Errc error_ = Errc::Ok;
};

}  // namespace tapstack
