#include "stack/services/udp_echo.hpp"

namespace tapstack::services {
namespace {

/// Source ports of services that answer anything (echo, discard's peers,
/// daytime, chargen, time): replying to them could start an endless
/// ping-pong between two servers, so such datagrams are dropped. Port 0
/// cannot be replied to at all.
bool may_loop(std::uint16_t port) {
  return port == 0 || port == 7 || port == 13 || port == 19 || port == 37;
}

}  // namespace

UdpEcho::~UdpEcho() {
  if (socket_) (void)udp_.close(socket_);
}

Result<void> UdpEcho::start(std::uint16_t port) {
  if (socket_) return Errc::InvalidState;
  const auto id = udp_.open();
  if (!id) return id.error();
  if (auto r = udp_.bind(*id, wire::Ipv4Address::any(), port); !r) {
    (void)udp_.close(*id);
    return r;
  }
  socket_ = *id;
  return {};
}

bool UdpEcho::on_event(const SocketEvent& event, Instant /*now*/) {
  if (event.protocol != net::IpProtocol::Udp || !socket_ || event.id != socket_) return false;
  while (true) {
    auto d = udp_.recv_from(socket_);
    if (d.error() == Errc::ConnectionRefused || d.error() == Errc::HostUnreachable) {
      continue;  // a pending ICMP error, reported once and cleared: keep draining
    }
    if (!d) break;  // empty, shut down or closed
    if (may_loop(d->from_port)) {
      ++counters_.refused;
      continue;
    }
    if (udp_.send_to(socket_, d->from, d->from_port, d->data)) {
      ++counters_.echoed;
      counters_.bytes += d->data.size();
    } else {
      ++counters_.send_errors;
    }
  }
  return true;
}

}  // namespace tapstack::services
