#pragma once
// The daemon's top level: one io_context thread that owns the TAP, the stack,
// the signals and systemd notification.
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <memory>

#include "config/config.hpp"
#include "daemon/capture.hpp"
#include "daemon/impair_link.hpp"
#include "daemon/options.hpp"
#include "daemon/os_rng.hpp"
#include "daemon/rpc_server.hpp"
#include "daemon/sd_notify.hpp"
#include "daemon/stack_driver.hpp"
#include "daemon/tap_device.hpp"
#include "daemon/trace_hub.hpp"
#include "stack/link/frame_sink.hpp"
#include "stack/stack.hpp"

namespace tapstack::daemon {

class App {
 public:
  /// Sets everything up; throws std::runtime_error with an operator-facing
  /// message when the interface or address cannot be configured.
  App(config::Config config, Options options);
  ~App();

  /// Runs until SIGTERM or SIGINT; returns the exit code.
  int run();

 private:
  /// Frames to the TAP; the capture sees them as they cross it.
  class TapSink final : public FrameSink {
   public:
    TapSink(TapDevice& tap, Capture& capture) : tap_(tap), capture_(capture) {}
    void transmit(Bytes frame) override {
      if (capture_.active()) capture_.on_frame(frame, pcapng::Direction::Out);
      tap_.send(frame);
    }
    // Only reached when the TAP segments for us (TcpSettings::segmentation_offload
    // is set from TapDevice::offload()). The capture shows the super-frame, as
    // a capture on a Linux host shows what TSO will cut.
    void transmit_segmented(Bytes frame, std::uint16_t segment_size) override {
      if (capture_.active()) capture_.on_frame(frame, pcapng::Direction::Out);
      tap_.send(frame, segment_size);
    }

   private:
    TapDevice& tap_;
    Capture& capture_;
  };

  void wait_for_signal();
  void reload();
  void stop();

  config::Config config_;
  Options options_;
  boost::asio::io_context io_{1};
  boost::asio::signal_set signals_;
  SystemdNotifier notifier_;
  OsRng rng_;
  std::unique_ptr<TapDevice> tap_;
  bool added_host_address_ = false;
  std::unique_ptr<Capture> capture_;    // `tapstack capture` and [capture]
  std::unique_ptr<TraceHub> trace_hub_;  // the stack's TraceSink: debug log, `tapstack trace`
  std::unique_ptr<TapSink> sink_;
  std::unique_ptr<ImpairLink> impair_;  // between the TAP and the stack, both ways
  std::unique_ptr<Stack> stack_;
  std::unique_ptr<StackDriver> driver_;
  std::unique_ptr<RpcServer> rpc_;  // after the stack: destroyed first
};

}  // namespace tapstack::daemon
