#include "daemon/stack_driver.hpp"

#include <algorithm>

namespace tapstack::daemon {

StackDriver::StackDriver(boost::asio::io_context& io, Stack& stack)
    : stack_(stack), timer_(io), epoch_(std::chrono::steady_clock::now()) {}

Instant StackDriver::now() const {
  const auto elapsed = std::chrono::steady_clock::now() - epoch_;
  return Instant{std::chrono::duration_cast<Duration>(elapsed)};
}

void StackDriver::on_frame(Bytes frame, const RxOffload& offload) {
  if (impairment_ && impairment_->active()) {
    const Instant t = now();
    const auto submit = [&](Bytes f) { impairment_->submit(link::Direction::ToStack, f, t); };
    if (offload.needs_software()) {
      software_segment(frame, offload, submit);
    } else {
      submit(frame);
    }
  } else {
    stack_.receive(frame, now(), ReceiveOptions{offload.checksum_trusted()});
  }
}

void StackDriver::after_stack_work() {
  // Handlers may call into the stack, which can queue more events; loop until
  // quiet (bounded: a handler that keeps producing events gets the rest later).
  for (int round = 0; round < 16; ++round) {
    const Instant t = now();
    auto events = stack_.drain_events(t);
    if (events.empty()) break;
    if (!event_handler_) continue;
    for (const auto& event : events) event_handler_(event, t);
  }
  if (work_handler_) work_handler_(now());
  if (!watchers_.empty()) {
    const Instant t = now();
    std::erase_if(watchers_, [t](const auto& watcher) { return watcher(t); });
  }
  arm_timer();
}

void StackDriver::arm_timer() {
  Instant deadline = stack_.next_deadline();
  if (impairment_) deadline = std::min(deadline, impairment_->next_deadline());
  // A later deadline keeps the armed timer: it fires early, finds nothing
  // due and re-arms then. Moving it after every batch (the RTO moves with
  // every ACK) cost a timerfd_settime each time.
  if (deadline == armed_for_ || (armed_for_ != Instant::max() && deadline > armed_for_)) return;
  armed_for_ = deadline;
  if (deadline == Instant::max()) {
    timer_.cancel();
    return;
  }
  timer_.expires_at(epoch_ + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                                 deadline.time_since_epoch()));
  timer_.async_wait([this](const boost::system::error_code& ec) {
    if (ec) return;  // cancelled or re-armed
    armed_for_ = Instant::max();
    if (impairment_) impairment_->poll(now());
    stack_.poll(now());
    after_stack_work();
  });
}

}  // namespace tapstack::daemon
