// What the Sender sends: data under the send window, congestion window,
// Nagle (RFC 896) and sender SWS avoidance (RFC 1122 §4.2.3.4), and which
// of the retransmission and persist timers runs.
#include <algorithm>

#include "stack/tcp/deadline.hpp"
#include "stack/tcp/sender.hpp"
#include "stack/tcp/socket_options.hpp"

namespace tapstack::tcp {

using namespace wire::tcp_flags;

std::uint32_t Sender::payload_room() const {
  const std::size_t blocks = sink_.sack_blocks();
  if (blocks == 0) return snd_.mss;
  return snd_.mss - static_cast<std::uint32_t>(4 + 8 * blocks);
}

std::uint32_t Sender::unsent() const {
  const std::size_t off = snd_.nxt.since(snd_.una);
  return off < buf_.size() ? static_cast<std::uint32_t>(buf_.size() - off) : 0;
}

bool Sender::push(Instant now) {
  bool sent = false;
  while (send_next_data(now)) sent = true;
  return sent;
}

std::uint32_t Sender::congestion_room(std::uint32_t in_flight) const {
  if (sack_ok_) {
    // RFC 6937: during recovery PRR says how much; otherwise cwnd less
    // `pipe`, which also covers limited transmit (RFC 3042).
    if (cc_->in_recovery()) return prr_.allowance();
    const std::uint32_t in_network = log_.pipe();
    return cc_->cwnd() > in_network ? cc_->cwnd() - in_network : 0;
  }
  // RFC 3042 limited transmit: the first two duplicate ACKs each let one
  // new segment out, so a small window can still reach three duplicates.
  const std::uint32_t limited = cc_->in_recovery() ? 0 : std::min(dup_acks_, 2u) * snd_.mss;
  const std::uint32_t window = cc_->cwnd() + limited;
  return window > in_flight ? window - in_flight : 0;
}

bool Sender::send_next_data(Instant now) {
  const std::uint32_t in_flight = flight();
  const std::uint32_t cwnd_room = congestion_room(in_flight);
  if (sack_ok_) {
    // RFC 6675 §5 NextSeg: lost data goes before new data.
    if (const auto lost = next_lost()) {
      const std::uint32_t len = std::min(lost->end.since(lost->start), payload_room());
      if (cwnd_room < len) return false;
      const char* why = lost->resend          ? "retransmission lost (RFC 8985 §6.2): resend"
                        : cc_->in_recovery() ? "RACK: lost by time, retransmit (RFC 8985)"
                                             : "after RTO: retransmit what is not SACKed";
      return retransmit_range(lost->start, lost->end, now, why);
    }
  }
  return send_new_data(in_flight, cwnd_room, now);
}

bool Sender::send_new_data(std::uint32_t in_flight, std::uint32_t cwnd_room, Instant now) {
  const std::uint32_t pending = unsent();
  // The FIN is still to send unless it went out at or before SND.NXT (which
  // rewinds on a timeout, making it pending again).
  const bool fin_pending = fin_queued_ && !(fin_seq_ && seq_gt(snd_.nxt, *fin_seq_));
  const std::uint32_t wnd_room = snd_.wnd > in_flight ? snd_.wnd - in_flight : 0;
  const std::uint32_t usable = std::min(cwnd_room, wnd_room);
  const std::uint32_t room = payload_room();
  std::uint32_t len = std::min({pending, usable, room});
  if (len == room && seq_ge(snd_.nxt, snd_.max)) len = offload_length(pending, usable, room);
  // The FIN rides on the last data segment, or goes alone once all data is out.
  const bool fin = fin_pending && len == pending;
  if (len == 0 && !fin) return false;
  if (len < pending && len < room && in_flight > 0 && len < snd_.max_wnd / 2) {
    return false;  // RFC 1122 §4.2.3.4: sender SWS avoidance, wait for a bigger window
  }
  if (len == pending && cork_holds(len, room, fin, now)) return false;
  if (nagle_holds(len, room, pending, fin, in_flight, now)) return false;
  if (len < room) small_end_ = snd_.nxt + len;
  const char* why = !seq_lt(snd_.nxt, snd_.max) ? (len == 0 ? "FIN" : "data")
                    : snd_.una == snd_.nxt && snd_.max.since(snd_.nxt) == 1
                        ? "window open: data from the probed byte on"
                        : "go-back-N retransmit after RTO";
  send_range(snd_.nxt, len, fin, now, why);
  return true;
}

bool Sender::nagle_holds(std::uint32_t len, std::uint32_t room, std::uint32_t pending, bool fin,
                         std::uint32_t in_flight, Instant now) {
  const bool nagle = settings_.nagle && !nodelay_;
  if (nagle && len < room && len == pending && !fin && in_flight > 0 &&
      seq_gt(small_end_, snd_.una)) {
    // RFC 896 / RFC 1122 §4.2.3.4 with Minshall's refinement (as Linux): hold
    // a partial segment while an earlier partial segment is unacknowledged.
    if (!nagle_held_) {
      trace_.event(TraceKind::NagleHold, now, len, in_flight, 0, 0, 0,
                   "holding a small segment while an earlier small one is unacked");
    }
    nagle_held_ = true;
    return true;
  }
  if (nagle_held_) {
    trace_.event(TraceKind::NagleRelease, now, len, 0, 0, 0, 0,
                 len >= room ? "a full-sized segment is ready"
                 : fin       ? "FIN to send"
                             : "the earlier small segment was acked");
    nagle_held_ = false;
  }
  return false;
}

// Linux's TCP_CORK: the last partial segment waits for more data, the FIN
// or uncorking, but no longer than kCorkCeiling.
bool Sender::cork_holds(std::uint32_t len, std::uint32_t room, bool fin, Instant now) {
  if (!corked_ || len >= room || fin || len == 0) {
    cork_expired_ = false;
    timers_.cork.reset();
    return false;
  }
  if (cork_expired_) return false;
  if (!timers_.cork) {
    timers_.cork = now + kCorkCeiling;
    trace_.event(TraceKind::NagleHold, now, len, 0, 0, 0, 0, "TCP_CORK: holding a partial segment");
  }
  return true;
}

// New data as one super-segment of whole segments (a partial one only at the
// end of what is pending) when the link cuts segments for us.
std::uint32_t Sender::offload_length(std::uint32_t pending, std::uint32_t usable,
                                     std::uint32_t room) const {
  // One IPv4 datagram: 65535 less the IPv4 header and the largest TCP header.
  constexpr std::uint32_t kMaxSuperPayload = 65535 - 20 - 60;
  const std::uint32_t limit = std::min(settings_.segmentation_offload, kMaxSuperPayload);
  if (limit <= room) return room;
  const std::uint32_t most = std::min({pending, usable, limit});
  return most == pending ? most : most / room * room;
}

std::uint32_t Sender::peer_window_from(SeqNum seq) const {
  // A retransmission stays inside the peer's window like new data does; at
  // SND.UNA a closed window still takes one byte, which is then the probe
  // (RFC 9293 §3.8.6.1; Linux tcp_retransmit_skb trims to the window too).
  const std::uint32_t wnd = seq == snd_.una ? std::max(snd_.wnd, 1u) : snd_.wnd;
  const SeqNum edge = snd_.una + wnd;
  return seq_lt(seq, edge) ? edge.since(seq) : 0;
}

void Sender::retransmit_head(Instant now, const char* why, std::uint32_t count) {
  const std::uint32_t len = static_cast<std::uint32_t>(std::min<std::size_t>(
      {payload_room(), buf_.size(), peer_window_from(snd_.una)}));
  const bool fin = fin_seq_ && snd_.una + len == *fin_seq_;
  if (len == 0 && !fin) return;
  send_range(snd_.una, len, fin, now, why, count);
}

void Sender::send_range(SeqNum seq, std::uint32_t len, bool fin, Instant now, const char* why,
                        std::uint32_t count) {
  scratch_.resize(len);
  buf_.peek(seq.since(snd_.una), scratch_);
  const SeqNum end = seq + len + (fin ? 1u : 0u);
  const bool last = seq + len == snd_.una + static_cast<std::uint32_t>(buf_.size());
  const std::uint8_t flags = static_cast<std::uint8_t>(Ack | (fin ? Fin : 0) |
                                                       (len > 0 && last ? Psh : 0));
  if (seq_lt(seq, snd_.max)) {
    // Karn's algorithm (RFC 6298 §3): never time a retransmitted segment.
    ++retransmits_;
    ++counters_.retransmits;
    rtt_timing_.reset();
    ack_rtt_.on_retransmit();
    trace_.event(TraceKind::Retransmit, now, seq.raw(), len, retries_, rtt_.rto().count(), 0,
                 why);
  } else {
    if (!rtt_timing_) rtt_timing_ = std::make_pair(end, now);
    ack_rtt_.on_send(end, now);
    timers_.probe.reset();  // RFC 8985 §7.2: new data reschedules the PTO
  }
  // More than a segment's payload is a super-segment for the link to cut.
  const std::uint32_t room = payload_room();
  const auto cut = static_cast<std::uint16_t>(len > room ? room : 0);
  sink_.transmit({seq, flags, scratch_, {}, why, count, cut, !seq_lt(seq, snd_.max)}, now);
  log_.on_send(seq, end, now);
  if (cc_->in_recovery()) prr_.on_sent(end.since(seq));
  if (fin) fin_seq_ = seq + len;
  if (seq_gt(end, snd_.nxt)) snd_.nxt = end;
  if (seq_gt(end, snd_.max)) {
    bytes_sent_ += end.since(snd_.max) - (fin ? 1u : 0u);
    snd_.max = end;
  }
}

void Sender::arm_handshake_timer(Instant now) {
  if (!timers_.retransmit) timers_.retransmit = now + rtt_.rto();
}

void Sender::arm_timers(Instant now) {
  if (snd_.wnd == 0 && !buf_.empty()) {
    // RFC 9293 §3.8.6.1: a zero window is probed by the persist timer, with
    // exponential backoff (RFC 1122 §4.2.2.17), instead of retransmissions.
    timers_.retransmit.reset();
    timers_.probe.reset();
    if (!timers_.persist) {
      const Duration interval = std::min(rtt_.rto() * (1 << std::min(persist_backoff_, 16u)),
                                         settings_.rto_max);
      timers_.persist = now + interval;
    }
    return;
  }
  timers_.persist.reset();
  if (snd_.nxt != snd_.una) {
    if (!timers_.retransmit) timers_.retransmit = now + rtt_.rto();  // RFC 6298 §5.1
  } else {
    timers_.retransmit.reset();
  }
  arm_probe(now);
}

bool Sender::timer_expired(SendTimer timer, Instant now) {
  switch (timer) {
    case SendTimer::Retransmit: return expire(timers_.retransmit, now);
    case SendTimer::Persist: return expire(timers_.persist, now);
    case SendTimer::Probe: return expire(timers_.probe, now);
    case SendTimer::Reorder: return expire(timers_.reorder, now);
    case SendTimer::Cork:
      cork_expired_ = expire(timers_.cork, now);
      return cork_expired_;
  }
  return false;
}

Instant Sender::next_deadline() const {
  const Instant t = earliest(earliest(Instant::max(), timers_.retransmit), timers_.persist);
  return earliest(earliest(earliest(t, timers_.probe), timers_.reorder), timers_.cork);
}

bool Sender::on_persist_timeout(Instant now) {
  if (snd_.wnd != 0 || buf_.empty()) return false;
  ++counters_.zero_window_probes;
  trace_.event(TraceKind::ZeroWindowProbe, now, snd_.una.raw(), persist_backoff_, 0, 0, 0,
               "persist timer: peer's window is zero");
  // RFC 9293 §3.8.6.1: send one byte beyond the closed window. A receiver
  // whose window is zero discards it, so SND.NXT stays: when the window
  // opens, sending resumes at SND.UNA with that byte instead of leaving a
  // one-byte hole for loss recovery to find. SND.MAX covers it, so an ACK
  // of the byte from a receiver that kept it is valid.
  scratch_.resize(1);
  buf_.peek(0, scratch_);
  sink_.transmit({snd_.una, Ack, scratch_, {}, "zero-window probe", persist_backoff_ + 1, 0}, now);
  if (seq_lt(snd_.max, snd_.una + 1)) {
    snd_.max = snd_.una + 1;
    bytes_sent_ += 1;
  }
  ++persist_backoff_;
  ++unanswered_probes_;
  return true;
}

}  // namespace tapstack::tcp
