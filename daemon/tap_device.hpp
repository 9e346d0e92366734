#pragma once
// The TAP interface: created (or attached to), configured, and read/written
// without blocking through Asio. Frames are handed out whole; the read path
// drains the fd until EAGAIN on each wake-up, the write path queues with a bound.
#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <sys/types.h>

#include <cstdint>
#include <deque>
#include <functional>
#include <string>
#include <vector>

#include "daemon/offload.hpp"
#include "stack/base/bytes.hpp"

namespace tapstack::daemon {

struct TapOptions {
  std::string name = "tap0";
  bool attach = false;  // the interface must already exist (a persistent TAP)
  std::uint32_t mtu = 1500;
  /// Receive offload (IFF_VNET_HDR, TUNSETOFFLOAD TUN_F_CSUM | TUN_F_TSO4):
  /// the kernel hands over TSO super-frames of up to 64 KiB. An attached TAP
  /// keeps its creator's choice: without IFF_VNET_HDR it runs without offload.
  bool offload = true;
};

struct TapCounters {
  std::uint64_t rx_frames = 0;
  std::uint64_t tx_frames = 0;
  std::uint64_t tx_queue_drops = 0;  // frames dropped because the write queue was full
  std::uint64_t tx_errors = 0;
};

class TapDevice {
 public:
  /// A frame (without the virtio-net header) and what that header said.
  using FrameHandler = std::function<void(Bytes frame, const RxOffload& offload)>;
  /// Runs once after each batch of frames read at one wake-up.
  using BatchDone = std::function<void()>;

  /// Opens /dev/net/tun, creates or attaches the interface, sets its MTU and
  /// brings it up. Throws std::runtime_error with a message for the operator.
  TapDevice(boost::asio::io_context& io, const TapOptions& options);
  ~TapDevice();
  TapDevice(const TapDevice&) = delete;
  TapDevice& operator=(const TapDevice&) = delete;

  /// Starts reading; `handler` gets each frame (valid only during the call),
  /// `batch_done` runs after each batch, so work that follows frames (socket
  /// events, application reads) is done once per batch, not once per frame.
  void start(FrameHandler handler, BatchDone batch_done);
  /// Writes a frame, or queues it while the fd is full; drops it when the queue
  /// is full. `segment_size` non-zero: a TCP super-frame the kernel cuts into
  /// segments of that payload size (only when offload() is true).
  void send(Bytes frame, std::uint16_t segment_size = 0);
  void close();

  const std::string& name() const { return name_; }
  unsigned index() const { return index_; }
  const TapCounters& counters() const { return counters_; }
  /// True when the kernel does segmentation offload for us: it hands us TSO
  /// super-frames and takes ours (virtio-net header).
  bool offload() const { return offload_; }

 private:
  void wait_readable();
  /// Reads up to a bounded batch of frames; returns how many.
  int drain_reads();
  void wait_writable();
  void flush_queue();
  /// One write of `frame`, behind a virtio-net header when the TAP has one
  /// (all zero: a plain frame with its checksums complete).
  ssize_t write_frame(Bytes frame, std::uint16_t segment_size);

  static constexpr std::size_t kMaxQueuedFrames = 4096;

  boost::asio::posix::stream_descriptor fd_;
  std::string name_;
  unsigned index_ = 0;
  std::size_t max_frame_;
  bool vnet_header_ = false;  // every read and write starts with a virtio-net header
  bool offload_ = false;
  FrameHandler handler_;
  BatchDone batch_done_;
  std::vector<std::uint8_t> read_buffer_;
  struct QueuedFrame {
    std::vector<std::uint8_t> bytes;
    std::uint16_t segment_size = 0;
  };
  std::deque<QueuedFrame> write_queue_;
  bool write_waiting_ = false;
  TapCounters counters_;
};

}  // namespace tapstack::daemon
