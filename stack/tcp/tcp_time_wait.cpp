// TcpLayer's TIME-WAIT records: retiring a TCB into one, answering the
// segments that reach one (RFC 9293 §3.10.7.4, RFC 6191, RFC 5961), the cap
// and the 2·MSL expiry.
#include <algorithm>

#include "stack/tcp/tcp_layer.hpp"

namespace tapstack::tcp {

using namespace wire::tcp_flags;

void TcpLayer::retire_to_time_wait(std::uint32_t index, Instant now) {
  const Tcb& t = *slots_[index].tcb;
  const TcpSocketInfo i = t.info();
  TimeWaitRecord r;
  r.tuple = t.tuple();
  r.snd_nxt = SeqNum{i.snd_nxt};
  r.rcv_nxt = SeqNum{i.rcv_nxt};
  r.rcv_wnd = i.rcv_wnd;
  r.wnd_field = static_cast<std::uint16_t>(std::min<std::uint32_t>(i.rcv_wnd >> i.rcv_wscale, 0xffff));
  r.timestamps = i.timestamps;
  r.ts_offset = isn_.timestamp_offset(r.tuple);
  r.ts_recent = i.ts_recent;
  r.expires = i.time_wait_expires.value_or(now + 2 * settings_.msl);
  free_slot(index, now);
  add_time_wait(r);
}

void TcpLayer::add_time_wait(const TimeWaitRecord& r) {
  time_wait_.insert(r, [this](const TimeWaitRecord& oldest) {
    ports_.remove_connection(oldest.tuple.local_port);
    ++counters_.time_wait_recycled;
  });
  if (time_wait_.find(r.tuple) != nullptr) ports_.add_connection(r.tuple.local_port);
  counters_.time_wait_records = time_wait_.size();
}

void TcpLayer::remove_time_wait(const FourTuple& tuple) {
  if (time_wait_.find(tuple) == nullptr) return;
  const std::uint16_t port = tuple.local_port;  // `tuple` may live in the record erased here
  time_wait_.erase(tuple);
  ports_.remove_connection(port);
  counters_.time_wait_records = time_wait_.size();
}

bool TcpLayer::on_time_wait_segment(TimeWaitRecord& r, const Segment& seg, bool listening,
                                    Instant now) {
  switch (time_wait_action(r, seg, listening)) {
    case TimeWaitAction::Reopen:
      ++counters_.syn_accepted_in_time_wait;
      trace_incoming(TraceKind::SegmentIn, now, {}, seg, "SYN newer than TIME-WAIT (RFC 6191)");
      remove_time_wait(r.tuple);
      return true;
    case TimeWaitAction::Remove:
      ++counters_.rx_resets;
      trace_incoming(TraceKind::Drop, now, {}, seg, "RST in TIME-WAIT: record deleted");
      remove_time_wait(r.tuple);
      return false;
    case TimeWaitAction::AckAndRestart:
      time_wait_.restart(r.tuple, now + 2 * settings_.msl);
      trace_incoming(TraceKind::SegmentIn, now, {}, seg, "FIN again in TIME-WAIT: 2MSL restarted");
      send_time_wait_ack(r, now);
      return false;
    case TimeWaitAction::Ack:
      trace_incoming(TraceKind::Drop, now, {}, seg, "unacceptable in TIME-WAIT: ACK");
      send_time_wait_ack(r, now);
      return false;
    case TimeWaitAction::Drop:
      trace_incoming(TraceKind::Drop, now, {}, seg, "ignored in TIME-WAIT");
      return false;
  }
  return false;
}

void TcpLayer::send_time_wait_ack(const TimeWaitRecord& r, Instant now) {
  wire::TcpHeader h;
  h.src_port = r.tuple.local_port;
  h.dst_port = r.tuple.remote_port;
  h.seq = r.snd_nxt.raw();
  h.ack = r.rcv_nxt.raw();
  h.flags = Ack;
  h.window = r.wnd_field;
  if (r.timestamps) {
    const auto tsval = r.ts_offset + static_cast<std::uint32_t>(to_micros(now) / 1000);
    h.options.timestamps = wire::TcpTimestamps{tsval, r.ts_recent};
  }
  trace_segment(TraceKind::SegmentOut, now, {}, r.tuple, h, 0, "ACK from a TIME-WAIT record");
  const auto bytes = wire::build_tcp(r.tuple.local_addr, r.tuple.remote_addr, h, {});
  (void)ip_.send_ipv4(r.tuple.local_addr, r.tuple.remote_addr, net::IpProtocol::Tcp, bytes,
                      kSegmentOptions);
  ++counters_.tx_segments;
}

void TcpLayer::expire_time_wait(Instant now) {
  TimeWaitRecord r;
  while (time_wait_.expire_one(now, r)) {
    ports_.remove_connection(r.tuple.local_port);
    ++counters_.time_wait_expired;
    trace_segment(TraceKind::TimeWaitExpire, now, {}, r.tuple, wire::TcpHeader{}, 0,
                  "2MSL expired: TIME-WAIT record deleted");
  }
  counters_.time_wait_records = time_wait_.size();
}

bool TcpLayer::take_over_time_wait(const FourTuple& tuple) {
  const TimeWaitRecord* r = time_wait_.find(tuple);
  if (r == nullptr) return true;
  // Our TSval clock for a 4-tuple only grows, so the peer's PAWS tells the
  // new incarnation from the old one (RFC 6191 §2); without it, refuse.
  if (!r->timestamps || !settings_.timestamps) return false;
  remove_time_wait(tuple);
  ++counters_.time_wait_recycled;
  return true;
}

}  // namespace tapstack::tcp
