#pragma once
// FuzzInput: the fuzzer's bytes read as the values a harness needs. Past the
// end every read gives zeros, so a short input is still a whole program.
#include <algorithm>
#include <cstddef>
#include <cstdint>

#include "stack/base/bytes.hpp"

namespace tapstack::test {

class FuzzInput {
 public:
  FuzzInput(const std::uint8_t* data, std::size_t size) : data_(data), size_(size) {}
  bool empty() const { return at_ >= size_; }
  std::uint8_t u8() { return at_ < size_ ? data_[at_++] : 0; }
  std::uint16_t u16() { return static_cast<std::uint16_t>(u8() << 8 | u8()); }
  std::uint32_t u32() { return std::uint32_t{u16()} << 16 | u16(); }
  /// Up to `n` of the next bytes (fewer at the end).
  Bytes bytes(std::size_t n) {
    n = std::min(n, size_ - std::min(at_, size_));
    const Bytes out(data_ + at_, n);
    at_ += n;
    return out;
  }

 private:
  const std::uint8_t* data_;
  std::size_t size_;
  std::size_t at_ = 0;
};

}  // namespace tapstack::test
