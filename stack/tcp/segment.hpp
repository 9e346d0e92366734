#pragma once
// A received TCP segment, decoded: header, payload and addresses.
#include <cstdint>

#include "stack/base/bytes.hpp"
#include "stack/net/transport.hpp"
#include "stack/tcp/seq_num.hpp"
#include "stack/wire/tcp.hpp"

namespace tapstack::tcp {

struct Segment {
  wire::Ipv4Address src;
  wire::Ipv4Address dst;
  wire::TcpHeader header;
  Bytes payload;  // valid only while the segment is being processed
  net::Ecn ecn = net::Ecn::NotEct;  // the IPv4 ECN field it arrived with


  SeqNum seq() const { return SeqNum{header.seq}; }
  SeqNum ack() const { return SeqNum{header.ack}; }
  bool syn() const { return header.has(wire::tcp_flags::Syn); }
  bool fin() const { return header.has(wire::tcp_flags::Fin); }
  bool rst() const { return header.has(wire::tcp_flags::Rst); }
  bool has_ack() const { return header.has(wire::tcp_flags::Ack); }
  bool ece() const { return header.has(wire::tcp_flags::Ece); }
  bool cwr() const { return header.has(wire::tcp_flags::Cwr); }
  /// SEG.LEN of RFC 9293 §3.4: payload plus one for SYN and one for FIN.
  std::uint32_t seq_len() const {
    return static_cast<std::uint32_t>(payload.size()) + (syn() ? 1u : 0u) + (fin() ? 1u : 0u);
  }
};

}  // namespace tapstack::tcp
