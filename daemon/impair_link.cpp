#include "daemon/impair_link.hpp"

#include <spdlog/spdlog.h>

#include "daemon/stack_driver.hpp"
#include "stack/stack.hpp"

namespace tapstack::daemon {
namespace {

using nlohmann::json;
using link::Direction;

constexpr Direction kDirections[] = {Direction::ToStack, Direction::FromStack};

double from_percent(double percent) { return percent / 100.0; }
double from_ppm(std::uint32_t ppm) { return static_cast<double>(ppm) / rpc::kMillion; }
double to_percent(double probability) { return probability * 100.0; }

std::int64_t millis(Duration d) { return std::chrono::duration_cast<std::chrono::milliseconds>(d).count(); }

bool selected(std::uint8_t directions, Direction d) {
  return (directions & (1u << static_cast<unsigned>(d))) != 0;
}

json direction_json(const link::ImpairmentSettings& s, const link::ImpairmentCounters& c) {
  json counters = json::object();
  c.for_each([&](std::string_view name, std::uint64_t v) { counters[std::string(name)] = v; });
  return json{{"loss", to_percent(s.loss)},
              {"duplicate", to_percent(s.duplicate)},
              {"reorder", to_percent(s.reorder)},
              {"corrupt", to_percent(s.corrupt)},
              {"delay_ms", millis(s.delay)},
              {"jitter_ms", millis(s.jitter)},
              {"rate", s.rate},
              {"counters", std::move(counters)}};
}

std::string endpoint_text(wire::Ipv4Address address, std::uint16_t port) {
  return address.to_string() + ":" + std::to_string(port);
}

const char* direction_name(const std::optional<Direction>& d) {
  if (!d) return "both";
  return *d == Direction::ToStack ? "in" : "out";
}

void apply_set(link::Impairment& model, const rpc::ImpairRequest& r) {
  for (const Direction d : kDirections) {
    if (!selected(r.directions, d)) continue;
    link::ImpairmentSettings s = model.settings(d);
    if (r.fields & rpc::kImpairLoss) s.loss = from_ppm(r.loss_ppm);
    if (r.fields & rpc::kImpairDuplicate) s.duplicate = from_ppm(r.duplicate_ppm);
    if (r.fields & rpc::kImpairReorder) s.reorder = from_ppm(r.reorder_ppm);
    if (r.fields & rpc::kImpairCorrupt) s.corrupt = from_ppm(r.corrupt_ppm);
    if (r.fields & rpc::kImpairDelay) s.delay = Duration{r.delay_us};
    if (r.fields & rpc::kImpairJitter) s.jitter = Duration{r.jitter_us};
    if (r.fields & rpc::kImpairRate) s.rate = r.rate;
    model.configure(d, s);
  }
  if (r.fields & rpc::kImpairSeed) model.reseed(r.seed);
}

}  // namespace

link::ImpairmentSettings to_settings(const config::ImpairDirectionConfig& d,
                                     const config::ImpairConfig& impair) {
  link::ImpairmentSettings s;
  s.loss = from_percent(d.loss);
  s.duplicate = from_percent(d.duplicate);
  s.reorder = from_percent(d.reorder);
  s.corrupt = from_percent(d.corrupt);
  s.delay = d.delay;
  s.jitter = d.jitter;
  s.rate = d.rate;
  s.reorder_hold = impair.reorder_hold;
  s.burst = impair.rate_burst;
  s.queue_limit = impair.rate_queue;
  return s;
}

ImpairLink::ImpairLink(FrameSink& tap, const config::ImpairConfig& config)
    : tap_(tap), model_(stack_input_, tap_, link::Framing::Ethernet, config.seed) {
  model_.configure(Direction::ToStack, to_settings(config.in, config));
  model_.configure(Direction::FromStack, to_settings(config.out, config));
  if (model_.active()) spdlog::warn("link impairment is on: {}", impairment_json(model_).dump());
}

void ImpairLink::attach(Stack& stack, StackDriver& driver) {
  stack_ = &stack;
  driver_ = &driver;
}

void ImpairLink::StackInput::transmit(Bytes frame) {
  link_.stack_->receive(frame, link_.driver_->now());
}

void ImpairLink::Output::transmit(Bytes frame) {
  if (link_.driver_ && link_.model_.active()) {
    link_.model_.submit(Direction::FromStack, frame, link_.driver_->now());
  } else {
    link_.tap_.transmit(frame);
  }
}

// The model loses, delays and reorders segments as a wire would carry them,
// so a super-frame is cut before it goes in.
void ImpairLink::Output::transmit_segmented(Bytes frame, std::uint16_t segment_size) {
  if (link_.driver_ && link_.model_.active()) {
    FrameSink::transmit_segmented(frame, segment_size);
  } else {
    link_.tap_.transmit_segmented(frame, segment_size);
  }
}

json impairment_json(const link::Impairment& model) {
  json faults = json::array();
  for (const auto& f : model.faults()) {
    faults.push_back(json{{"action", f.action == link::OneShotFault::Action::Drop ? "drop" : "delay"},
                          {"match", std::string(link::to_string(f.match))},
                          {"count", f.count},
                          {"port", f.port},
                          {"delay_ms", millis(f.delay)},
                          {"direction", direction_name(f.direction)},
                          {"socket", f.socket}});
    if (f.connection) {
      faults.back()["local"] = endpoint_text(f.connection->local_addr, f.connection->local_port);
      faults.back()["remote"] = endpoint_text(f.connection->remote_addr, f.connection->remote_port);
    }
  }
  const auto& in = model.settings(Direction::ToStack);
  return json{{"active", model.active()},
              {"seed", model.seed()},
              {"in", direction_json(in, model.counters(Direction::ToStack))},
              {"out", direction_json(model.settings(Direction::FromStack),
                                     model.counters(Direction::FromStack))},
              {"reorder_hold_ms", millis(in.reorder_hold)},
              {"faults", std::move(faults)}};
}

bool apply_impair_request(link::Impairment& model, const rpc::ImpairRequest& r,
                          const std::optional<link::TcpConnection>& connection) {
  switch (r.action) {
    case rpc::ImpairAction::Show: return true;
    case rpc::ImpairAction::Clear: model.clear(); return true;
    case rpc::ImpairAction::Set: apply_set(model, r); return true;
    case rpc::ImpairAction::DropNext:
    case rpc::ImpairAction::DelayNext: {
      if (r.match < 1 || r.match > 7 || r.count == 0) return false;
      link::OneShotFault f;
      f.action = r.action == rpc::ImpairAction::DropNext ? link::OneShotFault::Action::Drop
                                                         : link::OneShotFault::Action::Delay;
      f.match = static_cast<link::TcpMatch>(r.match);
      f.count = r.count;
      f.port = r.port;
      f.delay = Duration{r.delay_us};
      f.connection = connection;
      if (connection) f.socket = r.socket;
      if (r.directions == 1) f.direction = Direction::ToStack;
      if (r.directions == 2) f.direction = Direction::FromStack;
      model.add_fault(f);
      return true;
    }
  }
  return false;
}

}  // namespace tapstack::daemon
