#include "stack/applications.hpp"

#include <algorithm>

namespace tapstack {

Applications::Applications(net::UdpLayer& udp, tcp::TcpLayer& tcp, Rng& rng,
                           const dns::ResolverSettings& dns, const ServiceSettings& services,
                           std::function<std::string()> daytime_text)
    : resolver_(udp, rng, dns),
      services_(services),
      udp_(udp),
      tcp_(tcp),
      daytime_text_(std::move(daytime_text)) {}

Applications::~Applications() = default;

Result<void> Applications::start(Instant /*now*/) {
  if (services_.udp_echo) {
    udp_echo_ = std::make_unique<services::UdpEcho>(udp_);
    if (auto started = udp_echo_->start(); !started) return started.error();
  }
  return {};
}

bool Applications::on_event(const SocketEvent& event, Instant now) {
  if (resolver_.on_event(event, now)) return true;
  if (udp_echo_ && udp_echo_->on_event(event, now)) return true;
  return false;
}

void Applications::poll(Instant now) { resolver_.poll(now); }

Instant Applications::next_deadline() const { return resolver_.next_deadline(); }

}  // namespace tapstack
