#include "stack/tcp/isn.hpp"

namespace tapstack::tcp {
namespace {

std::uint64_t tuple_word(const FourTuple& t) {
  return (std::uint64_t{t.local_port} << 48) | (std::uint64_t{t.remote_port} << 32) |
         t.remote_addr.value();
}

}  // namespace

std::uint32_t IsnGenerator::hash(const FourTuple& t, std::uint64_t extra) const {
  return static_cast<std::uint32_t>(siphash24(key_, {t.local_addr.value(), tuple_word(t), extra}));
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
