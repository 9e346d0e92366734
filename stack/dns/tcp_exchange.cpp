#include "stack/dns/tcp_exchange.hpp"

#include <array>

namespace tapstack::dns {
namespace {

constexpr std::size_t kPrefixLen = 2;

std::size_t expected_length(const std::vector<std::uint8_t>& in) {
  return kPrefixLen + ((std::size_t{in[0]} << 8) | in[1]);
}

}  // namespace

Result<void> TcpExchange::start(wire::Ipv4Address server, std::uint16_t port, Bytes query,
                                Instant now) {
  if (query.size() > 0xffff) return Errc::MessageTooLong;
  out_.clear();
  out_.push_back(static_cast<std::uint8_t>(query.size() >> 8));
  out_.push_back(static_cast<std::uint8_t>(query.size() & 0xff));
  out_.insert(out_.end(), query.begin(), query.end());
  auto socket = tcp_.open();
  if (!socket) return socket.error();
  socket_ = *socket;
  if (auto r = tcp_.connect(socket_, server, port, now); !r) {
    close(now);
    return r.error();
  }
  return {};
}

TcpExchange::Status TcpExchange::on_event(const SocketEvent& event, Instant now) {
  switch (event.kind) {
    case SocketEventKind::Connected:
      connected_ = true;
      return send_pending(now);
    case SocketEventKind::Writable: return connected_ ? send_pending(now) : Status::Pending;
    case SocketEventKind::Readable: return receive(now);
    case SocketEventKind::Closed: return Status::Failed;
    case SocketEventKind::AcceptReady: return Status::Pending;
  }
  return Status::Pending;
}

TcpExchange::Status TcpExchange::send_pending(Instant now) {
  while (sent_ < out_.size()) {
    auto n = tcp_.send(socket_, Bytes{out_}.subspan(sent_), now);
    if (!n) return n.error() == Errc::WouldBlock ? Status::Pending : Status::Failed;
    sent_ += *n;
  }
  return Status::Pending;
}

TcpExchange::Status TcpExchange::receive(Instant now) {
  std::array<std::uint8_t, 2048> buf{};
  while (true) {
    // A response is at most 65535 bytes; anything past it is not ours to read.
    const std::size_t want = in_.size() < kPrefixLen ? kPrefixLen - in_.size()
                                                     : expected_length(in_) - in_.size();
    if (want == 0) return Status::Done;
    auto n = tcp_.recv(socket_, MutableBytes{buf}.first(std::min(want, buf.size())), now);
    if (!n) return n.error() == Errc::WouldBlock ? Status::Pending : Status::Failed;
    if (*n == 0) return Status::Failed;  // the server closed before a whole response
    in_.insert(in_.end(), buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(*n));
  }
}

Bytes TcpExchange::response() const {
  return in_.size() <= kPrefixLen ? Bytes{} : Bytes{in_}.subspan(kPrefixLen);
}

void TcpExchange::close(Instant now) {
  if (!socket_) return;
  // Unread or unsent data makes close() an abort, as it should be here.
  (void)tcp_.close(socket_, now);
  socket_ = SocketId{};
}

}  // namespace tapstack::dns
