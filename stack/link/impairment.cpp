#include "stack/link/impairment.hpp"

#include <algorithm>
#include <array>

namespace tapstack::link {
namespace {

constexpr std::size_t kEthernetHeader = 14;
constexpr std::uint16_t kEtherTypeIpv4 = 0x0800;
constexpr std::uint8_t kProtocolTcp = 6;
constexpr std::int64_t kTokenScale = 1'000'000;  // tokens per byte: one byte per µs at 1 B/s

// TCP flag bits (RFC 9293 §3.1).
constexpr std::uint8_t kFin = 0x01;
constexpr std::uint8_t kSyn = 0x02;
constexpr std::uint8_t kRst = 0x04;
constexpr std::uint8_t kAck = 0x10;

constexpr std::array<std::string_view, 8> kMatchNames = {"",    "syn-ack", "syn",  "fin",
                                                         "rst", "ack",     "data", "any"};

/// What a fault needs to know of a TCP segment.
struct TcpSummary {
  std::uint8_t flags = 0;
  std::uint16_t src_port = 0;
  std::uint16_t dst_port = 0;
  std::size_t payload = 0;
  std::optional<wire::Ipv4Address> src_addr, dst_addr;  // nullopt for bare segments
};

/// Finds the TCP header of a bare segment; nullopt when it does not fit.
std::optional<TcpSummary> summarize_tcp(Bytes segment) {
  if (segment.size() < 20) return std::nullopt;
  const std::size_t header = std::size_t{static_cast<std::uint8_t>(segment[12] >> 4)} * 4;
  if (header < 20 || header > segment.size()) return std::nullopt;
  TcpSummary s;
  s.flags = segment[13];
  s.src_port = load_be16(segment, 0);
  s.dst_port = load_be16(segment, 2);
  s.payload = segment.size() - header;
  return s;
}

/// The TCP segment inside an IPv4 packet (first fragments only, RFC 791 §3.1).
std::optional<TcpSummary> summarize_ipv4(Bytes packet) {
  if (packet.size() < 20 || (packet[0] >> 4) != 4) return std::nullopt;
  const std::size_t header = std::size_t{static_cast<std::uint8_t>(packet[0] & 0x0f)} * 4;
  const std::size_t total = load_be16(packet, 2);
  if (header < 20 || total < header || total > packet.size()) return std::nullopt;
  if (packet[9] != kProtocolTcp || (load_be16(packet, 6) & 0x1fff) != 0) return std::nullopt;
  auto tcp = summarize_tcp(packet.subspan(header, total - header));
  if (tcp) {
    tcp->src_addr = wire::Ipv4Address{load_be32(packet, 12)};
    tcp->dst_addr = wire::Ipv4Address{load_be32(packet, 16)};
  }
  return tcp;
}

std::optional<TcpSummary> summarize(Bytes frame, Framing framing) {
  switch (framing) {
    case Framing::Ethernet:
      if (frame.size() < kEthernetHeader || load_be16(frame, 12) != kEtherTypeIpv4) {
        return std::nullopt;
      }
      return summarize_ipv4(frame.subspan(kEthernetHeader));
    case Framing::Ipv4: return summarize_ipv4(frame);
    case Framing::Tcp: return summarize_tcp(frame);
  }
  return std::nullopt;
}

bool matches(TcpMatch match, const TcpSummary& s) {
  const bool syn = (s.flags & kSyn) != 0;
  const bool ack = (s.flags & kAck) != 0;
  switch (match) {
    case TcpMatch::SynAck: return syn && ack;
    case TcpMatch::Syn: return syn && !ack;
    case TcpMatch::Fin: return (s.flags & kFin) != 0;
    case TcpMatch::Rst: return (s.flags & kRst) != 0;
    case TcpMatch::Ack: return ack && (s.flags & (kSyn | kFin | kRst)) == 0 && s.payload == 0;
    case TcpMatch::Data: return s.payload > 0;
    case TcpMatch::Any: return true;
  }
  return false;
}

/// Whether the segment travels between `c`'s two ends, either way.
bool belongs_to(const TcpConnection& c, const TcpSummary& s) {
  const auto is_end = [](const std::optional<wire::Ipv4Address>& addr, std::uint16_t port,
                         wire::Ipv4Address end_addr, std::uint16_t end_port) {
    return port == end_port && (!addr || *addr == end_addr);
  };
  const bool outgoing = is_end(s.src_addr, s.src_port, c.local_addr, c.local_port) &&
                        is_end(s.dst_addr, s.dst_port, c.remote_addr, c.remote_port);
  const bool incoming = is_end(s.src_addr, s.src_port, c.remote_addr, c.remote_port) &&
                        is_end(s.dst_addr, s.dst_port, c.local_addr, c.local_port);
  return outgoing || incoming;
}

/// Orders the heap so the earliest (then first submitted) frame is on top.
struct Later {
  template <class Q>
  bool operator()(const Q& a, const Q& b) const {
    return a.at != b.at ? a.at > b.at : a.order > b.order;
  }
};

Duration random_up_to(Rng& rng, Duration max) {
  if (max.count() <= 0) return Duration{0};
  const auto cap = std::min<std::int64_t>(max.count(), 0xffffffff);
  return Duration{rng.uniform(0, static_cast<std::uint32_t>(cap))};
}

}  // namespace

std::string_view to_string(TcpMatch match) {
  const auto i = static_cast<std::size_t>(match);
  return i < kMatchNames.size() ? kMatchNames[i] : "?";
}

std::optional<TcpMatch> parse_tcp_match(std::string_view name) {
  for (std::size_t i = 1; i < kMatchNames.size(); ++i) {
    if (kMatchNames[i] == name) return static_cast<TcpMatch>(i);
  }
  return std::nullopt;
}

Impairment::Impairment(FrameSink& to_stack, FrameSink& from_stack, Framing framing,
                       std::uint64_t seed)
    : framing_(framing), seed_(seed), lanes_{Lane(to_stack, seed * 2), Lane(from_stack, seed * 2 + 1)} {}

void Impairment::configure(Direction direction, const ImpairmentSettings& settings) {
  Lane& l = lane(direction);
  l.settings = settings;
  l.bucket_started = false;  // a new rate starts with a full bucket
}

const ImpairmentSettings& Impairment::settings(Direction direction) const {
  return lane(direction).settings;
}

void Impairment::reseed(std::uint64_t seed) {
  seed_ = seed;
  lanes_[0].rng = SeededRng(seed * 2);
  lanes_[1].rng = SeededRng(seed * 2 + 1);
}

void Impairment::add_fault(const OneShotFault& fault) {
  if (fault.count > 0) faults_.push_back(fault);
}

void Impairment::clear() {
  configure(Direction::ToStack, ImpairmentSettings{});
  configure(Direction::FromStack, ImpairmentSettings{});
  faults_.clear();
  // The next experiment reads its own counts, not the last one's.
  for (auto& lane : lanes_) lane.counters = {};
}

bool Impairment::active() const {
  return !faults_.empty() || lanes_[0].settings.any() || lanes_[1].settings.any() ||
         !lanes_[0].heap.empty() || !lanes_[1].heap.empty();
}

std::optional<OneShotFault> Impairment::take_fault(Direction direction, Bytes frame) {
  if (faults_.empty()) return std::nullopt;
  const auto tcp = summarize(frame, framing_);
  if (!tcp) return std::nullopt;
  for (auto it = faults_.begin(); it != faults_.end(); ++it) {
    if (it->direction && *it->direction != direction) continue;
    if (it->port != 0 && it->port != tcp->src_port && it->port != tcp->dst_port) continue;
    if (it->connection && !belongs_to(*it->connection, *tcp)) continue;
    if (!matches(it->match, *tcp)) continue;
    OneShotFault fired = *it;
    if (--it->count == 0) faults_.erase(it);
    return fired;
  }
  return std::nullopt;
}

std::optional<Instant> Impairment::shape(Lane& l, std::size_t size, Instant now) {
  const ImpairmentSettings& s = l.settings;
  if (s.rate == 0) return now;
  const auto rate = static_cast<std::int64_t>(s.rate);
  const std::int64_t need = static_cast<std::int64_t>(size) * kTokenScale;
  const std::int64_t depth = std::max(static_cast<std::int64_t>(s.burst) * kTokenScale, need);
  std::int64_t tokens = l.bucket_started ? l.tokens : depth;
  Instant t = l.bucket_started ? std::max(now, l.bucket_at) : now;
  if (l.bucket_started) {
    const std::int64_t elapsed = (t - l.bucket_at).count();
    tokens = elapsed >= (depth - tokens) / rate + 1 ? depth : std::min(depth, tokens + elapsed * rate);
  }
  if (tokens < need) {
    const std::int64_t wait = (need - tokens + rate - 1) / rate;
    t += Duration{wait};
    tokens += wait * rate;
  }
  if (t - now > s.queue_limit) return std::nullopt;
  if (t > now) ++l.counters.rate_limited;
  l.tokens = tokens - need;
  l.bucket_at = t;
  l.bucket_started = true;
  return t;
}

void Impairment::corrupt(Lane& l, std::vector<std::uint8_t>& bytes) const {
  // One flipped bit is always caught by the Internet checksum (RFC 1071), so
  // the receiver's checksum counters show it.
  const std::size_t first = framing_ == Framing::Ethernet ? kEthernetHeader : 0;
  if (bytes.size() <= first) return;
  const auto span = static_cast<std::uint32_t>(bytes.size() - first - 1);
  const std::size_t at = first + l.rng.uniform(0, span);
  bytes[at] = static_cast<std::uint8_t>(bytes[at] ^ (1u << l.rng.uniform(0, 7)));
  ++l.counters.corrupted;
}

void Impairment::submit(Direction direction, Bytes frame, Instant now) {
  Lane& l = lane(direction);
  const ImpairmentSettings& s = l.settings;
  ++l.counters.submitted;
  Duration extra{0};
  if (const auto fault = take_fault(direction, frame)) {
    if (fault->action == OneShotFault::Action::Drop) {
      ++l.counters.fault_dropped;
      return;
    }
    extra = fault->delay;
    ++l.counters.fault_delayed;
  }
  if (s.loss > 0 && l.rng.chance(s.loss)) {
    ++l.counters.dropped;
    return;
  }
  int copies = 1;
  if (s.duplicate > 0 && l.rng.chance(s.duplicate)) {
    copies = 2;
    ++l.counters.duplicated;
  }
  for (int i = 0; i < copies; ++i) {
    const bool flip = s.corrupt > 0 && l.rng.chance(s.corrupt);
    const auto departs = shape(l, frame.size(), now);
    if (!departs) {
      ++l.counters.rate_dropped;
      continue;
    }
    Duration d = extra + s.delay + random_up_to(l.rng, s.jitter);
    if (d.count() > 0 && (s.delay.count() > 0 || s.jitter.count() > 0)) ++l.counters.delayed;
    if (s.reorder > 0 && l.rng.chance(s.reorder)) {
      d += s.reorder_hold;
      ++l.counters.reordered;
    }
    const Instant at = *departs + d;
    if (at <= now && !flip && l.heap.empty() && !l.releasing) {
      ++l.counters.delivered;
      l.sink.transmit(frame);  // the common case costs no copy
      continue;
    }
    Queued q{at, l.next_order++, std::vector<std::uint8_t>(frame.begin(), frame.end())};
    if (flip) corrupt(l, q.bytes);
    l.heap.push_back(std::move(q));
    std::push_heap(l.heap.begin(), l.heap.end(), Later{});
  }
  release(l, now);
}

void Impairment::release(Lane& l, Instant now) {
  // A sink may submit more frames (the stack answers what it receives); those
  // land in the heap and this loop, not a nested one, releases them in order.
  if (l.releasing) return;
  l.releasing = true;
  while (!l.heap.empty() && l.heap.front().at <= now) {
    std::pop_heap(l.heap.begin(), l.heap.end(), Later{});
    Queued q = std::move(l.heap.back());
    l.heap.pop_back();
    ++l.counters.delivered;
    l.sink.transmit(q.bytes);
  }
  l.releasing = false;
}

void Impairment::poll(Instant now) {
  release(lanes_[0], now);
  release(lanes_[1], now);
}

Instant Impairment::next_deadline() const {
  Instant next = Instant::max();
  for (const Lane& l : lanes_) {
    if (!l.heap.empty()) next = std::min(next, l.heap.front().at);
  }
  return next;
}

const ImpairmentCounters& Impairment::counters(Direction direction) const {
  return lane(direction).counters;
}

}  // namespace tapstack::link
