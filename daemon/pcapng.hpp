#pragma once
// pcapng blocks (draft-ietf-opsawg-pcapng): a Section Header Block, one
// Interface Description Block (Ethernet, microsecond timestamps) and Enhanced
// Packet Blocks with an optional comment and the direction flag, so Wireshark
// shows why the stack sent a frame next to it. Little-endian, as the host.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "stack/base/bytes.hpp"

namespace tapstack::daemon::pcapng {

enum class Direction : std::uint8_t { In, Out };

/// SHB followed by the IDB of interface 0 (`interface` names it).
std::vector<std::uint8_t> header(std::string_view interface);

/// One frame seen at `micros` since the Unix epoch. `comment` may be empty.
std::vector<std::uint8_t> packet(std::uint64_t micros, Bytes frame, Direction direction,
                                 std::string_view comment);

}  // namespace tapstack::daemon::pcapng
