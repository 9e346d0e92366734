#pragma once
// Segmentation of a TCP/IPv4 super-frame into the frames a wire carries — the
// work a link with segmentation offload (a TAP with a virtio-net header, the
// kernel's GSO) does for the stack, done in software where a link cannot:
// received TSO super-frames on their way through the impairment model, and
// sent ones on a link that takes only ordinary frames.
#include <cstdint>
#include <functional>

#include "stack/base/bytes.hpp"

namespace tapstack::link {

/// Calls `emit` with each frame of `frame` (Ethernet + IPv4 + TCP) cut into
/// segments of `segment_size` payload bytes: headers copied, sequence numbers,
/// lengths and IPv4 ids advanced, FIN and PSH on the last segment only, CWR on
/// the first only, every IPv4 and TCP checksum computed afresh. A frame that
/// is not TCP/IPv4, or `segment_size` 0, is emitted unchanged.
void segment_tcp_frame(Bytes frame, std::uint16_t segment_size,
                       const std::function<void(Bytes)>& emit);

}  // namespace tapstack::link
