#include "stack/trace_format.hpp"

#include <cstdint>
#include <string>
#include <string_view>

#include "stack/tcp/tcp_types.hpp"

namespace tapstack {
namespace {

using namespace wire::tcp_flags;

/// RFC 5681 §3.1: ssthresh starts "arbitrarily high" (NewReno uses 0x7fffffff).
constexpr std::int64_t kInfiniteSsthresh = 0x7fffffff;

std::string pad_right(std::string s, std::size_t width) {
  if (s.size() < width) s.append(width - s.size(), ' ');
  return s;
}

std::string pad_left(std::string s, std::size_t width) {
  if (s.size() < width) s.insert(0, width - s.size(), ' ');
  return s;
}

/// `micros` as "[-]whole.frac" with `digits` fractional digits of `unit`.
std::string fixed_point(std::int64_t micros, std::int64_t unit, int digits) {
  const std::uint64_t m = micros < 0 ? 0 - static_cast<std::uint64_t>(micros)
                                     : static_cast<std::uint64_t>(micros);
  const auto u = static_cast<std::uint64_t>(unit);
  std::string frac = std::to_string(m % u);
  std::string s = micros < 0 ? "-" : "";
  s.append(std::to_string(m / u)).append(1, '.');
  s.append(static_cast<std::size_t>(digits) - frac.size(), '0').append(frac);
  return s;
}

/// Microseconds as "seconds.micros".
std::string seconds(std::int64_t micros) { return fixed_point(micros, 1'000'000, 6); }

/// Microseconds as milliseconds with three decimals.
std::string millis(std::int64_t micros) { return fixed_point(micros, 1000, 3).append(" ms"); }

std::string endpoint(wire::Ipv4Address addr, std::uint16_t port) {
  return addr.to_string() + ":" + std::to_string(port);
}

bool has_tuple(const TraceEvent& e) {
  return e.tuple.local_addr.value() != 0 || e.tuple.remote_addr.value() != 0;
}

bool is_segment(const TraceEvent& e) {
  return e.kind == TraceKind::SegmentIn || e.kind == TraceKind::SegmentOut ||
         (e.kind == TraceKind::Drop && (e.a != 0 || e.b != 0 || e.c != 0));
}

bool outgoing(const TraceEvent& e) { return e.kind == TraceKind::SegmentOut; }

std::uint32_t u32(std::int64_t v) { return static_cast<std::uint32_t>(v); }

/// The base for relative numbers in our sequence space (ISS) or the peer's
/// (IRS); nullopt-like `known` false when the connection has no such base yet.
struct Bases {
  std::uint32_t ours = 0, theirs = 0;
  bool ours_known = false, theirs_known = false;
};

Bases bases_of(const TraceEvent& e) {
  Bases b{e.iss, e.irs, e.iss_known, e.irs_known};
  // An incoming SYN is where the peer's sequence space starts.
  if (e.kind == TraceKind::SegmentIn && (e.c & Syn) != 0 && !b.theirs_known) {
    b.theirs = u32(e.a);
    b.theirs_known = true;
  }
  return b;
}

/// Sequence number `v` in our space (ours = true) or the peer's.
std::uint32_t rel(std::uint32_t v, const Bases& b, bool ours, bool absolute) {
  if (absolute) return v;
  if (ours && b.ours_known) return v - b.ours;
  if (!ours && b.theirs_known) return v - b.theirs;
  return v;
}

std::string options_text(const TraceEvent& e, const Bases& b, bool absolute) {
  const wire::TcpOptions& o = e.options;
  std::string s;
  auto add = [&s](const std::string& part) { s += (s.empty() ? "" : ",") + part; };
  if (o.mss) add("mss " + std::to_string(*o.mss));
  if (o.window_scale) add("wscale " + std::to_string(*o.window_scale));
  if (o.sack_permitted) add("sackOK");
  if (o.timestamps) {
    add("TS val " + std::to_string(o.timestamps->value) + " ecr " +
        std::to_string(o.timestamps->echo_reply));
  }
  if (o.sack_count > 0) {
    // SACK blocks name the receiver's sequence space: ours when they come in.
    const bool ours = !outgoing(e);
    std::string blocks;
    for (std::size_t i = 0; i < o.sack_count && i < o.sack.size(); ++i) {
      blocks.append(1, ' ').append(std::to_string(rel(o.sack[i].left, b, ours, absolute)));
      blocks.append(1, ':').append(std::to_string(rel(o.sack[i].right, b, ours, absolute)));
    }
    add("sack" + blocks);
  }
  if (o.malformed) add("malformed");
  return s.empty() ? s : "<" + s + ">";
}

std::string segment_text(const TraceEvent& e, bool absolute) {
  const Bases b = bases_of(e);
  const bool out = outgoing(e);
  const std::uint32_t seq = rel(u32(e.a), b, out, absolute);
  const auto len = static_cast<std::uint32_t>(e.d);
  std::string flags = "[";
  flags.append(tcpdump_flags(static_cast<std::uint8_t>(e.c))).append(1, ']');
  std::string s = pad_right(std::move(flags), 6);
  s.append("seq ").append(std::to_string(seq));
  if (len > 0) s.append(1, ':').append(std::to_string(seq + len));
  if ((e.c & Ack) != 0) s.append(" ack ").append(std::to_string(rel(u32(e.b), b, !out, absolute)));
  s.append(" win ").append(std::to_string(e.e)).append(" len ").append(std::to_string(len));
  const std::string opts = options_text(e, b, absolute);
  if (!opts.empty()) s.append(1, ' ').append(opts);
  return s;
}

std::string cwnd_value(std::int64_t v) { return v >= kInfiniteSsthresh ? "inf" : std::to_string(v); }

/// "cwnd A → B", with "ssthresh C → D" only when ssthresh changed.
std::string cwnd_text(const TraceEvent& e) {
  std::string s = "cwnd " + cwnd_value(e.c) + " → " + cwnd_value(e.a);
  if (e.b != e.d) s += " ssthresh " + cwnd_value(e.d) + " → " + cwnd_value(e.b);
  return s;
}

std::string with_reason(std::string s, const char* reason) {
  if (reason != nullptr && reason[0] != '\0') s += (s.empty() ? "" : ": ") + std::string(reason);
  return s;
}

std::string state_of(std::int64_t v) { return tcp::state_name(static_cast<tcp::TcpState>(v)); }

/// The event-specific part of a human line.
std::string detail(const TraceEvent& e, bool absolute) {
  const Bases b = bases_of(e);
  switch (e.kind) {
    case TraceKind::StateChange:
      return with_reason(state_of(e.a) + " → " + state_of(e.b), e.reason);
    case TraceKind::SegmentIn:
      return with_reason(segment_text(e, absolute), e.reason);
    case TraceKind::SegmentOut:
      return with_reason(segment_text(e, absolute), segment_reason(e).c_str());
    case TraceKind::RttSample:
      return with_reason("sample " + millis(e.a) + " srtt " + millis(e.b) + " rttvar " +
                             millis(e.c) + " rto " + millis(e.d),
                         e.reason);
    case TraceKind::Retransmit:
      return with_reason("seq " + std::to_string(rel(u32(e.a), b, true, absolute)) + " len " +
                             std::to_string(e.b) + " retries " + std::to_string(e.c) + " rto " +
                             millis(e.d),
                         e.reason);
    case TraceKind::CongestionChange:
      return with_reason(cwnd_text(e), e.reason);
    case TraceKind::WindowUpdate:
      return with_reason("peer window " + std::to_string(e.b) + " → " + std::to_string(e.a),
                         e.reason);
    case TraceKind::ZeroWindowProbe:
      return with_reason("probe #" + std::to_string(e.b + 1) + " seq " +
                             std::to_string(rel(u32(e.a), b, true, absolute)),
                         e.reason);
    case TraceKind::NagleHold:
      return with_reason("holding " + std::to_string(e.a) + " bytes, " + std::to_string(e.b) +
                             " in flight",
                         e.reason);
    case TraceKind::NagleRelease:
      return with_reason("sending " + std::to_string(e.a) + " bytes", e.reason);
    case TraceKind::DelayedAck:
      return with_reason("rcv.nxt " + std::to_string(rel(u32(e.a), b, false, absolute)) + ", " +
                             std::to_string(e.b) + " bytes unacked",
                         e.reason);
    case TraceKind::TimeWaitEnter:
      return with_reason("expires at " + seconds(e.a), e.reason);
    case TraceKind::TimeWaitExpire:
      return with_reason("", e.reason);
    case TraceKind::Drop:
      return with_reason(is_segment(e) ? segment_text(e, absolute) : "", e.reason);
    case TraceKind::Ecn:
      return with_reason("seq " + std::to_string(rel(u32(e.a), b, e.b == 0, absolute)), e.reason);
    case TraceKind::PathMtu:
      return with_reason("path MTU " + std::to_string(e.c) + ": mss " + std::to_string(e.b) +
                             " → " + std::to_string(e.a),
                         e.reason);
  }
  return "";
}

void json_escape(std::string& out, std::string_view s) {
  constexpr std::string_view kHex = "0123456789abcdef";
  for (const char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if (ch == '"' || ch == '\\') {
      out += '\\';
      out += ch;
    } else if (c < 0x20) {
      out += "\\u00";
      out += kHex[c >> 4];
      out += kHex[c & 15];
    } else {
      out += ch;
    }
  }
}

/// Appends ,"key":value pairs.
class JsonObject {
 public:
  void str(std::string_view key, std::string_view value) {
    field(key);
    out_ += '"';
    json_escape(out_, value);
    out_ += '"';
  }
  void num(std::string_view key, std::int64_t value) {
    field(key);
    out_ += std::to_string(value);
  }
  void boolean(std::string_view key, bool value) {
    field(key);
    out_ += value ? "true" : "false";
  }
  void raw(std::string_view key, std::string_view json) {
    field(key);
    out_ += json;
  }
  std::string done() { return out_ + "}"; }

