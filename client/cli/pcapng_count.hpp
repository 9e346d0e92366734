#pragma once
// Counts the packets of a pcapng stream as `tapstack capture` copies it, so
// that the end of the stream can be told apart: after --count packets the
// daemon ends it; earlier, the daemon went away.
#include <cstddef>
#include <cstdint>

namespace tapstack::cli {

/// Enhanced Packet Blocks in a little-endian pcapng stream (the daemon's,
/// daemon/pcapng.cpp) fed in pieces of any size.
class PacketCount {
 public:
  void feed(const char* data, std::size_t len);
  std::uint64_t packets() const { return packets_; }

 private:
  std::uint8_t header_[8] = {};  // block type and total length
  std::size_t have_ = 0;         // bytes of header_ read
  std::uint64_t skip_ = 0;       // bytes of the current block's body left
  std::uint64_t packets_ = 0;
};

}  // namespace tapstack::cli
