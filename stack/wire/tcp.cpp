#include "stack/wire/tcp.hpp"

#include <algorithm>

#include "stack/wire/checksum.hpp"

namespace tapstack::wire {
namespace {

constexpr std::size_t kSrcPort = 0;
constexpr std::size_t kDstPort = 2;
constexpr std::size_t kSeq = 4;
constexpr std::size_t kAck = 8;
constexpr std::size_t kDataOffset = 12;
constexpr std::size_t kFlags = 13;
constexpr std::size_t kWindow = 14;
constexpr std::size_t kChecksum = 16;
constexpr std::size_t kUrgent = 18;

constexpr std::uint8_t kOptEnd = 0;
constexpr std::uint8_t kOptNop = 1;
constexpr std::uint8_t kOptMss = 2;
constexpr std::uint8_t kOptWindowScale = 3;
constexpr std::uint8_t kOptSackPermitted = 4;
constexpr std::uint8_t kOptSack = 5;
constexpr std::uint8_t kOptTimestamps = 8;

void apply_option(TcpOptions& out, std::uint8_t kind, Bytes body) {
  // An option of a known kind with the wrong length is ignored (as Linux's
  // tcp_parse_options does), not treated as fatal.
  switch (kind) {
    case kOptMss:
      if (body.size() == 2) out.mss = load_be16(body, 0);
      break;
    case kOptWindowScale:
      if (body.size() == 1) out.window_scale = std::min(body[0], kTcpMaxWindowShift);
      break;
    case kOptSackPermitted:
      if (body.empty()) out.sack_permitted = true;
      break;
    case kOptSack:
      if (body.size() % 8 == 0 && !body.empty() && body.size() / 8 <= kMaxSackBlocks) {
        out.sack_count = static_cast<std::uint8_t>(body.size() / 8);
        for (std::size_t i = 0; i < out.sack_count; ++i) {
          out.sack[i] = SackBlock{load_be32(body, i * 8), load_be32(body, i * 8 + 4)};
        }
      }
      break;
    case kOptTimestamps:
      if (body.size() == 8) out.timestamps = TcpTimestamps{load_be32(body, 0), load_be32(body, 4)};
      break;
    default:
      break;
  }
}

}  // namespace

TcpOptions parse_tcp_options(Bytes options) {
  TcpOptions out;
  std::size_t at = 0;
  while (at < options.size()) {
    const std::uint8_t kind = options[at];
    if (kind == kOptEnd) break;
    if (kind == kOptNop) {
      ++at;
      continue;
    }
    if (at + 1 >= options.size()) {
      out.malformed = true;
      break;
    }
    const std::size_t len = options[at + 1];
    if (len < 2 || at + len > options.size()) {
      out.malformed = true;
      break;
    }
    apply_option(out, kind, options.subspan(at + 2, len - 2));
    at += len;
  }
  return out;
}

TcpParsed parse_tcp(Bytes segment, Ipv4Address src, Ipv4Address dst, bool verify_checksum) {
  TcpParsed out;
  if (segment.size() < kTcpHeaderLen) {
    out.status = TcpParseStatus::TooShort;
    return out;
  }
  const std::size_t header_len = static_cast<std::size_t>(segment[kDataOffset] >> 4) * 4;
  if (header_len < kTcpHeaderLen || header_len > segment.size()) {
    out.status = TcpParseStatus::BadDataOffset;
    return out;
  }
  if (segment.size() > 0xffff) {
    out.status = TcpParseStatus::TooShort;
    return out;
  }
  if (verify_checksum) {
    InternetChecksum c = pseudo_header_checksum(src, dst, kTcpProtocolNumber,
                                                static_cast<std::uint16_t>(segment.size()));
    c.add(segment);
    if (c.finish() != 0) {
      out.status = TcpParseStatus::BadChecksum;
      return out;
    }
  }
  TcpHeader& h = out.header;
  h.src_port = load_be16(segment, kSrcPort);
  h.dst_port = load_be16(segment, kDstPort);
  h.seq = load_be32(segment, kSeq);
  h.ack = load_be32(segment, kAck);
  h.flags = segment[kFlags];
  h.window = load_be16(segment, kWindow);
  h.urgent = load_be16(segment, kUrgent);
  h.options = parse_tcp_options(segment.subspan(kTcpHeaderLen, header_len - kTcpHeaderLen));
  out.payload = segment.subspan(header_len);
  return out;
}

std::size_t tcp_options_len(const TcpOptions& o) {
  std::size_t len = 0;
  if (o.mss) len += 4;
  if (o.window_scale) len += 4;  // NOP + 3
  if (o.sack_permitted) len += 4;  // NOP NOP + 2 (or 2 + TS layout, still 4)
  if (o.timestamps) len += 12;     // NOP NOP + 10 (or shares with SACK-permitted)
  if (o.sack_permitted && o.timestamps) len -= 4;  // SACK-perm + TS = 12 bytes
  if (o.sack_count > 0) len += 4 + 8 * std::size_t{o.sack_count};  // NOP NOP kind len blocks
  return len;
}

namespace {

std::size_t write_options(MutableBytes b, const TcpOptions& o) {
  std::size_t at = kTcpHeaderLen;
  auto put = [&](std::uint8_t v) { b[at++] = v; };
  if (o.mss) {
    put(kOptMss);
    put(4);
    store_be16(b, at, *o.mss);
    at += 2;
  }
  if (o.sack_permitted && o.timestamps) {
    put(kOptSackPermitted);  // Linux layout: SACK-perm, TS in 12 bytes
    put(2);
  } else if (o.sack_permitted) {
    put(kOptNop);
    put(kOptNop);
    put(kOptSackPermitted);
    put(2);
  } else if (o.timestamps) {
    put(kOptNop);
    put(kOptNop);
  }
  if (o.timestamps) {
    put(kOptTimestamps);
    put(10);
    store_be32(b, at, o.timestamps->value);
    store_be32(b, at + 4, o.timestamps->echo_reply);
    at += 8;
  }
  if (o.window_scale) {
    put(kOptNop);
    put(kOptWindowScale);
    put(3);
    put(*o.window_scale);
  }
  if (o.sack_count > 0) {
    put(kOptNop);
    put(kOptNop);
    put(kOptSack);
    put(static_cast<std::uint8_t>(2 + 8 * o.sack_count));
    for (std::size_t i = 0; i < o.sack_count; ++i) {
      store_be32(b, at, o.sack[i].left);
      store_be32(b, at + 4, o.sack[i].right);
      at += 8;
    }
  }
  return at;
}

}  // namespace

std::vector<std::uint8_t> build_tcp(Ipv4Address src, Ipv4Address dst, const TcpHeader& h,
                                    Bytes payload) {
  const std::size_t header_len = kTcpHeaderLen + tcp_options_len(h.options);
  std::vector<std::uint8_t> out(header_len + payload.size());
  const MutableBytes b(out);
  store_be16(b, kSrcPort, h.src_port);
  store_be16(b, kDstPort, h.dst_port);
  store_be32(b, kSeq, h.seq);
  store_be32(b, kAck, h.ack);
  b[kDataOffset] = static_cast<std::uint8_t>((header_len / 4) << 4);
  b[kFlags] = h.flags;
  store_be16(b, kWindow, h.window);
  store_be16(b, kChecksum, 0);
  store_be16(b, kUrgent, h.urgent);
  write_options(b, h.options);
  std::copy(payload.begin(), payload.end(), out.begin() + static_cast<std::ptrdiff_t>(header_len));
  InternetChecksum c = pseudo_header_checksum(src, dst, kTcpProtocolNumber,
                                              static_cast<std::uint16_t>(out.size()));
  c.add(out);
  store_be16(b, kChecksum, c.finish());
  return out;
}

std::string tcp_flags_to_string(std::uint8_t flags) {
  static constexpr char kLetters[] = "FSRPAUEC";
  std::string s;
  for (int i = 0; i < 8; ++i) {
    if ((flags & (1u << i)) != 0) s.push_back(kLetters[i]);
  }
  return s.empty() ? "." : s;
}

}  // namespace tapstack::wire
