// Loss recovery with SACK: RACK (RFC 8985 §6) decides by time which
// segments are lost, originals and retransmissions alike; the scoreboard
// (RFC 6675) says which bytes arrived; PRR (RFC 6937) paces what goes out
// while recovery lasts, and lost data goes before new data (RFC 6675
// NextSeg). Without SACK the Sender keeps to NewReno (RFC 6582) and
// go-back-N after an RTO. Also the timeouts that start recovery: RTO,
// RACK's reordering timer, path MTU (the tail loss probe: sender_probe.cpp).
#include <algorithm>

#include "stack/tcp/sender.hpp"

namespace tapstack::tcp {
void Sender::take_sack_blocks(const Segment& seg, Instant now) {
  const wire::TcpOptions& o = seg.header.options;
  const auto delivered = [&](const SentRecord& r) { on_delivered(r, seg, now); };
  for (std::size_t i = 0; i < o.sack_count; ++i) {
    const SeqNum left{o.sack[i].left};
    const SeqNum right{o.sack[i].right};
    // RFC 2883 §4: a first block below the cumulative ACK, or inside the
    // second block, reports a duplicate.
    const bool dsack = i == 0 && (seq_le(right, seg.ack()) ||
                                  (o.sack_count > 1 && seq_le(SeqNum{o.sack[1].left}, left) &&
                                   seq_le(right, SeqNum{o.sack[1].right})));
    if (dsack) {
      on_dsack(left, now);
      continue;
    }
    if (!seq_lt(left, right) || seq_lt(left, snd_.una) || seq_gt(right, snd_.max)) continue;
    (void)sacked_.add(left, right, snd_.una, snd_.max);
    ack_delivered_ += log_.sack(left, right, delivered);
  }
}

void Sender::on_dsack(SeqNum left, Instant now) {
  if (tlp_end_ && tlp_retransmission_ && left == tlp_start_) tlp_dsacked_ = true;
  // Both our retransmission and the original arrived: the "loss" was
  // reordering. RACK waits longer before the next (RFC 8985 §6.2 step 4).
  // A duplicate of data never retransmitted (made by the network) is no evidence.
  if (std::find(recent_rexmits_.begin(), recent_rexmits_.end(), left) == recent_rexmits_.end() ||
      !rack_.on_dsack(snd_.nxt, snd_.una)) {
    return;
  }
  trace_.event(TraceKind::CongestionChange, now, cc_->cwnd(), cc_->ssthresh(), cc_->cwnd(),
               cc_->ssthresh(), rack_.reo_wnd_mult(),
               "D-SACK: spurious retransmission, RACK reordering window widened");
}

void Sender::on_delivered(const SentRecord& r, const Segment& seg, Instant now) {
  const bool echoes_original = r.retransmitted && ts_ != nullptr && ts_->enabled() &&
                               ts_->echo_before(seg, ts_->clock(r.sent));
  rack_.on_delivered(r, now, echoes_original);
}

void Sender::on_ack_log(const Segment& seg, Instant now) {
  const SeqNum ack = seg.ack();
  // A cumulative ACK that stops inside SACKed data means the receiver dropped
  // what it had SACKed (RFC 2018 §8 reneging; Linux tcp_check_sack_reneging):
  // forget the scoreboard, so that data is sent again.
  if (sacked_.contains(ack, ack + 1)) {
    trace_.event(TraceKind::Drop, now, ack.raw(), sacked_.sacked_bytes(), 0, 0, 0,
                 "peer reneged on SACKed data: scoreboard cleared");
    sacked_.clear();
    log_.unsack_all();
  }
  sacked_.advance(ack);
  ack_delivered_ +=
      log_.acknowledge(ack, [&](const SentRecord& r) { on_delivered(r, seg, now); });
  if (after_rto_until_ && seq_ge(ack, *after_rto_until_)) after_rto_until_.reset();
}

void Sender::detect_losses(Instant now) {
  rack_.end_ack(now);
  const bool recovering = cc_->in_recovery();
  const Duration window =
      rack_.reo_wnd(recovering || after_rto_until_.has_value(),
                    sacked_.sacked_bytes() / std::max(snd_.mss, 1u), rtt_.srtt());
  timers_.reorder = rack_.detect_loss(log_, now, window);
  // RFC 6675 §5 / RFC 8985 §6.2: recovery begins with the first loss found;
  // RFC 6582 §3.2 step 1: not again until SND.UNA passes the recovery point.
  if (!recovering && !after_rto_until_ && log_.first_lost() != nullptr &&
      seq_gt(snd_.una, snd_.recover)) {
    enter_recovery(now, "RACK loss detection: fast recovery");
  }
  if (cc_->in_recovery()) {
    prr_.on_ack(ack_delivered_, log_.pipe(), cc_->ssthresh(), snd_.mss);
  }
  ack_delivered_ = 0;
}

void Sender::on_reorder_timeout(Instant now) {
  // RFC 8985 §6.3: the reordering window has passed for a segment sent
  // before one already delivered.
  detect_losses(now);
}

void Sender::enter_recovery(Instant now, const char* why) {
  snd_.recover = snd_.max;
  const CongestionSnapshot before = cc_->snapshot();
  cc_->on_enter_recovery(flight(), now);
  note_ecn_reduction();
  prr_.start(flight());
  trace_cwnd(now, before.cwnd, before.ssthresh, why);
  note_reduction(before, false, now);
  ++counters_.fast_retransmits;
  // RFC 6582 §3.2 step 2 / RFC 6675 §5 step (4.3): the first lost segment
  // goes at once; the rest as PRR allows.
  if (!sack_ok_) {
    retransmit_head(now, "fast retransmit");
  } else if (const auto lost = next_lost()) {
    (void)retransmit_range(lost->start, lost->end, now, "fast retransmit");
  }
  timers_.retransmit = now + rtt_.rto();
}

void Sender::mark_all_lost(Instant now, const char* why, std::uint32_t count) {
  // RFC 6675 §5.1 leaves it open whether SACK information survives an RTO
  // (RFC 2018 §8 said to drop it; Errata 1610 and Linux tcp_enter_loss keep
  // it while no reneging is seen, which on_ack_log checks). We keep it:
  // every unSACKed byte, retransmitted or not, is lost, and SACKed data is
  // not sent again.
  after_rto_until_ = snd_.max;
  log_.mark_all_lost();
  timers_.reorder.reset();
  if (const auto lost = next_lost()) {
    (void)retransmit_range(lost->start, lost->end, now, why, count);
  }
}

std::optional<LostSpan> Sender::next_lost() const {
  // A record SACKed only in part (the log stopped splitting) resends its gaps.
  for (const SentRecord* r = log_.first_lost(); r != nullptr && r != log_.end(); ++r) {
    if (!r->lost || r->sacked) continue;
    if (const auto gap = sacked_.next_gap(r->start, r->end)) {
      return LostSpan{gap->first, gap->second, r->retransmitted};
    }
  }
  return std::nullopt;
}

bool Sender::retransmit_range(SeqNum seq, SeqNum end, Instant now, const char* why,
                              std::uint32_t count) {
  const SeqNum data_end = snd_.una + static_cast<std::uint32_t>(buf_.size());
  const std::uint32_t window = peer_window_from(seq);
  if (window == 0) return false;
  const std::uint32_t len =
      seq_lt(seq, data_end)
          ? std::min({payload_room(), end.since(seq), data_end.since(seq), window})
          : 0;
  const bool fin = fin_seq_ && seq + len == *fin_seq_ && seq_gt(end, *fin_seq_);
  if (len == 0 && !fin) return false;
  send_range(seq, len, fin, now, why, count);
  recent_rexmits_[recent_next_++ % recent_rexmits_.size()] = seq;
  return true;
}

void Sender::back_off() {
  ++retries_;
  rtt_.back_off();  // RFC 6298 §5.5
  rtt_timing_.reset();
}

void Sender::on_retransmit_timeout(Instant now) {
  // RFC 5681 §3.1 eq. 4 and loss window; RFC 6582 §4: recover = highest sent.
  const CongestionSnapshot before = cc_->snapshot();
  cc_->on_timeout(snd_.max.since(snd_.una), now);
  note_ecn_reduction();
  trace_cwnd(now, before.cwnd, before.ssthresh, cc_->phase());
  note_reduction(before, true, now);
  snd_.recover = snd_.max;
  dup_acks_ = 0;
  probe_outstanding_ = false;
  tlp_end_.reset();
  timers_.probe.reset();
  if (sack_ok_) {
    // Resend only what the peer has not SACKed, as the window reopens.
    mark_all_lost(now, "RTO retransmit", retries_);
  } else {
    // Go back to SND.UNA: the segments after it are resent as the window reopens.
    snd_.nxt = snd_.una;
    retransmit_head(now, "RTO retransmit", retries_);
  }
  timers_.retransmit = now + rtt_.rto();  // RFC 6298 §5.6
}

void Sender::shrink_mss(std::uint32_t mss) {
  snd_.mss = mss;
  cc_->set_mss(mss);
}

void Sender::resend_in_flight(Instant now) {
  if (sack_ok_) {
    mark_all_lost(now, "path MTU shrank: retransmit", 0);
  } else {
    snd_.nxt = snd_.una;
    retransmit_head(now, "path MTU shrank: retransmit");
  }
}

}  // namespace tapstack::tcp
