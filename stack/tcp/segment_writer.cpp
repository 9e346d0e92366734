// Segment assembly for one connection.
#include "stack/tcp/segment_writer.hpp"

namespace tapstack::tcp {

using namespace wire::tcp_flags;

void SegmentWriter::transmit(const OutSegment& s, Instant now) {
  wire::TcpHeader h;
  h.src_port = tuple_.local_port;
  h.dst_port = tuple_.remote_port;
  h.seq = s.seq.raw();
  h.flags = s.flags;
  if ((s.flags & Ack) != 0) h.ack = receiver_.nxt().raw();
  h.window = receiver_.window_to_advertise((s.flags & Syn) != 0);
  h.options = s.options;
  if ((s.flags & (Ack | Syn)) == Ack) receiver_.add_sack_blocks(h.options);
  if (ts_.sending()) h.options.timestamps = ts_.option((s.flags & Ack) != 0, now);
  // Traced before it leaves, so a capture can label the frame with `why`.
  trace_.segment(TraceKind::SegmentOut, now, h, s.payload.size(), s.why, s.count);
  const auto bytes = wire::build_tcp(tuple_.local_addr, tuple_.remote_addr, h, s.payload);
  net::Ipv4SendOptions ip_options = kSegmentOptions;
  if (s.segment_size != 0) {
    ip_options.segment_size = s.segment_size;
    ++env_.counters.tx_super_segments;
  }
  (void)env_.ip.send_ipv4(tuple_.local_addr, tuple_.remote_addr, net::IpProtocol::Tcp, bytes,
                          ip_options);
  ++env_.counters.tx_segments;
  segments_sent_ += s.segment_size != 0
                        ? (s.payload.size() + s.segment_size - 1) / s.segment_size
                        : 1;
  if ((s.flags & Ack) != 0) {
    receiver_.on_ack_sent();
    ts_.on_ack_sent(SeqNum{h.ack});
  }
}

void SegmentWriter::send_rst(SeqNum seq, std::optional<SeqNum> ack, Instant now,
                             const char* why) {
  wire::TcpHeader h;
  h.src_port = tuple_.local_port;
  h.dst_port = tuple_.remote_port;
  h.seq = seq.raw();
  h.ack = ack ? ack->raw() : 0;
  h.flags = static_cast<std::uint8_t>(Rst | (ack ? Ack : 0));
  trace_.segment(TraceKind::SegmentOut, now, h, 0, why);
  const auto bytes = wire::build_tcp(tuple_.local_addr, tuple_.remote_addr, h, {});
  (void)env_.ip.send_ipv4(tuple_.local_addr, tuple_.remote_addr, net::IpProtocol::Tcp, bytes,
                          kSegmentOptions);
  ++env_.counters.tx_segments;
  ++env_.counters.tx_resets;
  ++segments_sent_;
}

}  // namespace tapstack::tcp
