#pragma once
// Structured trace events from the protocol layers. A TraceSink is optional:
// the stack behaves identically with or without one (no work is skipped or
// added depending on it), so tracing can never change what goes on the wire.
// stack/trace_format.hpp turns events into lines for people or JSON.
#include <cstdint>

#include "stack/base/time.hpp"
#include "stack/events.hpp"
#include "stack/tcp/isn.hpp"
#include "stack/wire/tcp.hpp"

namespace tapstack {

enum class TraceKind : std::uint8_t {
  StateChange,       // a = old state, b = new state (tcp::TcpState values)
  SegmentIn,         // a = seq, b = ack, c = flags, d = payload length, e = window field
  SegmentOut,        // same fields as SegmentIn; reason says why it was sent
  RttSample,         // a = sample µs, b = srtt µs, c = rttvar µs, d = rto µs
  Retransmit,        // a = seq, b = length, c = retries so far, d = rto µs in force (backed off)
  CongestionChange,  // a = cwnd, b = ssthresh, c = previous cwnd, d = previous ssthresh
  WindowUpdate,      // a = new send window (peer's, scaled), b = previous one
  ZeroWindowProbe,   // a = seq, b = probes so far
  NagleHold,         // a = bytes held, b = bytes in flight
  NagleRelease,      // a = bytes released
  DelayedAck,        // a = rcv.nxt, b = bytes unacknowledged; reason says the decision
  TimeWaitEnter,     // a = expiry µs
  TimeWaitExpire,
  Drop,              // a = seq, b = ack, c = flags, d = payload length, e = window field
  PathMtu,           // a = new send MSS, b = previous one, c = path MTU
  Ecn,               // a = seq, b = 1 when in the peer's sequence space (CE, CWR received); reason: the signal
};

/// One event. The meaning of a..e depends on `kind` (see TraceKind);
/// `reason` is a static string such as "RTO retransmit", "3 dup ACKs".
/// The rest is context for a readable rendering: the connection's endpoints
/// (local first), its ISS/IRS for relative sequence numbers, and for segment
/// events the segment's options.
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
  tcp::FourTuple tuple;        // all zero when the event has no connection
  std::uint32_t iss = 0;       // our initial sequence number, valid when iss_known
  bool iss_known = false;
  std::uint32_t irs = 0;       // the peer's, valid when irs_known
  bool irs_known = false;
  std::uint32_t count = 0;     // retransmission / probe number where it applies (0 = none)
  wire::TcpOptions options;    // SegmentIn / SegmentOut / Drop of a segment
};

/// An event with its kind, socket, time and reason set (the rest zero).
inline TraceEvent make_trace_event(TraceKind kind, SocketId socket, Instant at, const char* reason) {
  TraceEvent event;
  event.kind = kind;
  event.socket = socket;
  event.at = at;
  event.reason = reason;
  return event;
}

/// Sets a..e of a segment event from a TCP header and payload length.
inline void set_segment_fields(TraceEvent& event, const wire::TcpHeader& h, std::size_t len) {
  event.a = h.seq;
  event.b = h.ack;
  event.c = h.flags;
  event.d = static_cast<std::int64_t>(len);
  event.e = h.window;
  event.options = h.options;
}

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
    case TraceKind::WindowUpdate: return "window";
    case TraceKind::ZeroWindowProbe: return "zwp";
    case TraceKind::NagleHold: return "nagle-hold";
    case TraceKind::NagleRelease: return "nagle-release";
    case TraceKind::DelayedAck: return "delack";
    case TraceKind::TimeWaitEnter: return "time-wait";
    case TraceKind::TimeWaitExpire: return "time-wait-expire";
    case TraceKind::Drop: return "drop";
    case TraceKind::PathMtu: return "pmtu";
    case TraceKind::Ecn: return "ecn";
  }
  return "?";
}

}  // namespace tapstack
