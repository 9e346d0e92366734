// RFC 7323 §3-§5 for one connection.
#include "stack/tcp/timestamps.hpp"

#include <algorithm>

namespace tapstack::tcp {
namespace {

/// Timestamps compare modulo 2^32 like sequence numbers (§5.2).
bool ts_before(std::uint32_t a, std::uint32_t b) { return static_cast<std::int32_t>(a - b) < 0; }

}  // namespace

void Timestamps::negotiate(bool ours, const Segment& syn, Instant now) {
  const auto& ts = syn.header.options.timestamps;
  if (!ours || !ts) {
    state_ = State::Off;
    return;
  }
  state_ = State::On;
  recent_ = ts->value;
  recent_at_ = now;
  last_ack_sent_ = syn.seq() + 1;
}

std::uint32_t Timestamps::clock(Instant now) const {
  return offset_ + static_cast<std::uint32_t>(to_micros(now) / 1000);
}

wire::TcpTimestamps Timestamps::option(bool ack, Instant now) const {
  return {clock(now), ack ? recent_ : 0};
}

bool Timestamps::paws_rejects(const Segment& seg, Instant now) const {
  const auto& ts = seg.header.options.timestamps;
  // §5.3 R1 exempts RST, so a reset from a peer whose clock restarted still works.
  return enabled() && ts && !seg.rst() && recent_valid(now) && ts_before(ts->value, recent_);
}

void Timestamps::on_acceptable(const Segment& seg, Instant now) {
  const auto& ts = seg.header.options.timestamps;
  // Only a segment that starts at or below the ACK we last sent: then the
  // echo measures from the segment that made us acknowledge, delayed ACKs
  // and holes included (§4.3).
  if (!enabled() || !ts || seq_gt(seg.seq(), last_ack_sent_)) return;
  if (recent_valid(now) && ts_before(ts->value, recent_)) return;
  recent_ = ts->value;
  recent_at_ = now;
}

std::optional<std::uint32_t> Timestamps::echo(const Segment& seg) const {
  const auto& ts = seg.header.options.timestamps;
  // A zero echo is what a peer sends before it has one (Linux ignores it too).
  if (!enabled() || !ts || !seg.has_ack() || ts->echo_reply == 0) return std::nullopt;
  return ts->echo_reply;
}

std::optional<Duration> Timestamps::rtt(const Segment& seg, Instant now) const {
  const auto e = echo(seg);
  if (!e) return std::nullopt;
  const auto ticks = static_cast<std::int32_t>(clock(now) - *e);
  if (ticks < 0) return std::nullopt;  // echoes a time still to come: not ours
  // Less than a tick counts as one, as Linux's tcp_rtt_tsopt_us does.
  return std::max(ticks, 1) * Duration{1ms};
}

bool Timestamps::echo_before(const Segment& seg, std::uint32_t tsval) const {
  const auto e = echo(seg);
  return e && ts_before(*e, tsval);
}

}  // namespace tapstack::tcp
