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
  // RFC 3168 §6.1.3: ECE on every ACK (not a SYN-ACK, whose ECE answers the SYN) while echoing.
  const bool ece = (s.flags & (Ack | Syn)) == Ack && ecn_.ece_pending();
  // §6.1.2 and §6.1.4: CWR and ECT(0) only on new data; a retransmission,
  // a window probe, a pure ACK or a SYN is sent Not-ECT, as RFC 3168 (and
  // Linux) have it. RFC 8311 §4.3 would allow ECT on more, but a Not-ECT
  // retransmission is still the safe choice against a peer that drops or
  // mis-handles ECT on them.
  const bool ect = s.new_data && !s.payload.empty() && ecn_.sending();
  const bool cwr = ect && ecn_.take_cwr();
  if (ece) {
    h.flags |= Ece;
    ++env_.counters.tx_ece_acks;
  }
  if (cwr) {
    h.flags |= Cwr;
    ++env_.counters.tx_cwr;
    trace_.event(TraceKind::Ecn, now, s.seq.raw(), 0, 0, 0, 0,
                 "CWR sent: cwnd was reduced (RFC 3168 §6.1.2)");
  }
  if ((s.flags & Ack) != 0) h.ack = receiver_.nxt().raw();
  h.window = receiver_.window_to_advertise((s.flags & Syn) != 0);
  h.options = s.options;
  if ((s.flags & (Ack | Syn)) == Ack) receiver_.add_sack_blocks(h.options);
  if (ts_.sending()) h.options.timestamps = ts_.option((s.flags & Ack) != 0, now);
  // Traced before it leaves, so a capture can label the frame with `why`.
  trace_.segment(TraceKind::SegmentOut, now, h, s.payload.size(), s.why, s.count);
  const auto bytes = wire::build_tcp(tuple_.local_addr, tuple_.remote_addr, h, s.payload);
  net::Ipv4SendOptions ip_options = kSegmentOptions;
  if (ect) ip_options.ecn = net::Ecn::Ect0;
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
