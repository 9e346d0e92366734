#pragma once
// Structured trace events from the protocol layers. A TraceSink is optional:
// the stack behaves identically with or without one (no work is skipped or
// added depending on it), so tracing can never change what goes on the wire.
#include <cstdint>

#include "stack/base/time.hpp"
#include "stack/events.hpp"

namespace tapstack {

enum class TraceKind : std::uint8_t {
  StateChange,       // a = old state, b = new state (tcp::TcpState values)
  SegmentIn,         // a = seq, b = ack, c = flags, d = payload length, e = window
  SegmentOut,        // same fields as SegmentIn
  RttSample,         // a = sample µs, b = srtt µs, c = rttvar µs, d = rto µs
  Retransmit,        // a = seq, b = length, c = retries so far
  CongestionChange,  // a = cwnd, b = ssthresh
  ZeroWindowProbe,   // a = seq, b = probes so far
  NagleHold,         // a = bytes held, b = bytes in flight
  NagleRelease,      // a = bytes released
  DelayedAck,        // a = rcv.nxt; reason says armed / sent
  TimeWaitEnter,     // a = expiry µs
  TimeWaitExpire,
  Drop,              // a = seq, b = ack, c = flags, d = payload length
};

/// One event. The meaning of a..e depends on `kind` (see TraceKind);
/// `reason` is a static string such as "rto", "3 dup acks", "rfc5961 challenge".
struct TraceEvent {
  TraceKind kind = TraceKind::Drop;
  SocketId socket;
  Instant at;
  std::int64_t a = 0;
  std::int64_t b = 0;
  std::int64_t c = 0;
  std::int64_t d = 0;
  std::int64_t e = 0;
  const char* reason = "";
};

/// Receives trace events synchronously. Implementations must not call back
/// into the stack.
class TraceSink {
 public:
  virtual ~TraceSink() = default;
  virtual void on_trace(const TraceEvent& event) = 0;
};

/// Human name of a trace kind ("state", "seg-in", ...).
constexpr const char* trace_kind_name(TraceKind k) {
  switch (k) {
    case TraceKind::StateChange: return "state";
    case TraceKind::SegmentIn: return "seg-in";
    case TraceKind::SegmentOut: return "seg-out";
    case TraceKind::RttSample: return "rtt";
    case TraceKind::Retransmit: return "retransmit";
    case TraceKind::CongestionChange: return "cwnd";
    case TraceKind::ZeroWindowProbe: return "zwp";
    case TraceKind::NagleHold: return "nagle-hold";
    case TraceKind::NagleRelease: return "nagle-release";
    case TraceKind::DelayedAck: return "delack";
    case TraceKind::TimeWaitEnter: return "time-wait";
    case TraceKind::TimeWaitExpire: return "time-wait-expire";
    case TraceKind::Drop: return "drop";
  }
  return "?";
}

}  // namespace tapstack
