// The receiving half: sequence check, reassembly, ACK policy and window.
#include "stack/tcp/receiver.hpp"

#include <algorithm>

#include "stack/tcp/deadline.hpp"

namespace tapstack::tcp {
namespace {

/// RFC 7323 §2.3: the smallest shift that lets the window cover the buffer.
std::uint8_t shift_for(std::size_t buffer) {
  std::uint8_t shift = 0;
  while (shift < wire::kTcpMaxWindowShift && (std::size_t{65535} << shift) < buffer) ++shift;
  return shift;
}

/// RFC 1122 §4.2.3.3: move the right edge only by min(RCV.BUFF / 2, MSS) or more.
std::uint32_t sws_threshold(std::size_t capacity, std::uint32_t mss) {
  return std::min<std::uint32_t>(static_cast<std::uint32_t>(capacity / 2), mss);
}

}  // namespace

Receiver::Receiver(const TcpSettings& settings, TcpCounters& counters, const ConnTrace& trace)
    : settings_(settings),
      counters_(counters),
      trace_(trace),
      store_(settings.recv_buffer, settings.max_ooo_segments) {
  rcv_.wnd_shift = settings.window_scaling ? shift_for(settings.recv_buffer) : 0;
}

void Receiver::set_buffer(std::size_t bytes, bool choose_scale) {
  if (!choose_scale) {
    // The peer may fill what was offered: never below the capacity.
    store_.resize(std::max(bytes, store_.capacity()));
    return;
  }
  store_.resize(std::max<std::size_t>(bytes, 1));
  rcv_.wnd_shift = settings_.window_scaling ? shift_for(bytes) : 0;
}

void Receiver::open(SeqNum irs) {
  rcv_.irs = irs;
  rcv_.nxt = irs + 1;
  rcv_.adv_edge = rcv_.nxt;
}

void Receiver::open_from_cookie(SeqNum irs) {
  open(irs);
  rcv_.adv_edge =
      rcv_.nxt + static_cast<std::uint32_t>(std::min<std::size_t>(store_.free(), 65535));
}

void Receiver::negotiate(bool window_scaling, bool sack, bool timestamps) {
  if (!window_scaling) rcv_.wnd_shift = 0;
  sack_ok_ = sack;
  // 40 option bytes: a TSopt's 12 leave room for three blocks (RFC 2018 §3).
  max_sack_blocks_ = timestamps ? 3 : wire::kMaxSackBlocks;
}

bool Receiver::acceptable(const Segment& seg) const {
  const std::uint32_t wnd = window();
  const std::uint32_t len = seg.seq_len();
  if (wnd == 0) {
    // RFC: only len 0 at RCV.NXT. Linux (tcp_sequence) also takes a segment
    // starting at RCV.NXT, so a FIN can arrive while the window is closed;
    // its data is then trimmed to the (empty) window in on_data.
    return seg.seq() == rcv_.nxt;
  }
  if (len == 0) return in_window(seg.seq(), rcv_.nxt, wnd);
  return in_window(seg.seq(), rcv_.nxt, wnd) || in_window(seg.seq() + (len - 1), rcv_.nxt, wnd);
}

void Receiver::on_unacceptable(const Segment& seg) {
  const SeqNum end = seg.seq() + static_cast<std::uint32_t>(seg.payload.size());
  if (sack_ok_ && !seg.payload.empty() && seq_le(end, rcv_.nxt)) {
    dsack_ = std::make_pair(seg.seq(), end);  // old data again: RFC 2883 §4 D-SACK
  }
}

bool Receiver::trim_duplicate(const Segment& seg, Bytes& data, SeqNum& seq, Instant now) {
  if (!seq_lt(seq, rcv_.nxt)) return true;
  const std::uint32_t old = rcv_.nxt.since(seq);
  if (old >= data.size()) {
    counters_.rx_duplicate_bytes += data.size();
    dsack_ = std::make_pair(seq, seq + static_cast<std::uint32_t>(data.size()));
    trace_.segment(TraceKind::Drop, now, seg.header, seg.payload.size(), "duplicate data");
    ack_now("ACK for duplicate data");
    return false;
  }
  counters_.rx_duplicate_bytes += old;
  dsack_ = std::make_pair(seq, rcv_.nxt);
  data = data.subspan(old);
  seq = rcv_.nxt;
  return true;
}

DataResult Receiver::on_data(const Segment& seg, Instant now, std::uint32_t send_mss) {
  Bytes data = seg.payload;
  SeqNum seq = seg.seq();
  if (!trim_duplicate(seg, data, seq, now)) return {};
  const std::size_t offset = seq.since(rcv_.nxt);
  const std::size_t space = store_.free();
  const bool fits = offset + data.size() <= space;
  if (offset >= space) {
    trace_.segment(TraceKind::Drop, now, seg.header, seg.payload.size(),
                   "data beyond the receive buffer");
    ack_now("ACK: no room for the data");  // entirely beyond the space we have
    return {};
  }
  if (!fits) data = data.first(space - offset);
  const bool had_gap = store_.has_out_of_order();
  const std::size_t advanced = store_.add(offset, data);
  if (store_.last_add_dropped()) ++counters_.rx_ooo_dropped;
  if (offset > 0) {
    // RFC 5681 §4.2: an out-of-order segment is acknowledged at once (dup ACK).
    ++counters_.rx_out_of_order;
    if (seg.fin() && fits && !store_.last_add_dropped()) {
      ooo_fin_ = seq + static_cast<std::uint32_t>(data.size());
    }
    ack_now("dup ACK for out-of-order data");
    return {};
  }
  rcv_.nxt += static_cast<std::uint32_t>(advanced);
  bytes_received_ += advanced;
  if (had_gap) ack_now("ACK: a gap was filled");  // RFC 5681 §4.2: ACK at once
  unacked_bytes_ += static_cast<std::uint32_t>(advanced);
  schedule_ack(now, send_mss);
  DataResult result{.readable = true, .fin = false};
  if (ooo_fin_ && *ooo_fin_ == rcv_.nxt) {
    ooo_fin_.reset();
    result.fin = true;
  }
  return result;
}

void Receiver::schedule_ack(Instant now, std::uint32_t send_mss) {
  // RFC 5681 §4.2 / RFC 1122 §4.2.3.2: ACK at least every second full-sized segment.
  if (!settings_.delayed_ack) {
    ack_now("ACK (delayed ACKs off)");
  } else if (quick_acks_ > 0) {
    --quick_acks_;
    ack_now("ACK at once (TCP_QUICKACK)");
  } else if (unacked_bytes_ >= 2 * std::min(send_mss, rcv_.mss)) {
    trace_.event(TraceKind::DelayedAck, now, rcv_.nxt.raw(), unacked_bytes_, 0, 0, 0,
                 "two full-sized segments unacked: ACK now");
    ack_now("ACK every second full-sized segment");
  } else if (!delayed_ack_timer_) {
    delayed_ack_timer_ = now + settings_.delayed_ack_timeout;
    trace_.event(TraceKind::DelayedAck, now, rcv_.nxt.raw(), unacked_bytes_, 0, 0, 0,
                 "delaying the ACK: timer armed");
  }
}

void Receiver::on_fin() {
  fin_received_ = true;
  rcv_.nxt += 1;
  rcv_.adv_edge = seq_max(rcv_.adv_edge, rcv_.nxt);
  ack_now("ACK of the peer's FIN");
}

bool Receiver::flush_delayed_ack() {
  if (!delayed_ack_timer_) return false;
  delayed_ack_timer_.reset();
  return true;
}

const char* Receiver::take_ack_request() {
  return std::exchange(ack_why_, nullptr);
}

void Receiver::on_ack_sent() {
  unacked_bytes_ = 0;
  delayed_ack_timer_.reset();
  window_update_timer_.reset();  // this segment carries the window
  dsack_.reset();                // RFC 2883 §4: each duplicate is reported once
}

std::size_t Receiver::sack_block_count() const {
  if (!sack_ok_) return 0;
  const std::size_t dsack = dsack_ ? 1 : 0;
  if (!store_.has_out_of_order()) return dsack;
  return std::min(store_.out_of_order_ranges(max_sack_blocks_).size() + dsack, max_sack_blocks_);
}

void Receiver::add_sack_blocks(wire::TcpOptions& options) const {
  if (!sack_ok_) return;
  if (dsack_) {
    // RFC 2883 §4: the duplicate first, then the usual blocks.
    options.sack[options.sack_count++] = wire::SackBlock{dsack_->first.raw(), dsack_->second.raw()};
  }
  if (!store_.has_out_of_order()) return;
  const auto ranges = store_.out_of_order_ranges(max_sack_blocks_ - options.sack_count);
  for (const auto& [start, end] : ranges) {
    options.sack[options.sack_count++] =
        wire::SackBlock{(rcv_.nxt + static_cast<std::uint32_t>(start)).raw(),
                        (rcv_.nxt + static_cast<std::uint32_t>(end)).raw()};
  }
}

std::size_t Receiver::read(MutableBytes out) { return store_.read(out); }

void Receiver::offer_window_update(Instant now) {
  if (!window_update_timer_ && window_update_due()) window_update_timer_ = now;
}

std::uint32_t Receiver::window() const {
  return seq_gt(rcv_.adv_edge, rcv_.nxt) ? rcv_.adv_edge.since(rcv_.nxt) : 0;
}

bool Receiver::window_update_due() const {
  const std::uint32_t max_wnd = 65535u << rcv_.wnd_shift;
  const SeqNum edge =
      rcv_.nxt + static_cast<std::uint32_t>(std::min<std::size_t>(store_.free(), max_wnd));
  const SeqNum current = seq_max(rcv_.adv_edge, rcv_.nxt);
  return seq_gt(edge, current) &&
         edge.since(current) >= sws_threshold(store_.capacity(), rcv_.mss);
}

std::uint16_t Receiver::window_to_advertise(bool syn) {
  const std::size_t free = store_.free();
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
  if (seq_gt(fresh, edge) && fresh.since(edge) >= sws_threshold(store_.capacity(), rcv_.mss)) {
    edge = fresh;
  }
  // Round up so the advertised right edge never moves left (RFC 9293 §3.8.6.2.2).
  const std::uint32_t wnd = edge.since(rcv_.nxt);
  const std::uint32_t field =
      std::min<std::uint32_t>((wnd + (1u << shift) - 1) >> shift, 65535u);
  rcv_.adv_edge = seq_max(rcv_.adv_edge, rcv_.nxt + (field << shift));
  return static_cast<std::uint16_t>(field);
}

bool Receiver::delayed_ack_expired(Instant now) {
  if (!expire(delayed_ack_timer_, now)) return false;
  ++counters_.delayed_acks;
  trace_.event(TraceKind::DelayedAck, now, rcv_.nxt.raw(), unacked_bytes_, 0, 0, 0,
               "timer fired: sending the delayed ACK");
  return true;
}

bool Receiver::window_update_expired(Instant now) { return expire(window_update_timer_, now); }

Instant Receiver::next_deadline() const {
  return earliest(earliest(Instant::max(), delayed_ack_timer_), window_update_timer_);
}

void Receiver::stop_timers() {
  delayed_ack_timer_.reset();
  window_update_timer_.reset();
}

}  // namespace tapstack::tcp
