#pragma once
// Capture: every Ethernet frame the stack sends and receives, as pcapng, to
// `tapstack capture` subscribers and to the [capture] file. Frames the stack
// sent for a known reason carry it as a pcapng comment ("RTO retransmit #2",
// "zero-window probe #1", "challenge ACK"): the TCP layer traces each
// outgoing segment with its reason just before it leaves (stack/trace.hpp),
// TraceHub passes that to note_segment(), and the frame that follows with the
// same ports, sequence number and flags takes the note. Nothing is parsed or
// copied while nobody captures; a slow subscriber loses frames (counted, and
// reported in the comment of the next frame it gets), never stalls the stack.
#include <boost/asio/io_context.hpp>
#include <array>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "daemon/pcapng.hpp"
#include "daemon/stream_out.hpp"
#include "daemon/unique_fd.hpp"
#include "stack/base/bytes.hpp"
#include "stack/link/frame_sink.hpp"
#include "stack/trace.hpp"

namespace tapstack::daemon {

/// Which frames a subscriber wants: 0 fields match everything. A set filter
/// matches IPv4 frames only.
struct CaptureFilter {
  std::uint32_t address = 0;  // source or destination, host order
  std::uint16_t port = 0;     // TCP/UDP source or destination port
  bool matches(Bytes frame) const;
};

/// [capture] file settings: rotate to `path`.1 … once `rotate_bytes` are written.
struct CaptureFileSettings {
  std::string path;
  std::uint64_t rotate_bytes = 0;  // 0: never rotate
  std::uint32_t files = 1;         // files kept, the current one included
};

class Capture {
 public:
  Capture(boost::asio::io_context& io, std::string interface);
  ~Capture();
  Capture(const Capture&) = delete;
  Capture& operator=(const Capture&) = delete;

  bool active() const { return !subscribers_.empty() || file_ != nullptr; }
  void on_frame(Bytes frame, pcapng::Direction direction);
  /// An outgoing segment's trace event: its reason labels the matching frame.
  void note_segment(const TraceEvent& event);
  /// Streams pcapng to `fd`; ends the stream after `count` frames (0: no end).
  /// Closing the returned stream ends the subscription.
  std::shared_ptr<StreamOut> subscribe(UniqueFd fd, const CaptureFilter& filter,
                                       std::uint64_t count);
  /// Starts writing the [capture] file; false (logged) when it cannot be opened.
  bool open_file(const CaptureFileSettings& settings);

 private:
  struct Subscriber {
    std::shared_ptr<StreamOut> out;
    CaptureFilter filter;
    std::uint64_t remaining = 0;  // frames until the stream ends; 0: unlimited
    bool limited = false;
  };
  struct Note {
    std::uint16_t src_port = 0, dst_port = 0;
    std::uint32_t seq = 0;
    std::uint8_t flags = 0;
    std::string comment;
  };

  std::string comment_for(Bytes frame);
  void write_file(const std::vector<std::uint8_t>& block);
  void rotate();

  boost::asio::io_context& io_;
  std::string interface_;
  std::vector<Subscriber> subscribers_;
  std::array<Note, 8> notes_{};  // recent outgoing segments with a reason (a ring)
  std::size_t next_note_ = 0;
  CaptureFileSettings file_settings_;
  std::FILE* file_ = nullptr;
  std::uint64_t file_bytes_ = 0;
};

}  // namespace tapstack::daemon
