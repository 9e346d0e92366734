// What a TCB sends: data under the send window, congestion window, Nagle
// (RFC 896) and sender SWS avoidance (RFC 1122 §4.2.3.4); ACKs with the
// receive window under receiver SWS avoidance (RFC 1122 §4.2.3.3); SYN and
// RST. Also decides which retransmission/persist timer runs.
#include <algorithm>

#include "stack/tcp/tcb.hpp"

namespace tapstack::tcp {

using namespace wire::tcp_flags;

namespace {

/// RFC 9293 §3.7.1 / RFC 879: MSS = MTU - 20 (IPv4) - 20 (TCP).
std::uint16_t mss_for(std::size_t mtu) {
  return static_cast<std::uint16_t>(std::clamp<std::size_t>(mtu, 128, 65535) - 40);
}

}  // namespace

std::uint16_t Tcb::receive_mss() const { return mss_for(env_.ip.link_mtu()); }

std::uint16_t Tcb::path_mss() const { return mss_for(env_.ip.path_mtu(tuple_.remote_addr)); }

std::size_t Tcb::sack_block_count() const {
  if (!sack_ok_) return 0;
  const std::size_t dsack = dsack_ ? 1 : 0;
  if (!recv_.has_out_of_order()) return dsack;
  return std::min(recv_.out_of_order_ranges(wire::kMaxSackBlocks).size() + dsack,
                  wire::kMaxSackBlocks);
}

void Tcb::add_sack_blocks(wire::TcpOptions& options) const {
  if (!sack_ok_) return;
  if (dsack_) {
    // RFC 2883 §4: the duplicate first, then the usual blocks.
    options.sack[options.sack_count++] = wire::SackBlock{dsack_->first.raw(), dsack_->second.raw()};
  }
  if (!recv_.has_out_of_order()) return;
  const auto ranges = recv_.out_of_order_ranges(wire::kMaxSackBlocks - options.sack_count);
  for (const auto& [start, end] : ranges) {
    options.sack[options.sack_count++] =
        wire::SackBlock{(rcv_.nxt + static_cast<std::uint32_t>(start)).raw(),
                        (rcv_.nxt + static_cast<std::uint32_t>(end)).raw()};
  }
}

std::uint32_t Tcb::payload_room() const {
  const std::size_t blocks = sack_block_count();
  if (blocks == 0) return snd_.mss;
  return snd_.mss - static_cast<std::uint32_t>(4 + 8 * blocks);
}

std::uint32_t Tcb::unsent() const {
  const std::size_t off = snd_.nxt.since(snd_.una);
  return off < send_buf_.size() ? static_cast<std::uint32_t>(send_buf_.size() - off) : 0;
}

void Tcb::output(Instant now) {
  bool sent = false;
  if (is_synchronized(state_) && state_ != TcpState::TimeWait) {
    while (send_next_data(now)) sent = true;
  }
  const bool can_ack = state_ != TcpState::Closed && state_ != TcpState::SynSent;
  if (!sent && can_ack && ack_now_) send_ack(now, ack_why_);
  ack_now_ = false;
  ack_why_ = "ACK";
  arm_timers(now);
}

std::uint32_t Tcb::congestion_room(std::uint32_t in_flight) const {
  if (sack_ok_) {
    // RFC 6675 §5: during recovery cwnd = ssthresh, and what is in the
    // network is `pipe`, which also covers limited transmit (RFC 3042).
    const std::uint32_t window = cc_->in_recovery() ? cc_->ssthresh() : cc_->cwnd();
    const std::uint32_t in_network = pipe();
    return window > in_network ? window - in_network : 0;
  }
  // RFC 3042 limited transmit: the first two duplicate ACKs each let one
  // new segment out, so a small window can still reach three duplicates.
  const std::uint32_t limited = cc_->in_recovery() ? 0 : std::min(dup_acks_, 2u) * snd_.mss;
  const std::uint32_t window = cc_->cwnd() + limited;
  return window > in_flight ? window - in_flight : 0;
}

bool Tcb::send_next_data(Instant now) {
  const std::uint32_t in_flight = flight();
  const std::uint32_t cwnd_room = congestion_room(in_flight);
  if (sack_ok_) {
    // RFC 6675 §5 NextSeg: lost data goes before new data.
    if (const auto lost = next_lost()) {
      const std::uint32_t len = std::min(lost->end.since(lost->start), payload_room());
      if (cwnd_room < len) return false;
      const char* why = lost->resend          ? "retransmission lost (RFC 8985 §6.2): resend"
                        : cc_->in_recovery() ? "SACK recovery: hole retransmit (RFC 6675)"
                                             : "after RTO: retransmit what is not SACKed";
      return retransmit_range(lost->start, lost->end, now, why);
    }
  }
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
  const bool nagle = env_.settings.nagle && !nodelay_;
  if (nagle && len < room && len == pending && !fin && in_flight > 0 &&
      seq_gt(small_end_, snd_.una)) {
    // RFC 896 / RFC 1122 §4.2.3.4 with Minshall's refinement (as Linux): hold
    // a partial segment while an earlier partial segment is unacknowledged.
    if (!nagle_held_) {
      trace(TraceKind::NagleHold, now, len, in_flight, 0, 0, 0,
            "holding a small segment while an earlier small one is unacked");
    }
    nagle_held_ = true;
    return false;
  }
  if (nagle_held_) {
    trace(TraceKind::NagleRelease, now, len, 0, 0, 0, 0,
          len >= room ? "a full-sized segment is ready"
          : fin       ? "FIN to send"
                      : "the earlier small segment was acked");
    nagle_held_ = false;
  }
  if (len < room) small_end_ = snd_.nxt + len;
  const char* why = !seq_lt(snd_.nxt, snd_.max) ? (len == 0 ? "FIN" : "data")
                    : snd_.una == snd_.nxt && snd_.max.since(snd_.nxt) == 1
                        ? "window open: data from the probed byte on"
                        : "go-back-N retransmit after RTO";
  send_range(snd_.nxt, len, fin, now, why);
  return true;
}

// New data as one super-segment of whole segments (a partial one only at the
// end of what is pending) when the link cuts segments for us.
std::uint32_t Tcb::offload_length(std::uint32_t pending, std::uint32_t usable,
                                  std::uint32_t room) const {
  // One IPv4 datagram: 65535 less the IPv4 header and the largest TCP header.
  constexpr std::uint32_t kMaxSuperPayload = 65535 - 20 - 60;
  const std::uint32_t limit = std::min(env_.settings.segmentation_offload, kMaxSuperPayload);
  if (limit <= room) return room;
  const std::uint32_t most = std::min({pending, usable, limit});
  return most == pending ? most : most / room * room;
}

std::uint32_t Tcb::peer_window_from(SeqNum seq) const {
  // A retransmission stays inside the peer's window like new data does; at
  // SND.UNA a closed window still takes one byte, which is then the probe
  // (RFC 9293 §3.8.6.1; Linux tcp_retransmit_skb trims to the window too).
  const std::uint32_t wnd = seq == snd_.una ? std::max(snd_.wnd, 1u) : snd_.wnd;
  const SeqNum edge = snd_.una + wnd;
  return seq_lt(seq, edge) ? edge.since(seq) : 0;
}

void Tcb::retransmit_head(Instant now, const char* why, std::uint32_t count) {
  const std::uint32_t len = static_cast<std::uint32_t>(std::min<std::size_t>(
      {payload_room(), send_buf_.size(), peer_window_from(snd_.una)}));
  const bool fin = fin_seq_ && snd_.una + len == *fin_seq_;
  if (len == 0 && !fin) return;
  send_range(snd_.una, len, fin, now, why, count);
}

void Tcb::send_range(SeqNum seq, std::uint32_t len, bool fin, Instant now, const char* why,
                     std::uint32_t count) {
  scratch_.resize(len);
  send_buf_.peek(seq.since(snd_.una), scratch_);
  const SeqNum end = seq + len + (fin ? 1u : 0u);
  const bool last = seq + len == snd_.una + static_cast<std::uint32_t>(send_buf_.size());
  const std::uint8_t flags = static_cast<std::uint8_t>(Ack | (fin ? Fin : 0) |
                                                       (len > 0 && last ? Psh : 0));
  if (seq_lt(seq, snd_.max)) {
    // Karn's algorithm (RFC 6298 §3): never time a retransmitted segment.
    ++retransmits_;
    ++env_.counters.retransmits;
    rtt_timing_.reset();
    trace(TraceKind::Retransmit, now, seq.raw(), len, retries_, rtt_.rto().count(), 0, why);
  } else {
    if (!rtt_timing_) rtt_timing_ = std::make_pair(end, now);
    timers_.probe.reset();  // RFC 8985 §7.2: new data reschedules the PTO
  }
  transmit(seq, flags, scratch_, {}, now, why, count);
  if (fin) fin_seq_ = seq + len;
  if (seq_gt(end, snd_.nxt)) snd_.nxt = end;
  if (seq_gt(end, snd_.max)) {
    bytes_sent_ += end.since(snd_.max) - (fin ? 1u : 0u);
    snd_.max = end;
  }
}

void Tcb::send_syn(Instant now) {
  wire::TcpOptions options;
  options.mss = receive_mss();
  // RFC 7323 §1.3: offer scaling on our SYN; answer a SYN only if it offered.
  const bool offer_ws = env_.settings.window_scaling && (!passive_ || peer_ws_ok_);
  if (offer_ws) options.window_scale = rcv_.wnd_shift;
  options.sack_permitted = env_.settings.sack && (!passive_ || sack_ok_);
  const bool first = snd_.max == snd_.iss;
  const bool synack = state_ == TcpState::SynReceived;
  if (first) {
    rtt_timing_ = std::make_pair(snd_.iss + 1, now);
  } else {
    ++retransmits_;
    ++env_.counters.retransmits;
    rtt_timing_.reset();
    trace(TraceKind::Retransmit, now, snd_.iss.raw(), 0, retries_, rtt_.rto().count(), 0,
          synack ? "SYN-ACK retransmit" : "SYN retransmit");
  }
  const std::uint8_t flags = synack ? (Syn | Ack) : Syn;
  const char* why = first ? (synack ? "SYN-ACK" : "SYN")
                          : (synack ? "SYN-ACK retransmit" : "SYN retransmit");
  transmit(snd_.iss, flags, {}, options, now, why, first ? 0 : retries_);
  snd_.nxt = snd_.iss + 1;
  snd_.max = snd_.iss + 1;
}

void Tcb::send_ack(Instant now, const char* why) {
  // SND.NXT rewinds during go-back-N retransmission; a pure ACK carries the
  // highest sequence number sent instead, so the peer does not find it below
  // RCV.NXT and discard it (Linux tcp_acceptable_seq does the same).
  transmit(snd_.max, Ack, {}, {}, now, why);
}

void Tcb::send_rst(SeqNum seq, std::optional<SeqNum> ack, Instant now, const char* why) {
  wire::TcpHeader h;
  h.src_port = tuple_.local_port;
  h.dst_port = tuple_.remote_port;
  h.seq = seq.raw();
  h.ack = ack ? ack->raw() : 0;
  h.flags = static_cast<std::uint8_t>(Rst | (ack ? Ack : 0));
  trace_segment(TraceKind::SegmentOut, now, h, 0, why);
  const auto bytes = wire::build_tcp(tuple_.local_addr, tuple_.remote_addr, h, {});
  (void)env_.ip.send_ipv4(tuple_.local_addr, tuple_.remote_addr, net::IpProtocol::Tcp, bytes,
                          kSegmentOptions);
  ++env_.counters.tx_segments;
  ++env_.counters.tx_resets;
}

void Tcb::transmit(SeqNum seq, std::uint8_t flags, Bytes payload, const wire::TcpOptions& options,
                   Instant now, const char* why, std::uint32_t count) {
  wire::TcpHeader h;
  h.src_port = tuple_.local_port;
  h.dst_port = tuple_.remote_port;
  h.seq = seq.raw();
  h.flags = flags;
  if ((flags & Ack) != 0) h.ack = rcv_.nxt.raw();
  h.window = window_to_advertise((flags & Syn) != 0);
  h.options = options;
  if ((flags & (Ack | Syn)) == Ack) add_sack_blocks(h.options);
  // Traced before it leaves, so a capture can label the frame with `why`.
  trace_segment(TraceKind::SegmentOut, now, h, payload.size(), why, count);
  const auto bytes = wire::build_tcp(tuple_.local_addr, tuple_.remote_addr, h, payload);
  net::Ipv4SendOptions ip_options = kSegmentOptions;
  if (payload.size() > payload_room()) {
    ip_options.segment_size = static_cast<std::uint16_t>(payload_room());
    ++env_.counters.tx_super_segments;
  }
  (void)env_.ip.send_ipv4(tuple_.local_addr, tuple_.remote_addr, net::IpProtocol::Tcp, bytes,
                          ip_options);
  ++env_.counters.tx_segments;
  if ((flags & Ack) != 0) {
    unacked_bytes_ = 0;
    timers_.delayed_ack.reset();
    timers_.window_update.reset();  // this segment carries the window
    dsack_.reset();  // RFC 2883 §4: each duplicate is reported once
  }
}

std::uint32_t Tcb::receive_window() const {
  return seq_gt(rcv_.adv_edge, rcv_.nxt) ? rcv_.adv_edge.since(rcv_.nxt) : 0;
}

namespace {

/// RFC 1122 §4.2.3.3: move the right edge only by min(RCV.BUFF / 2, MSS) or more.
std::uint32_t sws_threshold(std::size_t capacity, std::uint32_t mss) {
  return std::min<std::uint32_t>(static_cast<std::uint32_t>(capacity / 2), mss);
}

}  // namespace

bool Tcb::window_update_due() const {
  if (!may_recv(state_)) return false;
  const std::uint32_t max_wnd = 65535u << rcv_.wnd_shift;
  const SeqNum edge =
      rcv_.nxt + static_cast<std::uint32_t>(std::min<std::size_t>(recv_.free(), max_wnd));
  const SeqNum current = seq_max(rcv_.adv_edge, rcv_.nxt);
  return seq_gt(edge, current) &&
         edge.since(current) >= sws_threshold(recv_.capacity(), rcv_.mss);
}

std::uint16_t Tcb::window_to_advertise(bool syn) {
  const std::size_t free = recv_.free();
  if (syn) {
    // RFC 7323 §2.2: the window in a SYN is never scaled.
    const auto w = static_cast<std::uint16_t>(std::min<std::size_t>(free, 65535));
    rcv_.adv_edge = rcv_.nxt + w;
    return w;
  }
  const std::uint8_t shift = rcv_.wnd_shift;
  const SeqNum fresh =
      rcv_.nxt + static_cast<std::uint32_t>(std::min<std::size_t>(free, 65535u << shift));
  SeqNum edge = seq_max(rcv_.adv_edge, rcv_.nxt);
  if (seq_gt(fresh, edge) && fresh.since(edge) >= sws_threshold(recv_.capacity(), rcv_.mss)) {
    edge = fresh;
  }
  // Round up so the advertised right edge never moves left (RFC 9293 §3.8.6.2.2).
  const std::uint32_t wnd = edge.since(rcv_.nxt);
  const std::uint32_t field =
      std::min<std::uint32_t>((wnd + (1u << shift) - 1) >> shift, 65535u);
  rcv_.adv_edge = seq_max(rcv_.adv_edge, rcv_.nxt + (field << shift));
  return static_cast<std::uint16_t>(field);
}

void Tcb::arm_timers(Instant now) {
  if (state_ == TcpState::SynSent || state_ == TcpState::SynReceived) {
    if (!timers_.retransmit) timers_.retransmit = now + rtt_.rto();
    return;
  }
  if (!is_synchronized(state_) || state_ == TcpState::TimeWait) {
    timers_.retransmit.reset();
    timers_.persist.reset();
    timers_.probe.reset();
    return;
  }
  if (snd_.wnd == 0 && !send_buf_.empty()) {
    // RFC 9293 §3.8.6.1: a zero window is probed by the persist timer, with
    // exponential backoff (RFC 1122 §4.2.2.17), instead of retransmissions.
    timers_.retransmit.reset();
    timers_.probe.reset();
    if (!timers_.persist) {
      const Duration interval = std::min(rtt_.rto() * (1 << std::min(persist_backoff_, 16u)),
                                         env_.settings.rto_max);
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

}  // namespace tapstack::tcp
