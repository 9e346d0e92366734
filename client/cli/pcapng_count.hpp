#pragma once
// Counts the packets (Enhanced Packet Blocks) of a pcapng stream as it goes
// by, for capture's "N packets captured" (tcpdump's closing line).
#include <cstddef>
#include <cstdint>
#include <vector>

namespace tapstack::cli {

class PcapngCounter {
 public:
  /// The next bytes of the stream, in any pieces.
  void feed(const char* data, std::size_t len);
  std::uint64_t packets() const { return packets_; }

 private:
  std::vector<std::uint8_t> header_;  // the block header read so far (type, length)
  std::uint64_t skip_ = 0;            // bytes left of the current block's body
  std::uint64_t packets_ = 0;
};

}  // namespace tapstack::cli
