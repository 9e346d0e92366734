// Spurious retransmissions (RFC 3522 Eifel detection): with timestamps the
// ACK that covers a retransmission tells which copy arrived. If it echoes a
// TSval older than the retransmission's, the original got there, the "loss"
// was delay or reordering, and the window reduction is taken back as Linux
// does (tcp_try_undo_recovery, tcp_try_undo_loss), not halved for nothing;
// CUBIC's curve with it (RFC 9438 §4.9).
#include "stack/tcp/sender.hpp"

namespace tapstack::tcp {

void Sender::note_reduction(const CongestionSnapshot& before, bool timeout, Instant now) {
  if (ts_ == nullptr || !ts_->enabled()) return;
  if (undo_) {
    // A further retransmission of the same episode: the first one's TSval
    // and the window before the episode still decide.
    undo_->timeout = undo_->timeout || timeout;
    return;
  }
  undo_ = UndoPoint{ts_->clock(now), before, timeout};
}

void Sender::check_spurious(const Segment& seg, Instant now) {
  // RFC 3522 §2: only the first ACK that covers the retransmission decides.
  const UndoPoint point = *undo_;
  undo_.reset();
  if (!ts_->echo_before(seg, point.tsval)) return;
  const std::uint32_t cwnd = cc_->cwnd();
  const std::uint32_t ssthresh = cc_->ssthresh();
  cc_->undo(point.before);
  log_.clear_lost();  // nothing presumed lost in the episode was (Linux tcp_undo_cwnd_reduction)
  // The episode never was: a loss found from now on starts recovery anew.
  snd_.recover = snd_.una - 1;
  if (point.timeout) {
    ++counters_.spurious_rto_undone;
    // RFC 4015 §4: the originals are being acknowledged, so new data goes
    // next instead of a go-back-N resend of what the peer already has.
    after_rto_until_.reset();
    snd_.nxt = snd_.max;
  } else {
    ++counters_.spurious_fast_retransmits_undone;
  }
  trace_.event(TraceKind::CongestionChange, now, cc_->cwnd(), cc_->ssthresh(), cwnd, ssthresh, 0,
               point.timeout ? "spurious RTO (Eifel, RFC 3522): reduction undone"
                             : "spurious fast retransmit (Eifel, RFC 3522): reduction undone");
}

}  // namespace tapstack::tcp
