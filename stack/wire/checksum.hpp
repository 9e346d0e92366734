#pragma once
// The Internet checksum (RFC 1071) as an accumulator, plus the incremental
// update of RFC 1624 for rewriting one 16-bit field of a checksummed header.
#include <cstdint>

#include "stack/base/bytes.hpp"
#include "stack/wire/address.hpp"

namespace tapstack::wire {

class InternetChecksum {
 public:
  /// Adds bytes as a sequence of big-endian 16-bit words. Calls may be chained
  /// with odd lengths: an odd trailing byte is carried into the next call.
  void add(Bytes data);
  void add_u16(std::uint16_t word) { sum_ += word; }
  void add_u32(std::uint32_t word) { sum_ += (word >> 16) + (word & 0xffff); }

  /// The checksum to put on the wire: ones' complement of the folded sum.
  std::uint16_t finish() const;

 private:
  std::uint64_t sum_ = 0;
  bool odd_ = false;  // a high byte is pending from the previous add()
  std::uint8_t pending_ = 0;
};

/// Checksum of `data` alone; 0 means the data (with its checksum field) verifies.
std::uint16_t internet_checksum(Bytes data);

/// Starts an accumulator with the IPv4 pseudo-header of RFC 793/768.
InternetChecksum pseudo_header_checksum(Ipv4Address src, Ipv4Address dst, std::uint8_t protocol,
                                        std::uint16_t length);

/// RFC 1624 eqn. 3: the new checksum after a 16-bit field changes old → new.
std::uint16_t checksum_update(std::uint16_t checksum, std::uint16_t old_word,
                              std::uint16_t new_word);

}  // namespace tapstack::wire
