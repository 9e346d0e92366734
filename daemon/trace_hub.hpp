#pragma once
// TraceHub: the daemon's TraceSink. Each TCP trace event goes to the log at
// debug level (the same line `tapstack trace` prints) and to every trace
// subscriber whose filter matches, as a line or a JSON object. Outgoing
// segment events also tell the capture why the next frame is sent. With the
// log above debug and nobody watching, an event costs one branch.
#include <boost/asio/io_context.hpp>
#include <cstdint>
#include <memory>
#include <vector>

#include "daemon/stream_out.hpp"
#include "daemon/unique_fd.hpp"
#include "stack/trace.hpp"

namespace tapstack::daemon {

class Capture;

/// Which events a subscriber wants: 0 / unset fields match everything.
struct TraceFilter {
  std::uint32_t socket = 0;   // SocketId value, as `tapstack sockets` shows
  std::uint32_t address = 0;  // either endpoint's address, host order
  std::uint16_t port = 0;     // either endpoint's port
  bool matches(const TraceEvent& event) const;
};

class TraceHub final : public TraceSink {
 public:
  explicit TraceHub(boost::asio::io_context& io) : io_(io) {}
  void on_trace(const TraceEvent& event) override;

  /// Streams matching events to `fd` (the daemon's end of a socketpair);
  /// closing the returned stream ends the subscription.
  std::shared_ptr<StreamOut> subscribe(UniqueFd fd, const TraceFilter& filter, bool json,
                                       bool absolute);
  void set_capture(Capture* capture) { capture_ = capture; }
  std::size_t subscribers() const { return subscribers_.size(); }

 private:
  struct Subscriber {
    std::shared_ptr<StreamOut> out;
    TraceFilter filter;
    bool json = false;
    bool absolute = false;
  };

  boost::asio::io_context& io_;
  std::vector<Subscriber> subscribers_;
  Capture* capture_ = nullptr;
};

}  // namespace tapstack::daemon
