#include "stack/tcp/rack.hpp"

#include <algorithm>

namespace tapstack::tcp {
namespace {

/// RFC 8985 §6.2 step 4: DupThresh, for the first loss before reordering is seen.
constexpr std::uint32_t kDupThresh = 3;
/// D-SACK rounds after which a widened window returns to its base.
constexpr std::int32_t kReoWndPersist = 16;

}  // namespace

void Rack::on_delivered(const SentRecord& r, Instant now, bool echoes_original) {
  const Duration rtt = now - r.sent;
  // Step 2: an ACK of a retransmission that echoes an earlier TSval, or
  // comes faster than any round trip seen, acknowledges the original
  // instead; the retransmission's time says nothing.
  if (r.retransmitted && (echoes_original || (min_rtt_ && rtt < *min_rtt_))) return;
  if (!r.retransmitted) min_rtt_ = min_rtt_ ? std::min(*min_rtt_, rtt) : rtt;
  if (!newest_ || sent_after(r.sent, r.end, newest_->sent, newest_->end)) newest_ = r;
  // Step 3: an original delivered below the highest delivered was reordered.
  if (!have_fack_ || seq_gt(r.end, fack_)) {
    fack_ = r.end;
    have_fack_ = true;
  } else if (seq_lt(r.end, fack_) && !r.retransmitted) {
    reordering_seen_ = true;
  }
}

void Rack::end_ack(Instant now) {
  if (!newest_) return;
  rtt_ = now - newest_->sent;
  if (!have_xmit_ || sent_after(newest_->sent, newest_->end, xmit_ts_, end_seq_)) {
    xmit_ts_ = newest_->sent;
    end_seq_ = newest_->end;
    have_xmit_ = true;
  }
  newest_.reset();
}

bool Rack::on_dsack(SeqNum snd_nxt, SeqNum snd_una) {
  if (dsack_round_ && seq_ge(snd_una, *dsack_round_)) dsack_round_.reset();
  if (dsack_round_) return false;
  dsack_round_ = snd_nxt;
  ++reo_wnd_mult_;
  reo_wnd_persist_ = kReoWndPersist;
  return true;
}

void Rack::on_recovery_end() {
  if (--reo_wnd_persist_ <= 0) reo_wnd_mult_ = 1;
}

Duration Rack::reo_wnd(bool in_recovery, std::uint32_t sacked_segments, Duration srtt) const {
  if (!reordering_seen_ && (in_recovery || sacked_segments >= kDupThresh)) return Duration{0};
  const Duration base = min_rtt_.value_or(srtt) / 4 * reo_wnd_mult_;
  return std::min(base, srtt);
}

std::optional<Instant> Rack::detect_loss(SentLog& log, Instant now, Duration reo_wnd) {
  if (!have_xmit_) return std::nullopt;
  std::optional<Instant> due;
  for (SentRecord& r : log) {
    if (r.sacked || r.lost) continue;
    if (!sent_after(xmit_ts_, end_seq_, r.sent, r.end)) {
      // Originals go out in sequence order, so every record past an
      // original sent too late was sent too late as well.
      if (!r.retransmitted) break;
      continue;
    }
    const Instant deadline = r.sent + rtt_ + reo_wnd;
    if (deadline <= now) {
      log.mark_lost(r);
    } else {
      due = due ? std::max(*due, deadline) : deadline;
    }
  }
  return due;
}

}  // namespace tapstack::tcp
