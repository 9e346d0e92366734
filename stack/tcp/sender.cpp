// The Sender's set-up, handshake, user writes and ACK processing
// (RFC 9293 §3.10.7.4 fifth; RFC 6298, RFC 5681, RFC 6582).
#include "stack/tcp/sender.hpp"

#include <algorithm>

namespace tapstack::tcp {
namespace {

/// RFC 5681 §3.2: duplicate ACKs that start fast retransmit.
constexpr std::uint32_t kDupThresh = 3;

}  // namespace

using namespace wire::tcp_flags;

Sender::Sender(const TcpSettings& settings, TcpCounters& counters, const ConnTrace& trace,
               SegmentSink& sink)
    : settings_(settings),
      counters_(counters),
      trace_(trace),
      sink_(sink),
      rtt_(settings.rto_initial, settings.rto_min, settings.rto_max),
      cc_(make_congestion_control(settings.congestion, 536)),
      buf_(settings.send_buffer) {}

void Sender::set_buffer(std::size_t bytes) { buf_.resize(std::max<std::size_t>(bytes, 1)); }

void Sender::open(SeqNum iss) {
  snd_.iss = snd_.una = snd_.nxt = snd_.max = snd_.recover = small_end_ = iss;
}

void Sender::open_from_cookie(SeqNum iss) {
  snd_.iss = snd_.recover = small_end_ = iss;
  snd_.una = snd_.nxt = snd_.max = iss + 1;
}

void Sender::negotiate(std::uint32_t mss, std::uint8_t peer_shift, bool sack) {
  snd_.mss = mss;
  snd_.wnd_shift = peer_shift;
  sack_ok_ = sack;
  cc_ = make_congestion_control(cc_->algorithm(), mss);
}

void Sender::set_congestion(CongestionAlgorithm algorithm) {
  if (algorithm == cc_->algorithm()) return;
  auto next = make_congestion_control(algorithm, snd_.mss);
  next->take_window(*cc_);
  cc_ = std::move(next);
}

void Sender::init_window(std::uint32_t wnd, SeqNum wl1, SeqNum wl2) {
  snd_.wnd = snd_.max_wnd = wnd;
  snd_.wl1 = wl1;
  snd_.wl2 = wl2;
}

void Sender::send_syn(bool synack, const wire::TcpOptions& options, std::uint8_t ecn_flags,
                      Instant now) {
  const bool first = snd_.max == snd_.iss;
  if (first) {
    rtt_timing_ = std::make_pair(snd_.iss + 1, now);
  } else {
    ++retransmits_;
    ++counters_.retransmits;
    rtt_timing_.reset();
    trace_.event(TraceKind::Retransmit, now, snd_.iss.raw(), 0, retries_, rtt_.rto().count(), 0,
                 synack ? "SYN-ACK retransmit" : "SYN retransmit");
  }
  const auto flags = static_cast<std::uint8_t>((synack ? (Syn | Ack) : Syn) | ecn_flags);
  const char* why = first ? (synack ? "SYN-ACK" : "SYN")
                          : (synack ? "SYN-ACK retransmit" : "SYN retransmit");
  sink_.transmit({snd_.iss, flags, {}, options, why, first ? 0 : retries_, 0}, now);
  snd_.nxt = snd_.iss + 1;
  snd_.max = snd_.iss + 1;
}

void Sender::on_syn_acked(SeqNum ack, Instant now) {
  snd_.una = ack;
  if (rtt_timing_ && seq_ge(ack, rtt_timing_->first)) {
    rtt_.sample(now - rtt_timing_->second);
    trace_.event(TraceKind::RttSample, now, (now - rtt_timing_->second).count(),
                 rtt_.srtt().count(), rtt_.rttvar().count(), rtt_.rto().count(), 0,
                 "SYN → SYN-ACK");
  }
  rtt_timing_.reset();
  retries_ = 0;
  timers_.retransmit.reset();
}

std::size_t Sender::write(Bytes data) {
  const std::size_t n = buf_.write(data);
  // A writer that filled the buffer (whether or not all of its data fit) is
  // told when room opens again, as poll() would report POLLOUT.
  if (n < data.size() || buf_.free() == 0) want_writable_ = true;
  return n;
}

AckResult Sender::on_ack(const Segment& seg, Instant now) {
  const SeqNum ack = seg.ack();
  if (!seq_gt(ack, snd_.una)) return {};
  const std::uint32_t acked = ack.since(snd_.una);
  const bool syn_acked = snd_.una == snd_.iss;
  AckResult result;
  result.advanced = true;
  result.fin_acked = fin_seq_ && seq_gt(ack, *fin_seq_) && seq_le(snd_.una, *fin_seq_);
  const std::uint32_t data = acked - (syn_acked ? 1u : 0u) - (result.fin_acked ? 1u : 0u);
  const bool was_full = buf_.free() == 0;
  buf_.consume(std::min<std::size_t>(data, buf_.size()));
  bytes_acked_ += data;
  snd_.una = ack;
  if (seq_lt(snd_.nxt, ack)) snd_.nxt = ack;
  take_rtt_sample(seg, now);
  if (undo_) check_spurious(seg, now);
  retries_ = 0;
  dup_acks_ = 0;
  rtt_.reset_backoff();
  probe_outstanding_ = false;  // RFC 8985 §7.2: an ACK of new data reschedules the PTO
  timers_.probe.reset();
  on_ack_log(seg, now);
  grow_cwnd(acked, ack, now);
  // RFC 6298 §5.2/§5.3: stop the timer when all is acked, else restart it.
  if (snd_.una == snd_.max) {
    timers_.retransmit.reset();
  } else {
    timers_.retransmit = now + rtt_.rto();
  }
  // Writable after a short send() or whenever a full buffer gets room, so a
  // caller that stops at send_space() == 0 without calling send() resumes.
  if ((want_writable_ || was_full) && data > 0 && !fin_queued_) {
    want_writable_ = false;
    result.room_opened = true;
  }
  return result;
}

void Sender::take_rtt_sample(const Segment& seg, Instant now) {
  Duration r{0};
  const char* why = "timed segment acked";
  if (rtt_timing_ && seq_ge(seg.ack(), rtt_timing_->first)) {
    r = now - rtt_timing_->second;
    rtt_timing_.reset();
  } else if (const auto echoed = ts_ != nullptr ? ts_->rtt(seg, now) : std::nullopt) {
    // Every other ACK of new data is timed by its echo, retransmitted data
    // and recovery included, where Karn leaves no sample (Linux
    // tcp_ack_update_rtt). The echo's 1 ms ticks are coarser than the timer.
    r = *echoed;
    why = "TSecr echo (RFC 7323 §4)";
  } else {
    return;
  }
  rtt_.sample(r);
  trace_.event(TraceKind::RttSample, now, r.count(), rtt_.srtt().count(), rtt_.rttvar().count(),
               rtt_.rto().count(), 0, why);
}

void Sender::grow_cwnd(std::uint32_t acked, SeqNum ack, Instant now) {
  const bool recovering = cc_->in_recovery();
  const bool full = seq_ge(ack, snd_.recover);
  const std::uint32_t cwnd = cc_->cwnd();
  const std::uint32_t ssthresh = cc_->ssthresh();
  cc_->on_ack({acked, flight(), full, now, ack, snd_.nxt, ack_rtt_.on_ack(ack, now), rtt_.srtt()});
  trace_cwnd(now, cwnd, ssthresh, cc_->phase());
  if (recovering && !cc_->in_recovery()) rack_.on_recovery_end();
  // RFC 6582 §3.2 step 5: a partial ACK retransmits the next missing
  // segment. Not with SACK: in a deep pipe most partial ACKs only mean the
  // data above is still on its way; RFC 6675 finds the lost data instead.
  if (recovering && !full && !sack_ok_) retransmit_head(now, "NewReno partial-ACK retransmit");
}

void Sender::after_ack(const Segment& seg, const AckResult& result, Instant now) {
  unanswered_probes_ = 0;  // the peer is alive, whatever its window says
  if (sack_ok_) {
    const std::uint32_t delivered_before = ack_delivered_;
    take_sack_blocks(seg, now);
    on_probe_ack(seg, result.advanced, ack_delivered_ > delivered_before, now);
    detect_losses(now);
  }
  ack_delivered_ = 0;
  if (seg.ece() && ecn_ != nullptr && ecn_->sending()) on_ecn_echo(now);
  // RFC 5681 §2 definition of a duplicate ACK. An ACK that keeps the window
  // closed answers a zero-window probe (RFC 9293 §3.8.6.1): never a duplicate.
  const std::uint32_t seg_wnd = std::uint32_t{seg.header.window} << snd_.wnd_shift;
  if (!result.advanced && seg.ack() == snd_.una && seg.payload.empty() && !seg.syn() &&
      !seg.fin() && snd_.max != snd_.una && seg_wnd == snd_.wnd && seg_wnd != 0) {
    on_dup_ack(seg.header.options.sack_count > 0, now);
  }
  update_window(seg, now);
}

void Sender::update_window(const Segment& seg, Instant now) {
  // §3.10.7.4 fifth: update only from a segment newer than the last update.
  if (!(seq_lt(snd_.wl1, seg.seq()) || (snd_.wl1 == seg.seq() && seq_le(snd_.wl2, seg.ack())))) {
    return;
  }
  const std::uint32_t before = snd_.wnd;
  snd_.wnd = std::uint32_t{seg.header.window} << snd_.wnd_shift;
  if (snd_.wnd != before) {
    trace_.event(TraceKind::WindowUpdate, now, snd_.wnd, before, 0, 0, 0,
                 snd_.wnd == 0 ? "peer closed its window"
                 : before == 0 ? "peer reopened its window"
                               : "peer's window changed");
  }
  snd_.max_wnd = std::max(snd_.max_wnd, snd_.wnd);
  snd_.wl1 = seg.seq();
  snd_.wl2 = seg.ack();
  if (snd_.wnd > 0) {
    persist_backoff_ = 0;
    timers_.persist.reset();
  }
}

void Sender::on_dup_ack(bool sack_blocks, Instant now) {
  ++dup_acks_;
  if (cc_->in_recovery()) {
    // RFC 6582 §3.2 step 3: inflate, so output may send new data. With
    // SACK, RFC 6675 `pipe` does this accounting instead.
    if (!sack_ok_) {
      const std::uint32_t cwnd = cc_->cwnd();
      cc_->on_dup_ack();
      trace_cwnd(now, cwnd, cc_->ssthresh(), "dup ACK in recovery: inflate");
    }
    return;
  }
  // RFC 6582 §3.2 step 1: only when the ACK covers more than `recover`, so
  // duplicates from before a timeout do not trigger a second reduction.
  // With SACK, RACK decides (RFC 8985 §6.2); the count serves only a peer
  // whose duplicates carry no SACK blocks.
  if (dup_acks_ != kDupThresh || !seq_gt(snd_.una, snd_.recover)) return;
  if (sack_ok_) {
    if (sack_blocks || !sacked_.empty() || log_.empty()) return;
    log_.mark_lost(*log_.begin());
    enter_recovery(now, "3 dup ACKs without SACK blocks: fast recovery");
    prr_.on_ack(0, log_.pipe(), cc_->ssthresh(), snd_.mss);
    return;
  }
  enter_recovery(now, "3 dup ACKs: fast retransmit, fast recovery");
}

void Sender::on_ecn_echo(Instant now) {
  ++counters_.rx_ece_acks;
  if (!ecn_->may_reduce(snd_.una)) return;  // this window has had its reduction
  trace_.event(TraceKind::Ecn, now, snd_.una.raw(), 0, 0, 0, 0,
               cc_->in_recovery() ? "ECE received in loss recovery: that reduction counts"
                                  : "ECE received: cwnd reduced once for this window");
  note_ecn_reduction();
  if (cc_->in_recovery()) return;
  // Like a loss (§6.1.2), but nothing is retransmitted: cwnd = ssthresh at once.
  const std::uint32_t cwnd = cc_->cwnd();
  const std::uint32_t ssthresh = cc_->ssthresh();
  cc_->on_loss_repaired(std::max(flight(), cwnd), now);
  ecn_->count_reduction();
  ++counters_.ecn_reductions;
  trace_cwnd(now, cwnd, ssthresh, "ECE: cwnd reduced as for a loss (RFC 3168 §6.1.2)");
}

void Sender::note_ecn_reduction() {
  if (ecn_ != nullptr && ecn_->sending()) ecn_->on_reduced(snd_.max);
}

void Sender::trace_cwnd(Instant now, std::uint32_t cwnd, std::uint32_t ssthresh,
                        const char* why) const {
  if (!trace_.enabled() || (cc_->cwnd() == cwnd && cc_->ssthresh() == ssthresh)) return;
  trace_.event(TraceKind::CongestionChange, now, cc_->cwnd(), cc_->ssthresh(), cwnd, ssthresh, 0,
               why);
}

}  // namespace tapstack::tcp
