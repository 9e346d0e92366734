#pragma once
#include "stack/base/bytes.hpp"

namespace tapstack {

/// Where the stack's outgoing Ethernet frames go. Called synchronously; the
/// frame's bytes are valid only during the call, so a sink copies what it keeps.
class FrameSink {
 public:
  virtual ~FrameSink() = default;
  virtual void transmit(Bytes frame) = 0;
};

}  // namespace tapstack
