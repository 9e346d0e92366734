#pragma once
// Bounds-checked big-endian writer and reader for RPC bodies. The reader never
// reads past its span: every get_* returns false (and stays failed) instead.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "stack/base/bytes.hpp"

namespace tapstack::rpc {

/// Appends fields in network byte order to a growing buffer.
class Writer {
 public:
  explicit Writer(std::vector<std::uint8_t>& out) : out_(out) {}

  void u8(std::uint8_t v) { out_.push_back(v); }
  void u16(std::uint16_t v) {
    u8(static_cast<std::uint8_t>(v >> 8));
    u8(static_cast<std::uint8_t>(v));
  }
  void u32(std::uint32_t v) {
    u16(static_cast<std::uint16_t>(v >> 16));
    u16(static_cast<std::uint16_t>(v));
  }
  void i32(std::int32_t v) { u32(static_cast<std::uint32_t>(v)); }
  void u64(std::uint64_t v) {
    u32(static_cast<std::uint32_t>(v >> 32));
    u32(static_cast<std::uint32_t>(v));
  }
  /// A string with a u32 length prefix.
  void str(std::string_view s) {
    u32(static_cast<std::uint32_t>(s.size()));
    out_.insert(out_.end(), s.begin(), s.end());
  }

 private:
  std::vector<std::uint8_t>& out_;
};

/// Reads fields from a span; a read past the end fails the reader for good.
class Reader {
 public:
  explicit Reader(Bytes in) : in_(in) {}

  bool u8(std::uint8_t& v) {
    if (!need(1)) return false;
    v = in_[pos_++];
    return true;
  }
  bool u16(std::uint16_t& v) {
    if (!need(2)) return false;
    v = load_be16(in_, pos_);
    pos_ += 2;
    return true;
  }
  bool u32(std::uint32_t& v) {
    if (!need(4)) return false;
    v = load_be32(in_, pos_);
    pos_ += 4;
    return true;
  }
  bool i32(std::int32_t& v) {
    std::uint32_t u = 0;
    if (!u32(u)) return false;
    v = static_cast<std::int32_t>(u);
    return true;
  }
  bool u64(std::uint64_t& v) {
    std::uint32_t hi = 0;
    std::uint32_t lo = 0;
    if (!u32(hi) || !u32(lo)) return false;
    v = (std::uint64_t{hi} << 32) | lo;
    return true;
  }
  /// A u32-length-prefixed string of at most `max` bytes.
  bool str(std::string& s, std::size_t max) {
    std::uint32_t len = 0;
    if (!u32(len)) return false;
    if (len > max || !need(len)) return fail();
    s.assign(in_.begin() + static_cast<std::ptrdiff_t>(pos_),
             in_.begin() + static_cast<std::ptrdiff_t>(pos_ + len));
    pos_ += len;
    return true;
  }

  bool ok() const { return ok_; }
  /// True when every byte was consumed and nothing failed.
  bool at_end() const { return ok_ && pos_ == in_.size(); }
  bool fail() { return ok_ = false; }

 private:
  bool need(std::size_t n) {
    if (!ok_ || in_.size() - pos_ < n) return fail();
    return true;
  }

  Bytes in_;
  std::size_t pos_ = 0;
  bool ok_ = true;
};

}  // namespace tapstack::rpc
