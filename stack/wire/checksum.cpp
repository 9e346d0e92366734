#include "stack/wire/checksum.hpp"

#include <bit>
#include <cstring>

namespace tapstack::wire {
namespace {

std::uint16_t fold(std::uint64_t sum) {
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return static_cast<std::uint16_t>(sum);
}

}  // namespace

// RFC 1071 §2(B): the ones' complement sum does not depend on byte order, so
// the bulk of the data is summed four bytes at a time in the machine's own
// order and the folded result swapped once (§4.1 does the same on 68020s).
void InternetChecksum::add(Bytes data) {
  std::size_t i = 0;
  if (odd_ && !data.empty()) {
    sum_ += (std::uint32_t{pending_} << 8) | data[0];
    odd_ = false;
    i = 1;
  }
  std::uint64_t native = 0;  // cannot overflow: at most 2^30 words of < 2^32
  for (; i + 4 <= data.size(); i += 4) {
    std::uint32_t word = 0;
    std::memcpy(&word, data.data() + i, sizeof word);
    native += word;
  }
  std::uint16_t folded = fold(native);
  if constexpr (std::endian::native == std::endian::little) {
    folded = static_cast<std::uint16_t>((folded >> 8) | (folded << 8));
  }
  sum_ += folded;
  for (; i + 1 < data.size(); i += 2) sum_ += (std::uint32_t{data[i]} << 8) | data[i + 1];
  if (i < data.size()) {
    pending_ = data[i];
    odd_ = true;
  }
}

std::uint16_t InternetChecksum::finish() const {
  std::uint64_t sum = sum_;
  if (odd_) sum += std::uint32_t{pending_} << 8;  // RFC 1071: pad with a zero byte
  return static_cast<std::uint16_t>(~fold(sum));
}

std::uint16_t internet_checksum(Bytes data) {
  InternetChecksum c;
  c.add(data);
  return c.finish();
}

InternetChecksum pseudo_header_checksum(Ipv4Address src, Ipv4Address dst, std::uint8_t protocol,
                                        std::uint16_t length) {
  InternetChecksum c;
  c.add_u32(src.value());
  c.add_u32(dst.value());
  c.add_u16(protocol);
  c.add_u16(length);
  return c;
}

std::uint16_t checksum_update(std::uint16_t checksum, std::uint16_t old_word,
                              std::uint16_t new_word) {
  // HC' = ~(~HC + ~m + m')
  const std::uint64_t sum = std::uint64_t{static_cast<std::uint16_t>(~checksum)} +
                            static_cast<std::uint16_t>(~old_word) + new_word;
  return static_cast<std::uint16_t>(~fold(sum));
}

}  // namespace tapstack::wire
