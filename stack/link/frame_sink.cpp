#include "stack/link/frame_sink.hpp"

#include "stack/link/tcp_segmenter.hpp"

namespace tapstack {

void FrameSink::transmit_segmented(Bytes frame, std::uint16_t segment_size) {
  link::segment_tcp_frame(frame, segment_size, [this](Bytes piece) { transmit(piece); });
}

}  // namespace tapstack
