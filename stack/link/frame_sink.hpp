#pragma once
#include <cstdint>

#include "stack/base/bytes.hpp"

namespace tapstack {

/// Where the stack's outgoing Ethernet frames go. Called synchronously; the
/// frame's bytes are valid only during the call, so a sink copies what it keeps.
class FrameSink {
 public:
  virtual ~FrameSink() = default;
  virtual void transmit(Bytes frame) = 0;
  /// A TCP/IPv4 frame above the MTU whose payload the link cuts into segments
  /// of `segment_size` bytes (segmentation offload). The stack sends these
  /// only when told its link does this (TcpSettings::segmentation_offload);
  /// a sink that cannot leaves the default, which cuts it here.
  virtual void transmit_segmented(Bytes frame, std::uint16_t segment_size);
};

}  // namespace tapstack
