#include "daemon/trace_hub.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <string>

#include "daemon/capture.hpp"
#include "stack/trace_format.hpp"

namespace tapstack::daemon {
namespace {

/// Per subscriber; about a few thousand lines.
constexpr std::size_t kMaxQueued = 512 * 1024;

}  // namespace

bool TraceFilter::matches(const TraceEvent& e) const {
  if (socket != 0 && e.socket.value != socket) return false;
  if (address != 0 && e.tuple.local_addr.value() != address &&
      e.tuple.remote_addr.value() != address) {
    return false;
  }
  if (port != 0 && e.tuple.local_port != port && e.tuple.remote_port != port) return false;
  return true;
}

void TraceHub::on_trace(const TraceEvent& event) {
  if (capture_ != nullptr && event.kind == TraceKind::SegmentOut) capture_->note_segment(event);
  const bool log = spdlog::should_log(spdlog::level::debug);
  if (!log && subscribers_.empty()) return;
  std::string line;
  if (log) {
    line = format_trace_line(event);
    spdlog::debug("trace {}", line);
  }
  bool pruned = false;
  for (auto& s : subscribers_) {
    if (s.out->closed()) {
      pruned = true;
      continue;
    }
    if (!s.filter.matches(event)) continue;
    if (const auto lost = s.out->unreported_lost(); lost > 0) {
      const std::string note = s.json ? "{\"lost\":" + std::to_string(lost) + "}\n"
                                      : "# lost " + std::to_string(lost) +
                                            " events (the reader was too slow)\n";
      if (s.out->has_room(note.size()) && s.out->push(note)) s.out->clear_unreported();
    }
    if (s.json) {
      s.out->push(format_trace_json(event) + "\n");
    } else if (s.absolute) {
      s.out->push(format_trace_line(event, {.absolute = true}) + "\n");
    } else {
      if (line.empty()) line = format_trace_line(event);
      s.out->push(line + "\n");
    }
  }
  if (pruned) {
    std::erase_if(subscribers_, [](const Subscriber& s) { return s.out->closed(); });
    spdlog::info("trace: subscriber gone ({} left)", subscribers_.size());
  }
}

std::shared_ptr<StreamOut> TraceHub::subscribe(UniqueFd fd, const TraceFilter& filter, bool json,
                                               bool absolute) {
  auto out = std::make_shared<StreamOut>(io_, std::move(fd), kMaxQueued, nullptr);
  out->start();
  subscribers_.push_back(Subscriber{out, filter, json, absolute});
  spdlog::info("trace: subscriber added ({} now)", subscribers_.size());
  return out;
}

}  // namespace tapstack::daemon
