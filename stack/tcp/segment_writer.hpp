#pragma once
// Puts one connection's segments on the wire: the ports, and on every
// segment with ACK set the acknowledgment, window and SACK blocks the
// Receiver owes, on every one but a RST the TSopt once offered or agreed
// (RFC 7323 §3.2), ECE while echoing a CE mark, and on new data CWR after a
// reduction and ECT(0) (RFC 3168 §6.1); then the trace event, IPv4 and the
// counters.
#include <optional>

#include "stack/tcp/conn_trace.hpp"
#include "stack/tcp/ecn.hpp"
#include "stack/tcp/receiver.hpp"
#include "stack/tcp/sender.hpp"
#include "stack/tcp/tcb_env.hpp"
#include "stack/tcp/timestamps.hpp"

namespace tapstack::tcp {

class SegmentWriter final : public SegmentSink {
 public:
  SegmentWriter(TcbEnv& env, const FourTuple& tuple, const ConnTrace& trace, Receiver& receiver,
                Timestamps& timestamps, Ecn& ecn)
      : env_(env),
        tuple_(tuple),
        trace_(trace),
        receiver_(receiver),
        ts_(timestamps),
        ecn_(ecn) {}

  void transmit(const OutSegment& segment, Instant now) override;
  std::size_t sack_blocks() const override { return receiver_.sack_block_count(); }
  /// A reset: no window, no options, and nothing owed is cleared.
  void send_rst(SeqNum seq, std::optional<SeqNum> ack, Instant now, const char* why);
  /// Segments put on the wire, a super-segment counted as the ones it is cut into.
  std::uint64_t segments_sent() const { return segments_sent_; }

 private:
  TcbEnv& env_;
  FourTuple tuple_;
  const ConnTrace& trace_;
  Receiver& receiver_;
  Timestamps& ts_;
  Ecn& ecn_;
  std::uint64_t segments_sent_ = 0;
};

}  // namespace tapstack::tcp
