// TcpLayer input side: demultiplexing, LISTEN processing (RFC 9293
// §3.10.7.2), SYN cookies (RFC 4987 §3.6), resets for segments that belong
// to no connection (§3.10.7.1), ICMP errors and timers.
#include <algorithm>
#include <array>

#include "stack/tcp/tcp_layer.hpp"

namespace tapstack::tcp {

using namespace wire::tcp_flags;

namespace {

/// MSS values a SYN cookie can encode in two bits (as Linux's msstab).
constexpr std::array<std::uint16_t, 4> kCookieMss = {536, 1220, 1440, 1460};
constexpr std::int64_t kCookiePeriodMicros = 64'000'000;  // the cookie clock ticks every 64 s
constexpr Duration kCookieCheckWindow = 128s;

std::uint64_t cookie_clock(Instant now) {
  return static_cast<std::uint64_t>(to_micros(now) / kCookiePeriodMicros);
}

std::uint32_t make_cookie(const IsnGenerator& isn, const FourTuple& t, std::uint32_t irs,
                          std::uint64_t count, std::uint32_t mss_index) {
  // 5 bits of clock | 25 bits of keyed hash | 2 bits of MSS index.
  const std::uint32_t h = isn.hash(t, (count << 34) | (std::uint64_t{mss_index} << 32) | irs);
  return (static_cast<std::uint32_t>(count & 31) << 27) | ((h & 0x1ffffff) << 2) | mss_index;
}

}  // namespace

net::TransportProtocol::Delivery TcpLayer::on_ipv4_packet(const net::Ipv4PacketInfo& info,
                                                          Bytes payload, Instant now) {
  if (info.link_broadcast || info.dst.is_broadcast() || info.dst.is_multicast() ||
      info.src.is_broadcast() || info.src.is_multicast()) {
    ++counters_.rx_dropped_broadcast;  // RFC 1122 §4.2.3.10: TCP is unicast only
    trace_drop(now, info, "TCP to a broadcast or multicast address");
    return Delivery::Delivered;
  }
  const wire::TcpParsed parsed =
      wire::parse_tcp(payload, info.src, info.dst, !info.checksum_trusted);
  if (parsed.status == wire::TcpParseStatus::BadChecksum) {
    ++counters_.rx_dropped_bad_checksum;
    trace_drop(now, info, "bad TCP checksum");
    return Delivery::Delivered;
  }
  if (parsed.status != wire::TcpParseStatus::Ok) {
    ++counters_.rx_dropped_malformed;
    trace_drop(now, info, "malformed TCP header");
    return Delivery::Delivered;
  }
  ++counters_.rx_segments;
  const Segment seg{info.src, info.dst, parsed.header, parsed.payload, info.ecn()};
  const FourTuple tuple{info.dst, seg.header.dst_port, info.src, seg.header.src_port};
  const auto listener = find_listener(info.dst, seg.header.dst_port);
  if (auto it = connections_.find(tuple); it != connections_.end()) {
    deliver(it->second, seg, now);
    return Delivery::Delivered;
  }
  if (TimeWaitRecord* r = time_wait_.find(tuple)) {
    if (!on_time_wait_segment(*r, seg, listener.has_value(), now)) return Delivery::Delivered;
  }
  if (listener) {
    on_listen_segment(*listener, seg, now);
  } else {
    reset_for(seg, now, "no connection or listener: answered with RST");
  }
  return Delivery::Delivered;
}

void TcpLayer::trace_segment(TraceKind kind, Instant now, SocketId id, const FourTuple& tuple,
                             const wire::TcpHeader& h, std::size_t len, const char* why) const {
  if (trace_ == nullptr) return;
  TraceEvent event = make_trace_event(kind, id, now, why);
  set_segment_fields(event, h, len);
  event.tuple = tuple;
  trace_->on_trace(event);
}

void TcpLayer::trace_incoming(TraceKind kind, Instant now, SocketId id, const Segment& seg,
                              const char* why) const {
  const FourTuple tuple{seg.dst, seg.header.dst_port, seg.src, seg.header.src_port};
  trace_segment(kind, now, id, tuple, seg.header, seg.payload.size(), why);
}

void TcpLayer::trace_drop(Instant now, const net::Ipv4PacketInfo& info, const char* why) const {
  if (trace_ == nullptr) return;
  TraceEvent event = make_trace_event(TraceKind::Drop, {}, now, why);
  event.tuple = FourTuple{info.dst, 0, info.src, 0};
  trace_->on_trace(event);
}

std::optional<std::uint32_t> TcpLayer::find_listener(wire::Ipv4Address addr,
                                                     std::uint16_t port) const {
  if (auto it = listeners_.find({addr.value(), port}); it != listeners_.end()) return it->second;
  if (auto it = listeners_.find({0u, port}); it != listeners_.end()) return it->second;
  return std::nullopt;
}

bool TcpLayer::accept_queue_full(const Listener& l) const {
  return l.accept_queue.size() >= l.backlog;
}

void TcpLayer::deliver(std::uint32_t index, const Segment& seg, Instant now) {
  Slot& s = slots_[index];
  touch(index);
  const TcpState before = s.tcb->state();
  if (s.parent && before == TcpState::SynReceived && seg.has_ack() && !seg.syn() && !seg.rst()) {
    const Listener& l = *slots_[(s.parent.value & 0xffff) - 1].listener;
    if (accept_queue_full(l)) {
      // Linux (tcp_abort_on_overflow = 0): ignore the ACK; the client retries.
      ++counters_.accept_queue_overflows;
      trace_incoming(TraceKind::Drop, now, id_of(index), seg,
                     "accept queue full: handshake ACK ignored");
      return;
    }
  }
  s.tcb->on_segment(seg, now);
  after_tcb_event(index, before, now);
}

void TcpLayer::after_tcb_event(std::uint32_t index, TcpState before, Instant now) {
  Slot& s = slots_[index];
  touch(index);
  const TcpState after = s.tcb->state();
  if (s.parent) {
    Listener& l = *slots_[(s.parent.value & 0xffff) - 1].listener;
    if (before == TcpState::SynReceived && after != TcpState::SynReceived) {
      --l.syn_queued;
      if (after != TcpState::Closed) {
        ++counters_.passive_opens;
        l.accept_queue.push_back(id_of(index));
        events_.push(SocketEvent{net::IpProtocol::Tcp, s.parent, SocketEventKind::AcceptReady,
                                 Errc::Ok});
      }
    }
    if (after == TcpState::Closed) {
      const SocketId me = id_of(index);
      std::erase(l.accept_queue, me);
      free_slot(index, now);
      return;
    }
  }
  if (after == TcpState::Closed) {
    // A closed connection leaves the demux table at once, so later segments
    // for its 4-tuple are answered with RST (§3.10.7.1) or reach a listener;
    // the user keeps the slot (and its error) until close().
    unlink(index);
    if (!s.user_owned) free_slot(index, now);
  } else if (after == TcpState::TimeWait && !s.user_owned && !s.parent) {
    retire_to_time_wait(index, now);
  }
}

void TcpLayer::on_listen_segment(std::uint32_t listener_index, const Segment& seg, Instant now) {
  const SocketId lid = id_of(listener_index);
  if (seg.rst()) {  // §3.10.7.2 first: ignore an RST
    trace_incoming(TraceKind::Drop, now, lid, seg, "RST to a listening port");
    return;
  }
  if (seg.has_ack()) {
    // Second: an ACK to a listener is bad, unless it completes a SYN cookie.
    if (!seg.syn() && settings_.syn_cookies) {
      on_cookie_ack(listener_index, seg, now);
    } else {
      reset_for(seg, now, "ACK to a listening port: answered with RST");
    }
    return;
  }
  if (!seg.syn()) {
    ++counters_.rx_dropped_listen;
    trace_incoming(TraceKind::Drop, now, lid, seg, "neither SYN nor ACK to a listening port");
    return;
  }
  on_listen_syn(listener_index, seg, now);
}

void TcpLayer::on_listen_syn(std::uint32_t listener_index, const Segment& seg, Instant now) {
  Listener& l = *slots_[listener_index].listener;
  const SocketId lid = id_of(listener_index);
  if (accept_queue_full(l)) {
    ++counters_.rx_dropped_listen;  // Linux drops SYNs while the accept queue is full
    trace_incoming(TraceKind::Drop, now, lid, seg, "accept queue full: SYN dropped");
    return;
  }
  if (l.syn_queued >= settings_.syn_backlog) {
    if (settings_.syn_cookies) {
      l.last_cookie = now;
      trace_incoming(TraceKind::SegmentIn, now, lid, seg, "SYN queue full: answering with a cookie");
      send_syn_cookie(seg, now, lid);
    } else {
      ++counters_.rx_dropped_listen;
      trace_incoming(TraceKind::Drop, now, lid, seg, "SYN queue full: SYN dropped");
    }
    return;
  }
  auto index = allocate_slot(true);
  if (!index) {
    ++counters_.rx_dropped_listen;
    trace_incoming(TraceKind::Drop, now, lid, seg, "no free socket slot: SYN dropped");
    return;
  }
  const Slot& ls = slots_[listener_index];
  Slot& s = slots_[*index];
  s.parent = id_of(listener_index);
  s.options = ls.options;
  const FourTuple tuple{seg.dst, seg.header.dst_port, seg.src, seg.header.src_port};
  Tcb& t = make_tcb(*index, tuple);
  t.set_announce(false);
  ++l.syn_queued;
  // Data on a SYN is not queued (no TCP Fast Open); the peer resends it.
  t.open_passive(seg, SeqNum{isn_.isn(tuple, now)}, now);
}

void TcpLayer::send_syn_cookie(const Segment& syn, Instant now, SocketId listener) {
  const FourTuple tuple{syn.dst, syn.header.dst_port, syn.src, syn.header.src_port};
  const std::uint16_t peer_mss = syn.header.options.mss.value_or(536);
  std::uint32_t mss_index = 0;
  for (std::uint32_t i = 0; i < kCookieMss.size(); ++i) {
    if (kCookieMss[i] <= peer_mss) mss_index = i;
  }
  wire::TcpHeader h;
  h.src_port = syn.header.dst_port;
  h.dst_port = syn.header.src_port;
  h.seq = make_cookie(isn_, tuple, syn.seq().raw(), cookie_clock(now), mss_index);
  h.ack = (syn.seq() + 1).raw();
  h.flags = Syn | Ack;
  h.window = static_cast<std::uint16_t>(std::min<std::size_t>(settings_.recv_buffer, 65535));
  // The MSS we can receive (RFC 9293 §3.7.1), whatever the path MTU toward the peer.
  h.options.mss = static_cast<std::uint16_t>(std::clamp<std::size_t>(ip_.link_mtu(), 128, 65535) - 40);
  trace_segment(TraceKind::SegmentOut, now, listener, tuple, h, 0, "SYN-ACK (SYN cookie)");
  const auto bytes = wire::build_tcp(syn.dst, syn.src, h, {});
  (void)ip_.send_ipv4(syn.dst, syn.src, net::IpProtocol::Tcp, bytes,
                          kSegmentOptions);
  ++counters_.tx_segments;
  ++counters_.syn_cookies_sent;
}

std::optional<std::uint16_t> TcpLayer::check_syn_cookie(const Segment& ack, Instant now) const {
  const FourTuple tuple{ack.dst, ack.header.dst_port, ack.src, ack.header.src_port};
  const std::uint32_t cookie = (ack.ack() - 1).raw();
  const std::uint32_t irs = (ack.seq() - 1).raw();
  const std::uint32_t mss_index = cookie & 3;
  const std::uint64_t current = cookie_clock(now);
  for (std::uint64_t back = 0; back < 2 && back <= current; ++back) {
    const std::uint64_t count = current - back;
    if (make_cookie(isn_, tuple, irs, count, mss_index) == cookie) return kCookieMss[mss_index];
  }
  return std::nullopt;
}

void TcpLayer::on_cookie_ack(std::uint32_t listener_index, const Segment& seg, Instant now) {
  Listener& l = *slots_[listener_index].listener;
  if (!l.last_cookie || now - *l.last_cookie > kCookieCheckWindow) {
    reset_for(seg, now, "ACK to a listening port: answered with RST");
    return;
  }
  const auto mss = check_syn_cookie(seg, now);
  if (!mss) {
    ++counters_.syn_cookies_failed;
    reset_for(seg, now, "ACK with an invalid SYN cookie: answered with RST");
    return;
  }
  if (accept_queue_full(l)) {
    ++counters_.accept_queue_overflows;
    trace_incoming(TraceKind::Drop, now, id_of(listener_index), seg,
                   "accept queue full: cookie ACK ignored");
    return;
  }
  auto index = allocate_slot(true);
  if (!index) return;
  ++counters_.syn_cookies_accepted;
  Slot& s = slots_[*index];
  s.parent = id_of(listener_index);
  s.options = slots_[listener_index].options;
  const FourTuple tuple{seg.dst, seg.header.dst_port, seg.src, seg.header.src_port};
  Tcb& t = make_tcb(*index, tuple);
  t.set_announce(false);
  ++l.syn_queued;  // counted as if it had waited in SYN-RECEIVED
  t.open_from_cookie(seg, seg.ack() - 1, *mss, now);
  after_tcb_event(*index, TcpState::SynReceived, now);
}

void TcpLayer::reset_for(const Segment& seg, Instant now, const char* why) {
  trace_incoming(TraceKind::Drop, now, {}, seg, why);
  // RFC 9293 §3.10.7.1: never answer a RST; otherwise mirror the ACK field.
  if (seg.rst()) return;
  wire::TcpHeader h;
  h.src_port = seg.header.dst_port;
  h.dst_port = seg.header.src_port;
  if (seg.has_ack()) {
    h.seq = seg.header.ack;
    h.flags = Rst;
  } else {
    h.ack = (seg.seq() + seg.seq_len()).raw();
    h.flags = Rst | Ack;
  }
  trace_segment(TraceKind::SegmentOut, now, {},
                FourTuple{seg.dst, seg.header.dst_port, seg.src, seg.header.src_port}, h, 0,
                "RST: no connection");
  const auto bytes = wire::build_tcp(seg.dst, seg.src, h, {});
  (void)ip_.send_ipv4(seg.dst, seg.src, net::IpProtocol::Tcp, bytes,
                          kSegmentOptions);
  ++counters_.tx_segments;
  ++counters_.tx_resets;
}

void TcpLayer::on_icmp_error(const net::IcmpErrorInfo& error, Instant now) {
  if (error.protocol != net::IpProtocol::Tcp || error.transport_header.size() < 8) {
    ++counters_.icmp_errors_ignored;
    return;
  }
  const Bytes th = error.transport_header;
  const FourTuple tuple{error.original_src, load_be16(th, 0), error.original_dst,
                        load_be16(th, 2)};
  auto it = connections_.find(tuple);
  if (it == connections_.end()) {
    ++counters_.icmp_errors_ignored;
    return;
  }
  const std::uint32_t index = it->second;
  Tcb& t = *slots_[index].tcb;
  const TcpState before = t.state();
  t.on_icmp_error(error, SeqNum{load_be32(th, 4)}, now);
  after_tcb_event(index, before, now);
}

void TcpLayer::flush_timers() const {
  for (const std::uint32_t i : timers_dirty_) {
    const bool live = i < slots_.size() && slots_[i].in_use && slots_[i].tcb;
    timers_.schedule(i, live ? slots_[i].tcb->next_deadline() : Instant::max());
  }
  timers_dirty_.clear();
}

// Only connections whose deadline has come are visited: the cost of a poll
// does not grow with the number of idle connections.
void TcpLayer::poll(Instant now) {
  flush_timers();
  while (const auto index = timers_.pop_due(now)) {
    Slot& s = slots_[*index];
    if (!s.in_use || !s.tcb) continue;
    touch(*index);
    if (s.tcb->next_deadline() > now) continue;
    const TcpState before = s.tcb->state();
    s.tcb->on_timers(now);
    after_tcb_event(*index, before, now);
  }
  expire_time_wait(now);
}

Instant TcpLayer::next_deadline() const {
  flush_timers();
  return std::min(timers_.next(), time_wait_.next_expiry());
}

}  // namespace tapstack::tcp
