// The tail loss probe (RFC 8985 §7): when the last segments of a flight
// are lost no ACK comes to reveal it, so a probe goes after about two round
// trips instead of waiting for the RTO; its ACK (with SACK) shows what is
// missing. If the probe itself repaired a loss, the window is reduced once
// as for any loss (§7.4); if the peer reports both copies, nothing was lost.
#include <algorithm>

#include "stack/tcp/sender.hpp"

namespace tapstack::tcp {
namespace {

/// Floor of the probe timeout (Linux TCP_TIMEOUT_MIN is two jiffies).
constexpr Duration kMinPto = 2ms;

}  // namespace

void Sender::arm_probe(Instant now) {
  // RFC 8985 §7.2: only outside recovery, one probe at a time, and only
  // with SACK, so the probe's ACK can reveal what else is missing.
  const bool eligible = sack_ok_ && flight() > 0 && !probe_outstanding_ && !tlp_end_ &&
                        !cc_->in_recovery() && !after_rto_until_ && rtt_.has_sample() &&
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
  if (flight() == 0 || cc_->in_recovery() || after_rto_until_) return;
  probe_outstanding_ = true;
  // RFC 8985 §7.3: new data if the peer's window allows, else the last
  // segment again; if that one was SACKed, the first hole instead.
  const std::uint32_t room = payload_room();
  const std::uint32_t wnd_room = snd_.wnd > flight() ? snd_.wnd - flight() : 0;
  const std::uint32_t fresh = std::min({unsent(), room, wnd_room});
  tlp_retransmission_ = fresh == 0;
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
    tlp_start_ = start;
  }
  tlp_end_ = snd_.nxt;
  timers_.retransmit = now + rtt_.rto();
  arm_timers(now);
}

void Sender::on_probe_ack(const Segment& seg, bool advanced, bool sacked_new, Instant now) {
  if (!tlp_end_ || seq_lt(seg.ack(), *tlp_end_)) return;
  // §7.4.2, as Linux tcp_process_tlp_ack: a probe of new data, a D-SACK of
  // the probe, or a pure duplicate at its end: the episode saw no loss.
  const bool pure_dup = seg.ack() == *tlp_end_ && !advanced && !sacked_new;
  if (!tlp_retransmission_ || tlp_dsacked_ || pure_dup) {
    tlp_end_.reset();
    tlp_dsacked_ = false;
    return;
  }
  if (!seq_gt(seg.ack(), *tlp_end_)) return;
  // The ACK passed the probe without a D-SACK: only the probe arrived, so
  // it repaired a loss that must count for congestion control (§7.4.2).
  tlp_end_.reset();
  const std::uint32_t cwnd = cc_->cwnd();
  const std::uint32_t ssthresh = cc_->ssthresh();
  cc_->on_loss_repaired(std::max(flight(), cc_->cwnd()), now);
  note_ecn_reduction();
  ++counters_.tlp_losses_repaired;
  trace_cwnd(now, cwnd, ssthresh, "tail loss probe repaired a loss: cwnd reduced (RFC 8985 §7.4)");
}

}  // namespace tapstack::tcp
