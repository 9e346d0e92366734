#include "stack/services/tcp_services.hpp"

#include <algorithm>
#include <array>
#include <utility>

namespace tapstack::services {
namespace {

constexpr std::size_t kChargenLineLen = 74;  // 72 characters + CR LF (RFC 864)
constexpr std::size_t kEchoBacklog = 64 * 1024;  // stop reading while this much is unsent

}  // namespace

std::string chargen_line(std::size_t line) {
  std::string s(kChargenLineLen, '\0');
  for (std::size_t i = 0; i < 72; ++i) s[i] = static_cast<char>(' ' + (line + i) % 95);
  s[72] = '\r';
  s[73] = '\n';
  return s;
}

TcpServices::TcpServices(tcp::TcpLayer& tcp, const ServiceSettings& settings,
                         std::function<std::string()> daytime_text)
    : tcp_(tcp), settings_(settings), daytime_text_(std::move(daytime_text)) {
  if (settings_.echo) open_listener(Kind::Echo, settings_.echo_port);
  if (settings_.discard) open_listener(Kind::Discard, settings_.discard_port);
  if (settings_.daytime) open_listener(Kind::Daytime, settings_.daytime_port);
  if (settings_.chargen) open_listener(Kind::Chargen, settings_.chargen_port);
}

TcpServices::~TcpServices() {
  // Sockets are left to the layer; closing here would need a time.
}

void TcpServices::open_listener(Kind kind, std::uint16_t port) {
  auto id = tcp_.open();
  if (!id) {
    failures_.emplace_back(kind, id.error());
    return;
  }
  auto r = tcp_.bind(*id, settings_.address, port);
  if (r) r = tcp_.listen(*id, settings_.backlog);
  if (!r) {
    failures_.emplace_back(kind, r.error());
    (void)tcp_.close(*id, Instant{});  // an unconnected socket: no time is used
    return;
  }
  listeners_[id->value] = kind;
}

bool TcpServices::owns(SocketId id) const {
  return listeners_.count(id.value) != 0 || conns_.count(id.value) != 0;
}

void TcpServices::on_event(const SocketEvent& event, Instant now) {
  if (event.protocol != net::IpProtocol::Tcp) return;
  if (auto l = listeners_.find(event.id.value); l != listeners_.end()) {
    if (event.kind == SocketEventKind::AcceptReady) accept_all(event.id, l->second, now);
    return;
  }
  auto it = conns_.find(event.id.value);
  if (it == conns_.end()) return;
  if (!service(event.id, it->second, now)) conns_.erase(it);
}

void TcpServices::poll(Instant now) {
  // Only connections with work left over wait for a poll; the others are
  // moved by the layer's events, so idle connections cost nothing here.
  const std::vector<std::uint32_t> due(pending_.begin(), pending_.end());
  for (const std::uint32_t value : due) {
    auto it = conns_.find(value);
    if (it == conns_.end()) {
      pending_.erase(value);
    } else if (!service(SocketId{value}, it->second, now)) {
      conns_.erase(it);
    }
  }
}

void TcpServices::accept_all(SocketId listener, Kind kind, Instant now) {
  for (;;) {
    auto id = tcp_.accept(listener);
    if (!id) return;
    if (conns_.size() >= settings_.max_connections) {
      tcp_.abort(*id, now);
      continue;
    }
    Conn c;
    c.kind = kind;
    if (kind == Kind::Daytime) c.out = daytime_text_() + "\r\n";  // RFC 867: one line
    auto [it, _] = conns_.emplace(id->value, std::move(c));
    if (!service(*id, it->second, now)) conns_.erase(it);
  }
}

void TcpServices::flush(SocketId id, Conn& c, Instant now) {
  while (!c.out.empty()) {
    const Bytes bytes(reinterpret_cast<const std::uint8_t*>(c.out.data()), c.out.size());
    auto n = tcp_.send(id, bytes, now);
    if (!n) return;
    c.out.erase(0, *n);
  }
}

void TcpServices::fill_chargen(Conn& c, std::size_t space) {
  // RFC 864: lines of the rotating pattern, for as long as the peer listens.
  while (c.out.size() < space) {
    const std::string line = chargen_line(c.chargen_line);
    c.out.append(line, c.chargen_col, std::string::npos);
    c.chargen_col = 0;
    ++c.chargen_line;
  }
  if (c.out.size() > space) {
    // Keep only what fits; remember where in the line we stopped.
    const std::size_t extra = c.out.size() - space;
    c.chargen_col = kChargenLineLen - extra;
    --c.chargen_line;
    c.out.resize(space);
  }
}

bool TcpServices::read_input(SocketId id, Conn& c, Instant now) {
  // Echo keeps what it read (bounded), the others discard it.
  std::array<std::uint8_t, 4096> buf{};
  while (!c.peer_eof) {
    if (c.kind == Kind::Echo && c.out.size() >= kEchoBacklog) return true;
    auto n = tcp_.recv(id, buf, now);
    if (!n) {
      if (n.error() != Errc::WouldBlock) c.peer_eof = true;  // reset or timed out
      return false;
    }
    if (*n == 0) {
      c.peer_eof = true;
      return false;
    }
    if (c.kind == Kind::Echo) c.out.append(reinterpret_cast<const char*>(buf.data()), *n);
  }
  return false;
}

bool TcpServices::service(SocketId id, Conn& c, Instant now) {
  const auto info = tcp_.info(id);
  if (!info) {
    pending_.erase(id.value);
    return false;
  }
  // Echo reads up to its backlog and sends; when all of that went out, what
  // is still buffered gets no further event, so it reads on here.
  while (read_input(id, c, now)) {
    flush(id, c, now);
    if (!c.out.empty()) break;
  }
  if (c.kind == Kind::Chargen && !c.peer_eof && c.out.empty()) {
    fill_chargen(c, tcp_.send_space(id));
  }
  flush(id, c, now);
  // Daytime closes first once its line is out (RFC 867); echo and discard
  // finish when the peer has closed and everything is echoed.
  const bool done_sending = c.out.empty() && (c.kind == Kind::Daytime || c.peer_eof);
  if (done_sending && !c.shut && info->state != tcp::TcpState::Closed) {
    c.shut = tcp_.shutdown_send(id, now).ok();
  }
  if (info->state == tcp::TcpState::Closed || (c.peer_eof && (c.shut || c.kind == Kind::Chargen))) {
    (void)tcp_.close(id, now);
    pending_.erase(id.value);
    return false;
  }
  // Output still queued (or a chargen stream, or a FIN still to send) is
  // pushed by poll(); everything else waits for the next event.
  if (!c.out.empty() || c.kind == Kind::Chargen || (c.peer_eof && !c.shut)) {
    pending_.insert(id.value);
  } else {
    pending_.erase(id.value);
  }
  return true;
}

}  // namespace tapstack::services
