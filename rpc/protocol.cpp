#include "rpc/protocol.hpp"

#include <cassert>
#include <type_traits>

#include "rpc/codec.hpp"

namespace tapstack::rpc {
namespace {

// ---- which body a (type, direction) carries ----

/// The index of alternative T in variant V.
template <typename T, typename V, std::size_t I = 0>
constexpr std::size_t index_in() {
  if constexpr (std::is_same_v<std::variant_alternative_t<I, V>, T>) {
    return I;
  } else {
    return index_in<T, V, I + 1>();
  }
}

/// Index into RequestBody for a request of this type.
std::size_t request_index(MessageType type) {
  switch (type) {
    case MessageType::Hello: return 0;
    case MessageType::Socket: return 1;
    case MessageType::Listen:
    case MessageType::TcpInfo:
    case MessageType::Close:
    case MessageType::GetSockName:
    case MessageType::GetPeerName: return 2;
    case MessageType::Bind:
    case MessageType::Connect: return 3;
    case MessageType::Shutdown: return 4;
    case MessageType::SetSockOpt:
    case MessageType::GetSockOpt: return 5;
    case MessageType::Resolve: return 6;
    case MessageType::Ping: return 7;
    case MessageType::Status:
    case MessageType::Sockets:
    case MessageType::Arp:
    case MessageType::Counters: return 8;
    case MessageType::Impair: return 9;
    case MessageType::Trace:
    case MessageType::Capture: return index_in<WatchRequest, RequestBody>();
    case MessageType::Event: break;
  }
  return std::variant_size_v<RequestBody>;
}

/// Index into ReplyBody for a successful reply of this type.
std::size_t reply_index(MessageType type) {
  switch (type) {
    case MessageType::Hello: return 1;
    case MessageType::Socket: return 2;
    case MessageType::GetSockName:
    case MessageType::GetPeerName: return 3;
    case MessageType::GetSockOpt: return 4;
    case MessageType::Resolve: return 5;
    case MessageType::Ping: return 6;
    case MessageType::Status:
    case MessageType::Sockets:
    case MessageType::Arp:
    case MessageType::Counters:
    case MessageType::Impair: return 7;
    case MessageType::TcpInfo: return index_in<TcpInfoReply, ReplyBody>();
    default: return 0;
  }
}

// ---- bodies ----

void put(Writer& w, const Endpoint& e) {
  w.u32(e.address);
  w.u16(e.port);
}
bool get(Reader& r, Endpoint& e) { return r.u32(e.address) && r.u16(e.port); }

void put(Writer& w, const HelloRequest& m) {
  w.u16(m.version);
  w.str(m.client);
}
bool get(Reader& r, HelloRequest& m) {
  return r.u16(m.version) && r.str(m.client, kMaxClientNameLength);
}
void put(Writer& w, const SocketRequest& m) { w.u8(static_cast<std::uint8_t>(m.protocol)); }
bool get(Reader& r, SocketRequest& m) {
  std::uint8_t p = 0;
  if (!r.u8(p)) return false;
  if (p != static_cast<std::uint8_t>(Protocol::Tcp) && p != static_cast<std::uint8_t>(Protocol::Udp)) {
    return r.fail();
  }
  m.protocol = static_cast<Protocol>(p);
  return true;
}
void put(Writer& w, const HandleRequest& m) {
  w.u32(m.handle);
  w.u32(m.arg);
}
bool get(Reader& r, HandleRequest& m) { return r.u32(m.handle) && r.u32(m.arg); }
void put(Writer& w, const AddressRequest& m) {
  w.u32(m.handle);
  put(w, m.endpoint);
  w.u8(m.nonblocking ? 1 : 0);
}
bool get(Reader& r, AddressRequest& m) {
  std::uint8_t flags = 0;
  if (!r.u32(m.handle) || !get(r, m.endpoint) || !r.u8(flags)) return false;
  if (flags > 1) return r.fail();
  m.nonblocking = flags == 1;
  return true;
}
void put(Writer& w, const ShutdownRequest& m) {
  w.u32(m.handle);
  w.u8(static_cast<std::uint8_t>(m.how));
}
bool get(Reader& r, ShutdownRequest& m) {
  std::uint8_t how = 0;
  if (!r.u32(m.handle) || !r.u8(how)) return false;
  if (how > 2) return r.fail();
  m.how = static_cast<ShutdownHow>(how);
  return true;
}
void put(Writer& w, const SockOptRequest& m) {
  w.u32(m.handle);
  w.u8(static_cast<std::uint8_t>(m.option));
  w.i32(m.value);
  w.i32(m.value2);
}
bool get(Reader& r, SockOptRequest& m) {
  std::uint8_t opt = 0;
  if (!r.u32(m.handle) || !r.u8(opt) || !r.i32(m.value) || !r.i32(m.value2)) return false;
  if (opt < 1 || opt > static_cast<std::uint8_t>(kLastSockOpt)) return r.fail();
  m.option = static_cast<SockOpt>(opt);
  return true;
}
void put(Writer& w, const ResolveRequest& m) { w.str(m.name); }
bool get(Reader& r, ResolveRequest& m) { return r.str(m.name, kMaxNameLength); }
void put(Writer& w, const PingRequest& m) {
  w.u32(m.address);
  w.u16(m.sequence);
  w.u16(m.size);
  w.u32(m.timeout_ms);
}
bool get(Reader& r, PingRequest& m) {
  if (!r.u32(m.address) || !r.u16(m.sequence) || !r.u16(m.size) || !r.u32(m.timeout_ms)) {
    return false;
  }
  if (m.size > kMaxPingSize || m.timeout_ms > 60'000) return r.fail();
  return true;
}
void put(Writer& w, const WatchRequest& m) {
  w.u32(m.socket);
  w.u32(m.address);
  w.u16(m.port);
  w.u8(m.flags);
  w.u32(m.count);
}
bool get(Reader& r, WatchRequest& m) {
  if (!r.u32(m.socket) || !r.u32(m.address) || !r.u16(m.port) || !r.u8(m.flags) ||
      !r.u32(m.count)) {
    return false;
  }
  if ((m.flags & ~(kWatchJson | kWatchAbsolute)) != 0) return r.fail();
  return true;
}
void put(Writer&, const IntrospectRequest&) {}
bool get(Reader&, IntrospectRequest&) { return true; }
void put(Writer& w, const ImpairRequest& m) {
  w.u8(static_cast<std::uint8_t>(m.action));
  w.u8(m.directions);
  w.u16(m.fields);
  for (auto v : {m.loss_ppm, m.duplicate_ppm, m.reorder_ppm, m.corrupt_ppm, m.delay_us, m.jitter_us}) {
    w.u32(v);
  }
  w.u64(m.rate);
  w.u64(m.seed);
  w.u8(m.match);
  w.u32(m.count);
  w.u16(m.port);
  w.u32(m.socket);
}
bool get(Reader& r, ImpairRequest& m) {
  std::uint8_t action = 0;
  if (!r.u8(action) || !r.u8(m.directions) || !r.u16(m.fields) || !r.u32(m.loss_ppm) ||
      !r.u32(m.duplicate_ppm) || !r.u32(m.reorder_ppm) || !r.u32(m.corrupt_ppm) ||
      !r.u32(m.delay_us) || !r.u32(m.jitter_us) || !r.u64(m.rate) || !r.u64(m.seed) ||
      !r.u8(m.match) || !r.u32(m.count) || !r.u16(m.port) || !r.u32(m.socket)) {
    return false;
  }
  if (action > static_cast<std::uint8_t>(ImpairAction::Clear)) return r.fail();
  m.action = static_cast<ImpairAction>(action);
  if (m.directions < 1 || m.directions > 3 || (m.fields & ~kImpairAllFields) != 0) return r.fail();
  for (auto ppm : {m.loss_ppm, m.duplicate_ppm, m.reorder_ppm, m.corrupt_ppm}) {
    if (ppm > kMillion) return r.fail();
  }
  if (m.delay_us > kMaxImpairDelayUs || m.jitter_us > kMaxImpairDelayUs || m.match > 7) {
    return r.fail();
  }
  return true;
}

void put(Writer&, const EmptyReply&) {}
bool get(Reader&, EmptyReply&) { return true; }
void put(Writer& w, const HelloReply& m) {
  w.u16(m.version);
  w.u32(m.daemon_pid);
  w.str(m.daemon_version);
}
bool get(Reader& r, HelloReply& m) {
  return r.u16(m.version) && r.u32(m.daemon_pid) && r.str(m.daemon_version, kMaxClientNameLength);
}
void put(Writer& w, const SocketReply& m) { w.u32(m.handle); }
bool get(Reader& r, SocketReply& m) { return r.u32(m.handle); }
void put(Writer& w, const EndpointReply& m) { put(w, m.endpoint); }
bool get(Reader& r, EndpointReply& m) { return get(r, m.endpoint); }
void put(Writer& w, const SockOptReply& m) {
  w.i32(m.value);
  w.i32(m.value2);
}
bool get(Reader& r, SockOptReply& m) { return r.i32(m.value) && r.i32(m.value2); }
void put(Writer& w, const ResolveReply& m) {
  w.u16(static_cast<std::uint16_t>(m.addresses.size()));
  for (auto a : m.addresses) w.u32(a);
}
bool get(Reader& r, ResolveReply& m) {
  std::uint16_t n = 0;
  if (!r.u16(n)) return false;
  if (n > kMaxAddresses) return r.fail();
  m.addresses.resize(n);
  for (auto& a : m.addresses) {
    if (!r.u32(a)) return false;
  }
  return true;
}
void put(Writer& w, const PingReply& m) {
  w.u32(m.from);
  w.u16(m.sequence);
  w.u16(m.size);
  w.u8(m.ttl);
  w.u32(m.rtt_us);
}
bool get(Reader& r, PingReply& m) {
  return r.u32(m.from) && r.u16(m.sequence) && r.u16(m.size) && r.u8(m.ttl) && r.u32(m.rtt_us);
}
void put(Writer& w, const TcpInfoReply& m) {
  for (auto v : {m.version, m.state, m.ca_state, m.options, m.snd_wscale, m.rcv_wscale,
                 m.retransmits, m.probes}) {
    w.u8(v);
  }
  for (auto v : {m.rto_us, m.rtt_us, m.rttvar_us, m.min_rtt_us, m.snd_mss, m.rcv_mss, m.advmss,
                 m.pmtu, m.snd_cwnd, m.snd_ssthresh, m.unacked, m.snd_wnd, m.rcv_wnd,
                 m.total_retrans, m.notsent_bytes, m.segs_out, m.segs_in}) {
    w.u32(v);
  }
  for (auto v : {m.bytes_acked, m.bytes_received, m.bytes_sent, m.delivery_rate}) w.u64(v);
}
bool get(Reader& r, TcpInfoReply& m) {
  for (auto* v : {&m.version, &m.state, &m.ca_state, &m.options, &m.snd_wscale, &m.rcv_wscale,
                  &m.retransmits, &m.probes}) {
    if (!r.u8(*v)) return false;
  }
  for (auto* v : {&m.rto_us, &m.rtt_us, &m.rttvar_us, &m.min_rtt_us, &m.snd_mss, &m.rcv_mss,
                  &m.advmss, &m.pmtu, &m.snd_cwnd, &m.snd_ssthresh, &m.unacked, &m.snd_wnd,
                  &m.rcv_wnd, &m.total_retrans, &m.notsent_bytes, &m.segs_out, &m.segs_in}) {
    if (!r.u32(*v)) return false;
  }
  for (auto* v : {&m.bytes_acked, &m.bytes_received, &m.bytes_sent, &m.delivery_rate}) {
    if (!r.u64(*v)) return false;
  }
  // Only the layout this reader knows; Linux's state, CA state and option bits.
  if (m.version != kTcpInfoVersion || m.state < 1 || m.state > kMaxLinuxTcpState ||
      m.ca_state > 4 || m.options > 7 || m.snd_wscale > kMaxWindowShift ||
      m.rcv_wscale > kMaxWindowShift) {
    return r.fail();
  }
  return true;
}
void put(Writer& w, const JsonReply& m) { w.str(m.json); }
bool get(Reader& r, JsonReply& m) { return r.str(m.json, kMaxMessageSize); }
void put(Writer& w, const EventBody& m) {
  w.u32(m.handle);
  w.u8(static_cast<std::uint8_t>(m.kind));
  w.i32(m.error);
}
bool get(Reader& r, EventBody& m) {
  std::uint8_t kind = 0;
  if (!r.u32(m.handle) || !r.u8(kind) || !r.i32(m.error)) return false;
  if (kind != 1 && kind != 2) return r.fail();
  m.kind = static_cast<EventKind>(kind);
  return true;
}

// ---- framing ----

std::vector<std::uint8_t> frame(Direction dir, MessageType type, std::uint32_t id,
                                const auto& write_body) {
  std::vector<std::uint8_t> out;
  out.reserve(64);
  Writer w(out);
  w.u16(kMagic);
  w.u8(kVersion);
  w.u8(static_cast<std::uint8_t>(dir));
  w.u16(static_cast<std::uint16_t>(type));
  w.u16(0);
  w.u32(id);
  w.u32(0);  // body length, patched below
  write_body(w);
  store_be32(out, 12, static_cast<std::uint32_t>(out.size() - kHeaderSize));
  return out;
}

/// Reads the variant alternative `I` of `V` from `r` when `I == index`.
template <typename V, std::size_t I = 0>
bool get_alternative(Reader& r, std::size_t index, V& out) {
  if constexpr (I < std::variant_size_v<V>) {
    if (I != index) return get_alternative<V, I + 1>(r, index, out);
    std::variant_alternative_t<I, V> body{};
    if (!get(r, body)) return false;
    out = std::move(body);
    return true;
  } else {
    return r.fail();
  }
}

}  // namespace

const char* describe(CodecError error) {
  switch (error) {
    case CodecError::Truncated: return "truncated message";
    case CodecError::TooLarge: return "message too large";
    case CodecError::BadMagic: return "not a tapstack message";
    case CodecError::BadVersion: return "unsupported protocol version";
    case CodecError::BadDirection: return "bad message direction";
    case CodecError::UnknownType: return "unknown message type";
    case CodecError::LengthMismatch: return "length field does not match the message";
    case CodecError::BadBody: return "malformed message body";
  }
  return "bad message";
}

std::vector<std::uint8_t> encode(const Request& request) {
  assert(request.body.index() == request_index(request.type));
  return frame(Direction::Request, request.type, request.id,
               [&](Writer& w) { std::visit([&](const auto& b) { put(w, b); }, request.body); });
}

std::vector<std::uint8_t> encode(const Reply& reply) {
  assert(reply.error != 0 || reply.body.index() == reply_index(reply.type));
  return frame(Direction::Reply, reply.type, reply.id, [&](Writer& w) {
    w.i32(reply.error);
    if (reply.error == 0) std::visit([&](const auto& b) { put(w, b); }, reply.body);
  });
}

std::vector<std::uint8_t> encode(const EventBody& event) {
  return frame(Direction::Event, MessageType::Event, 0, [&](Writer& w) { put(w, event); });
}

std::optional<std::uint8_t> peek_version(Bytes packet) {
  if (packet.size() < 3 || load_be16(packet, 0) != kMagic) return std::nullopt;
  return packet[2];
}

Decoded<Message> decode(Bytes packet) {
  if (packet.size() > kMaxMessageSize) return CodecError::TooLarge;
  if (packet.size() < kHeaderSize) return CodecError::Truncated;
  if (load_be16(packet, 0) != kMagic) return CodecError::BadMagic;
  if (packet[2] != kVersion) return CodecError::BadVersion;
  const std::uint8_t dir = packet[3];
  const auto type = static_cast<MessageType>(load_be16(packet, 4));
  const std::uint32_t id = load_be32(packet, 8);
  const std::uint32_t body_len = load_be32(packet, 12);
  if (dir > static_cast<std::uint8_t>(Direction::Event)) return CodecError::BadDirection;
  if (!is_known(type)) return CodecError::UnknownType;
  if (load_be16(packet, 6) != 0) return CodecError::BadBody;
  if (body_len > packet.size() - kHeaderSize) return CodecError::Truncated;
  if (body_len != packet.size() - kHeaderSize) return CodecError::LengthMismatch;
  Reader r(packet.subspan(kHeaderSize));

  if (static_cast<Direction>(dir) == Direction::Event) {
    if (type != MessageType::Event || id != 0) return CodecError::BadDirection;
    EventBody event;
    if (!get(r, event) || !r.at_end()) return CodecError::BadBody;
    return Message{event};
  }
  if (type == MessageType::Event) return CodecError::BadDirection;
  if (static_cast<Direction>(dir) == Direction::Request) {
    Request request{type, id, {}};
    if (!get_alternative(r, request_index(type), request.body) || !r.at_end()) {
      return CodecError::BadBody;
    }
    return Message{std::move(request)};
  }
  Reply reply{type, id, 0, EmptyReply{}};
  if (!r.i32(reply.error) || reply.error < 0) return CodecError::BadBody;
  const std::size_t index = reply.error == 0 ? reply_index(type) : 0;
  if (!get_alternative(r, index, reply.body) || !r.at_end()) return CodecError::BadBody;
  return Message{std::move(reply)};
}

void encode_datagram_header(MutableBytes out, const Endpoint& endpoint) {
  assert(out.size() >= kDatagramHeaderSize);
  store_be32(out, 0, endpoint.address);
  store_be16(out, 4, endpoint.port);
  store_be16(out, 6, 0);
}

std::optional<Endpoint> decode_datagram_header(Bytes packet) {
  if (packet.size() < kDatagramHeaderSize) return std::nullopt;
  return Endpoint{load_be32(packet, 0), load_be16(packet, 4)};
}

void encode_accept_record(MutableBytes out, const AcceptRecord& record) {
  assert(out.size() >= kAcceptRecordSize);
  store_be32(out, 0, record.handle);
  store_be32(out, 4, record.peer.address);
  store_be16(out, 8, record.peer.port);
  store_be16(out, 10, 0);
}

std::optional<AcceptRecord> decode_accept_record(Bytes bytes) {
  if (bytes.size() != kAcceptRecordSize || load_be16(bytes, 10) != 0) return std::nullopt;
  AcceptRecord record{load_be32(bytes, 0), {load_be32(bytes, 4), load_be16(bytes, 8)}};
  if (record.handle == 0) return std::nullopt;
  return record;
}

}  // namespace tapstack::rpc