 private:
  void field(std::string_view key) {
    out_ += out_.size() > 1 ? ",\"" : "\"";
    out_ += key;
    out_ += "\":";
  }
  std::string out_ = "{";
};

std::string options_json(const TraceEvent& e, const Bases& b) {
  const wire::TcpOptions& o = e.options;
  JsonObject j;
  if (o.mss) j.num("mss", *o.mss);
  if (o.window_scale) j.num("wscale", *o.window_scale);
  if (o.sack_permitted) j.boolean("sack_permitted", true);
  if (o.timestamps) {
    std::string ts = "[";
    ts.append(std::to_string(o.timestamps->value)).append(1, ',');
    ts.append(std::to_string(o.timestamps->echo_reply)).append(1, ']');
    j.raw("ts", ts);
  }
  if (o.sack_count > 0) {
    std::string blocks = "[";
    for (std::size_t i = 0; i < o.sack_count && i < o.sack.size(); ++i) {
      const bool ours = !outgoing(e);
      blocks += std::string(i == 0 ? "" : ",") + "[" +
                std::to_string(rel(o.sack[i].left, b, ours, false)) + "," +
                std::to_string(rel(o.sack[i].right, b, ours, false)) + "]";
    }
    j.raw("sack_rel", blocks + "]");
  }
  return j.done();
}

void segment_json(JsonObject& j, const TraceEvent& e) {
  const Bases b = bases_of(e);
  const bool out = outgoing(e);
  j.num("seq", u32(e.a));
  j.num("seq_rel", rel(u32(e.a), b, out, false));
  j.num("ack", u32(e.b));
  // Without the ACK flag the field means nothing, so has no relative value.
  if ((e.c & Ack) != 0) {
    j.num("ack_rel", rel(u32(e.b), b, !out, false));
  } else {
    j.raw("ack_rel", "null");
  }
  j.str("flags", tcpdump_flags(static_cast<std::uint8_t>(e.c)));
  j.num("len", e.d);
  j.num("win", e.e);
  j.raw("options", options_json(e, b));
}

void detail_json(JsonObject& j, const TraceEvent& e) {
  switch (e.kind) {
    case TraceKind::StateChange:
      j.str("from", state_of(e.a));
      j.str("to", state_of(e.b));
      return;
    case TraceKind::SegmentIn:
    case TraceKind::SegmentOut:
      segment_json(j, e);
      return;
    case TraceKind::Drop:
      if (is_segment(e)) segment_json(j, e);
      return;
    case TraceKind::RttSample:
      j.num("sample_us", e.a);
      j.num("srtt_us", e.b);
      j.num("rttvar_us", e.c);
      j.num("rto_us", e.d);
      return;
    case TraceKind::Retransmit:
      j.num("seq", u32(e.a));
      j.num("seq_rel", rel(u32(e.a), bases_of(e), true, false));
      j.num("len", e.b);
      j.num("retries", e.c);
      j.num("rto_us", e.d);
      return;
    case TraceKind::CongestionChange:
      j.num("cwnd", e.a);
      j.num("ssthresh", e.b);
      j.num("cwnd_before", e.c);
      j.num("ssthresh_before", e.d);
      return;
    case TraceKind::WindowUpdate:
      j.num("window", e.a);
      j.num("window_before", e.b);
      return;
    case TraceKind::ZeroWindowProbe:
      j.num("seq", u32(e.a));
      j.num("probe", e.b + 1);
      return;
    case TraceKind::NagleHold:
      j.num("held", e.a);
      j.num("in_flight", e.b);
      return;
    case TraceKind::NagleRelease:
      j.num("released", e.a);
      return;
    case TraceKind::DelayedAck:
      j.num("rcv_nxt", u32(e.a));
      j.num("unacked", e.b);
      return;
    case TraceKind::TimeWaitEnter:
      j.num("expires_us", e.a);
      return;
    case TraceKind::TimeWaitExpire:
      return;
    case TraceKind::Ecn:
      j.num("seq", u32(e.a));
      j.num("seq_rel", rel(u32(e.a), bases_of(e), e.b == 0, false));
      return;
    case TraceKind::PathMtu:
      j.num("mss", e.a);
      j.num("mss_before", e.b);
      j.num("path_mtu", e.c);
      return;
  }
}

}  // namespace

std::string tcpdump_flags(std::uint8_t flags) {
  std::string s;
  if ((flags & Syn) != 0) s += 'S';
  if ((flags & Fin) != 0) s += 'F';
  if ((flags & Rst) != 0) s += 'R';
  if ((flags & Psh) != 0) s += 'P';
  if ((flags & Urg) != 0) s += 'U';
  if ((flags & Ece) != 0) s += 'E';
  if ((flags & Cwr) != 0) s += 'W';
  if ((flags & Ack) != 0) s += '.';
  return s.empty() ? "none" : s;
}

std::string segment_reason(const TraceEvent& e) {
  if (e.reason == nullptr || std::string_view(e.reason).empty() ||
      std::string_view(e.reason) == "data") {
    return "";
  }
  std::string s = e.reason;
  if (e.count > 0) s += " #" + std::to_string(e.count);
  return s;
}

std::string format_trace_line(const TraceEvent& e, const TraceFormatOptions& options) {
  std::string line = pad_left(seconds(to_micros(e.at)), 12);
  line.append(1, ' ').append(pad_right(e.socket ? std::to_string(e.socket.value).insert(0, 1, '#') : "-", 7));
  if (has_tuple(e)) {
    const char* dir = e.kind == TraceKind::SegmentIn ? " < "
                      : outgoing(e)                  ? " > "
                                                     : "   ";
    line += pad_left(endpoint(e.tuple.local_addr, e.tuple.local_port), 21) + dir +
            pad_right(endpoint(e.tuple.remote_addr, e.tuple.remote_port), 21);
  } else {
    line += pad_right("", 45);
  }
  line.append(1, ' ').append(pad_right(trace_kind_name(e.kind), 16)).append(1, ' ');
  line.append(detail(e, options.absolute));
  while (!line.empty() && line.back() == ' ') line.pop_back();
  return line;
}

std::string format_trace_json(const TraceEvent& e) {
  JsonObject j;
  j.num("t_us", to_micros(e.at));
  j.num("socket", e.socket.value);
  j.str("kind", trace_kind_name(e.kind));
  if (has_tuple(e)) {
    j.str("local", endpoint(e.tuple.local_addr, e.tuple.local_port));
    j.str("remote", endpoint(e.tuple.remote_addr, e.tuple.remote_port));
  }
  detail_json(j, e);
  if (e.count > 0) j.num("count", e.count);
  j.str("reason", e.reason == nullptr ? "" : e.reason);
  return j.done();
}

}  // namespace tapstack
