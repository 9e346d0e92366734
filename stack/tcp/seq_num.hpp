#pragma once
// Sequence numbers (RFC 9293 §3.4): 32-bit values compared modulo 2^32. There
// is deliberately no operator<; every ordering question goes through seq_lt
// and friends, which are correct across the wrap as long as the two values
// are within 2^31 of each other (gVisor seqnum, smoltcp SeqNumber).
#include <cstdint>

namespace tapstack::tcp {

class SeqNum {
 public:
  constexpr SeqNum() = default;
  constexpr explicit SeqNum(std::uint32_t raw) : raw_(raw) {}

  constexpr std::uint32_t raw() const { return raw_; }

  constexpr SeqNum operator+(std::uint32_t n) const { return SeqNum{raw_ + n}; }
  constexpr SeqNum operator-(std::uint32_t n) const { return SeqNum{raw_ - n}; }
  constexpr SeqNum& operator+=(std::uint32_t n) {
    raw_ += n;
    return *this;
  }
  /// The distance from `from` forward to this value (modulo 2^32).
  constexpr std::uint32_t since(SeqNum from) const { return raw_ - from.raw_; }

  friend constexpr bool operator==(SeqNum, SeqNum) = default;

 private:
  std::uint32_t raw_ = 0;
};

/// a < b in sequence space.
constexpr bool seq_lt(SeqNum a, SeqNum b) {
  return static_cast<std::int32_t>(a.raw() - b.raw()) < 0;
}
constexpr bool seq_le(SeqNum a, SeqNum b) { return a == b || seq_lt(a, b); }
constexpr bool seq_gt(SeqNum a, SeqNum b) { return seq_lt(b, a); }
constexpr bool seq_ge(SeqNum a, SeqNum b) { return seq_le(b, a); }
constexpr SeqNum seq_max(SeqNum a, SeqNum b) { return seq_lt(a, b) ? b : a; }
constexpr SeqNum seq_min(SeqNum a, SeqNum b) { return seq_lt(a, b) ? a : b; }

/// start <= x < start + len, with one unsigned comparison (correct at the wrap).
constexpr bool in_window(SeqNum x, SeqNum start, std::uint32_t len) {
  return x.since(start) < len;
}

}  // namespace tapstack::tcp
