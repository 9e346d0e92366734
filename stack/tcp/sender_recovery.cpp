// SACK-based loss recovery: the scoreboard says which bytes arrived; RFC 6675
// decides which are lost (IsLost), how much is in the network (`pipe`) and
// what to send next (NextSeg), so several holes are repaired per round trip.
// Each retransmission is recorded, and one is presumed lost when data sent
// after it is delivered (RFC 8985 §6.2), so it is resent without an RTO.
// Without SACK the Sender keeps to NewReno (RFC 6582) and go-back-N after an
// RTO. Also the timeouts that start recovery: RTO, tail loss probe, path MTU.
#include <algorithm>

#include "stack/tcp/sender.hpp"

namespace tapstack::tcp {
namespace {

/// Most segments of reordering DupThresh adapts to (Linux tcp_max_reordering is 300).
constexpr std::uint32_t kMaxReordering = 64;
/// Floor of the probe timeout (Linux TCP_TIMEOUT_MIN is two jiffies).
constexpr Duration kMinPto = 2ms;

}  // namespace

void Sender::take_sack_blocks(const Segment& seg, Instant now) {
  const wire::TcpOptions& o = seg.header.options;
  for (std::size_t i = 0; i < o.sack_count; ++i) {
    const SeqNum left{o.sack[i].left};
    const SeqNum right{o.sack[i].right};
    // RFC 2883 §4: a first block below the cumulative ACK, or inside the
    // second block, reports a duplicate.
    const bool dsack = i == 0 && (seq_le(right, seg.ack()) ||
                                  (o.sack_count > 1 && seq_le(SeqNum{o.sack[1].left}, left) &&
                                   seq_le(right, SeqNum{o.sack[1].right})));
    if (!dsack) {
      (void)sacked_.add(left, right, snd_.una, snd_.max);
    } else if (std::find(recent_rexmits_.begin(), recent_rexmits_.end(), left) !=
               recent_rexmits_.end()) {
      // Both our retransmission and the original arrived: the "loss" was
      // reordering. Ask for more evidence next time (RFC 8985 §6.2 step 4
      // widens its window on D-SACK; Linux raises tp->reordering).
      reordering_ = std::min(reordering_ * 2, kMaxReordering);
      trace_.event(TraceKind::CongestionChange, now, cc_->cwnd(), cc_->ssthresh(), cc_->cwnd(),
            cc_->ssthresh(), reordering_, "D-SACK: spurious retransmission, DupThresh raised");
    }
  }
}

void Sender::on_ack_sack(SeqNum ack, Instant now) {
  // A cumulative ACK that stops inside SACKed data means the receiver dropped
  // what it had SACKed (RFC 2018 §8 reneging; Linux tcp_check_sack_reneging):
  // forget the scoreboard, so that data is sent again.
  if (sacked_.contains(ack, ack + 1)) {
    trace_.event(TraceKind::Drop, now, ack.raw(), sacked_.sacked_bytes(), 0, 0, 0,
          "peer reneged on SACKed data: scoreboard cleared");
    sacked_.clear();
  }
  sacked_.advance(ack);
  std::erase_if(rexmits_, [&](const Retransmission& r) {
    if (seq_gt(r.end, ack)) return false;
    if (!r.lost) delivered_order_ = std::max(delivered_order_, r.order);
    return true;
  });
  for (auto& r : rexmits_) r.start = seq_max(r.start, ack);
  if (rto_lost_end_ && seq_ge(ack, *rto_lost_end_)) rto_lost_end_.reset();
}

void Sender::after_sack(Instant now) {
  // Retransmissions now fully SACKed were delivered.
  std::erase_if(rexmits_, [&](const Retransmission& r) {
    if (!sacked_.contains(r.start, r.end)) return false;
    if (!r.lost) delivered_order_ = std::max(delivered_order_, r.order);
    return true;
  });
  // RFC 8985 §6.2: a retransmission is lost when something sent after it
  // was delivered and RACK.rtt + RACK.reo_wnd has passed since it was sent
  // (SRTT stands for RACK.rtt, SRTT/4 for the reordering window).
  const Duration wait = rtt_.srtt() + rtt_.srtt() / 4;
  const std::optional<SeqNum> top = sacked_.highest();
  for (auto& r : rexmits_) {
    const bool later_delivered =
        (top && seq_gt(*top, r.max_at_send)) || delivered_order_ > r.order;
    if (!r.lost && later_delivered && now - r.sent >= wait) r.lost = true;
  }
  // RFC 6675 §5: enter recovery when SND.UNA IsLost, even if the ACKs
  // carried data and so were not counted as duplicates; RFC 6582 §3.2 step
  // 1: not again until SND.UNA passes the previous recovery point.
  if (!cc_->in_recovery() && seq_lt(snd_.una, lost_end()) && seq_gt(snd_.una, snd_.recover)) {
    enter_recovery(now, "SACK loss detection: fast recovery");
  }
}

void Sender::enter_recovery(Instant now, const char* why) {
  snd_.recover = snd_.max;
  const std::uint32_t cwnd = cc_->cwnd();
  const std::uint32_t ssthresh = cc_->ssthresh();
  cc_->on_enter_recovery(snd_.max.since(snd_.una), now);
  trace_cwnd(now, cwnd, ssthresh, why);
  note_reduction(cwnd, ssthresh, false, now);
  ++counters_.fast_retransmits;
  // RFC 6675 §5 step (4.3): retransmit the first segment presumed lost, the
  // one at SND.UNA if SACK does not (yet) say which.
  if (!sack_ok_) {
    retransmit_head(now, "fast retransmit");
  } else if (const auto lost = next_lost()) {
    (void)retransmit_range(lost->start, lost->end, now, "fast retransmit");
  } else if (retransmission_at(snd_.una) == nullptr) {
    (void)retransmit_range(snd_.una, snd_.max, now, "fast retransmit");
  }
  timers_.retransmit = now + rtt_.rto();
}

void Sender::mark_all_lost(Instant now, const char* why, std::uint32_t count) {
  // RFC 6675 §5.1 leaves it open whether SACK information survives an RTO
  // (RFC 2018 §8 said to drop it; Errata 1610 and Linux tcp_enter_loss keep
  // it while no reneging is seen, which on_ack_sack checks). We keep it:
  // every unSACKed byte, retransmitted or not, is lost, and SACKed data is
  // not sent again.
  rto_lost_end_ = snd_.max;
  rexmits_.clear();
  if (const auto lost = next_lost()) {
    (void)retransmit_range(lost->start, lost->end, now, why, count);
  }
}

SeqNum Sender::lost_end() const {
  SeqNum end = snd_.una;
  if (rto_lost_end_) end = seq_max(end, *rto_lost_end_);
  if (const auto f = sacked_.lost_frontier((reordering_ - 1) * snd_.mss)) end = seq_max(end, *f);
  return seq_min(end, snd_.max);
}

std::uint32_t Sender::pipe() const {
  // RFC 6675 §4: each unSACKed byte counts once unless it is lost, and once
  // more if a retransmission of it is in flight.
  const std::uint32_t outstanding = snd_.max.since(snd_.una);
  if (sacked_.empty() && rexmits_.empty() && !rto_lost_end_) return outstanding;
  const SeqNum lost = lost_end();
  const std::uint32_t lost_bytes = lost.since(snd_.una) - sacked_.sacked_between(snd_.una, lost);
  std::uint32_t resent = 0;
  for (const auto& r : rexmits_) {
    if (!r.lost) resent += r.end.since(r.start);
  }
  return outstanding - sacked_.sacked_bytes() - lost_bytes + resent;
}

const Retransmission* Sender::retransmission_at(SeqNum seq) const {
  for (const auto& r : rexmits_) {
    if (!r.lost && seq_le(r.start, seq) && seq_lt(seq, r.end)) return &r;
  }
  return nullptr;
}

std::optional<LostSpan> Sender::next_lost() const {
  const SeqNum limit = lost_end();
  SeqNum pos = snd_.una;
  while (seq_lt(pos, limit)) {
    const auto gap = sacked_.next_gap(pos, limit);
    if (!gap) return std::nullopt;
    pos = gap->first;
    if (const Retransmission* live = retransmission_at(pos)) {
      pos = live->end;  // already being resent
      continue;
    }
    LostSpan span{pos, gap->second, false};
    for (const auto& r : rexmits_) {
      if (r.lost && seq_le(r.start, pos) && seq_lt(pos, r.end)) span.resend = true;
      if (!r.lost && seq_gt(r.start, pos) && seq_lt(r.start, span.end)) span.end = r.start;
    }
    return span;
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
  const SeqNum sent_end = seq + len + (fin ? 1u : 0u);
  std::erase_if(rexmits_, [&](const Retransmission& r) {
    return seq_lt(r.start, sent_end) && seq_lt(seq, r.end);
  });
  rexmits_.push_back(Retransmission{seq, sent_end, now, snd_.max, ++rexmit_order_, false});
  return true;
}

void Sender::arm_probe(Instant now) {
  // RFC 8985 §7.2: only outside recovery, one probe at a time, and only
  // with SACK, so the probe's ACK can reveal what else is missing.
  const bool eligible = sack_ok_ && flight() > 0 && !probe_outstanding_ &&
                        !cc_->in_recovery() && !rto_lost_end_ && rtt_.has_sample() &&
                        timers_.retransmit.has_value();
  if (!eligible) {
    timers_.probe.reset();
    return;
  }
  if (timers_.probe) return;
  // PTO = 2*SRTT, plus the peer's delayed-ACK time when one segment is out;
  // never later than the RTO, which then comes first.
  Duration pto = std::max(2 * rtt_.srtt(), kMinPto);
  if (flight() <= snd_.mss) pto += settings_.delayed_ack_timeout;
  if (now + pto < *timers_.retransmit) timers_.probe = now + pto;
}

void Sender::on_probe_timeout(Instant now) {
  if (flight() == 0 || cc_->in_recovery() || rto_lost_end_) return;
  probe_outstanding_ = true;
  // RFC 8985 §7.3: new data if the peer's window allows, else the last
  // segment again; if that one was SACKed, the first hole instead.
  const std::uint32_t room = payload_room();
  const std::uint32_t wnd_room = snd_.wnd > flight() ? snd_.wnd - flight() : 0;
  const std::uint32_t fresh = std::min({unsent(), room, wnd_room});
  if (fresh > 0) {
    const bool fin = fin_queued_ && !fin_seq_ && fresh == unsent();
    send_range(snd_.nxt, fresh, fin, now, "tail loss probe: new data (RFC 8985 §7.3)");
  } else {
    const SeqNum data_end = snd_.una + static_cast<std::uint32_t>(buf_.size());
    SeqNum start = data_end - std::min(room, data_end.since(snd_.una));
    SeqNum end = snd_.max;
    if (sacked_.highest() == snd_.max) {
      if (const auto gap = sacked_.next_gap(snd_.una, snd_.max)) {
        start = gap->first;
        end = gap->second;
      }
    }
    (void)retransmit_range(start, end, now, "tail loss probe: resend (RFC 8985 §7.3)");
  }
  timers_.retransmit = now + rtt_.rto();
  arm_timers(now);
}

void Sender::back_off() {
  ++retries_;
  rtt_.back_off();  // RFC 6298 §5.5
  rtt_timing_.reset();
}

void Sender::on_retransmit_timeout(Instant now) {
  // RFC 5681 §3.1 eq. 4 and loss window; RFC 6582 §4: recover = highest sent.
  const std::uint32_t cwnd = cc_->cwnd();
  const std::uint32_t ssthresh = cc_->ssthresh();
  cc_->on_timeout(snd_.max.since(snd_.una), now);
  trace_cwnd(now, cwnd, ssthresh, cc_->phase());
  note_reduction(cwnd, ssthresh, true, now);
  snd_.recover = snd_.max;
  dup_acks_ = 0;
  probe_outstanding_ = false;
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
