#pragma once
// Drives the sans-I/O Stack from the event loop: converts the steady clock to
// the stack's Instant, feeds frames in, and keeps one timer armed at
// Stack::next_deadline(). Anything that touched the stack calls after_stack_work()
// so events are handed out and the timer follows the new deadline.
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <functional>
#include <vector>

#include "daemon/offload.hpp"
#include "stack/events.hpp"
#include "stack/link/impairment.hpp"
#include "stack/stack.hpp"

namespace tapstack::daemon {

class StackDriver {
 public:
  using EventHandler = std::function<void(const SocketEvent&, Instant now)>;

  StackDriver(boost::asio::io_context& io, Stack& stack);

  /// The stack's notion of now: microseconds of the steady clock since start.
  Instant now() const;

  /// A frame from the TAP: to the stack, through the impairment model while
  /// it is active (which sees ordinary frames: offloaded ones are cut up and
  /// checksummed in software first, so its corruption is caught as on a wire).
  /// The caller runs after_stack_work() once after a batch of frames.
  void on_frame(Bytes frame, const RxOffload& offload = {});
  /// The model between the TAP and the stack; its deadline joins the stack's.
  void set_impairment(link::Impairment* model) { impairment_ = model; }
  /// Called for every socket event the stack queues, after each batch of work.
  void set_event_handler(EventHandler handler) { event_handler_ = std::move(handler); }
  /// Called once after each batch of work, for results the stack hands out
  /// by polling rather than as events (ping replies, DNS answers).
  void set_work_handler(std::function<void(Instant now)> handler) {
    work_handler_ = std::move(handler);
  }
  /// Runs `watcher` after each batch of work until it returns true: for
  /// conditions the stack reaches without an event (a lingering close).
  void add_watcher(std::function<bool(Instant now)> watcher) {
    watchers_.push_back(std::move(watcher));
  }
  /// Hands out queued events and re-arms the timer; call after any stack call.
  void after_stack_work();

 private:
  void arm_timer();

  Stack& stack_;
  link::Impairment* impairment_ = nullptr;
  boost::asio::steady_timer timer_;
  std::chrono::steady_clock::time_point epoch_;
  Instant armed_for_ = Instant::max();
  EventHandler event_handler_;
  std::function<void(Instant)> work_handler_;
  std::vector<std::function<bool(Instant)>> watchers_;
};

}  // namespace tapstack::daemon
