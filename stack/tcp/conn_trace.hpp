#pragma once
// One connection's view of the trace sink: every event it emits carries the
// socket, the endpoints and the initial sequence numbers, so a reader can
// show relative sequence numbers. The Tcb, Sender and Receiver share one.
#include <cstdint>

#include "stack/base/time.hpp"
#include "stack/tcp/seq_num.hpp"
#include "stack/trace.hpp"
#include "stack/wire/tcp.hpp"

namespace tapstack::tcp {

class ConnTrace {
 public:
  /// `sink` may be null: then nothing is built or sent.
  ConnTrace(TraceSink* sink, SocketId id, const FourTuple& tuple)
      : sink_(sink), id_(id), tuple_(tuple) {}

  /// Our ISS, once chosen (events before that carry 0).
  void set_iss(SeqNum iss) { iss_ = iss; }
  /// The peer's IRS, once its SYN arrived; events show it from then on.
  void set_irs(SeqNum irs) {
    irs_ = irs;
    irs_known_ = true;
  }
  bool enabled() const { return sink_ != nullptr; }

  /// An event with up to five numbers whose meaning depends on `kind`.
  void event(TraceKind kind, Instant now, std::int64_t a, std::int64_t b = 0, std::int64_t c = 0,
             std::int64_t d = 0, std::int64_t e = 0, const char* why = "") const;
  /// A segment event (in, out or dropped) with the header's fields and options.
  void segment(TraceKind kind, Instant now, const wire::TcpHeader& h, std::size_t len,
               const char* why, std::uint32_t count = 0) const;

 private:
  /// Fills the connection context of an event and sends it.
  void emit(TraceEvent& ev) const;

  TraceSink* sink_;
  SocketId id_;
  FourTuple tuple_;
  SeqNum iss_, irs_;
  bool irs_known_ = false;
};

}  // namespace tapstack::tcp
