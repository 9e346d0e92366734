#include "stack/tcp/isn.hpp"

namespace tapstack::tcp {
namespace {

constexpr std::uint64_t rotl(std::uint64_t x, int b) { return (x << b) | (x >> (64 - b)); }

struct SipState {
  std::uint64_t v0, v1, v2, v3;
  void round() {
    v0 += v1; v1 = rotl(v1, 13); v1 ^= v0; v0 = rotl(v0, 32);
    v2 += v3; v3 = rotl(v3, 16); v3 ^= v2;
    v0 += v3; v3 = rotl(v3, 21); v3 ^= v0;
    v2 += v1; v1 = rotl(v1, 17); v1 ^= v2; v2 = rotl(v2, 32);
  }
};

std::uint64_t tuple_word(const FourTuple& t) {
  return (std::uint64_t{t.local_port} << 48) | (std::uint64_t{t.remote_port} << 32) |
         t.remote_addr.value();
}

}  // namespace

std::uint64_t siphash24(std::uint64_t k0, std::uint64_t k1, const std::uint64_t* words,
                        std::size_t count) {
  SipState s{k0 ^ 0x736f6d6570736575ull, k1 ^ 0x646f72616e646f6dull, k0 ^ 0x6c7967656e657261ull,
             k1 ^ 0x7465646279746573ull};
  for (std::size_t i = 0; i < count; ++i) {
    s.v3 ^= words[i];
    s.round();
    s.round();
    s.v0 ^= words[i];
  }
  // Final block: message length in bytes in the top byte, no trailing bytes.
  const std::uint64_t last = static_cast<std::uint64_t>(count * 8) << 56;
  s.v3 ^= last;
  s.round();
  s.round();
  s.v0 ^= last;
  s.v2 ^= 0xff;
  for (int i = 0; i < 4; ++i) s.round();
  return s.v0 ^ s.v1 ^ s.v2 ^ s.v3;
}

std::uint32_t IsnGenerator::hash(const FourTuple& t, std::uint64_t extra) const {
  const std::uint64_t words[3] = {t.local_addr.value(), tuple_word(t), extra};
  return static_cast<std::uint32_t>(siphash24(k0_, k1_, words, 3));
}

std::uint32_t IsnGenerator::timestamp_offset(const FourTuple& t) const {
  // All ones is no SYN cookie's extra word (its 64 s clock would be 2^30 ticks).
  return hash(t, ~std::uint64_t{0});
}

std::uint32_t IsnGenerator::isn(const FourTuple& t, Instant now) const {
  const auto ticks = static_cast<std::uint64_t>(to_micros(now)) / 4;  // RFC 6528 §3: 4 µs timer
  return static_cast<std::uint32_t>(ticks) + hash(t, 0);
}

}  // namespace tapstack::tcp
