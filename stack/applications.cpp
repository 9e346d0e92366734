#include "stack/applications.hpp"

#include <algorithm>

namespace tapstack {

Applications::Applications(net::UdpLayer& udp, tcp::TcpLayer& tcp, Rng& rng,
                           const dns::ResolverSettings& dns, const ServiceSettings& services,
                           std::function<std::string()> daytime_text)
    : resolver_(udp, tcp, rng, dns),
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
  if (services_.echo || services_.discard || services_.daytime || services_.chargen) {
    services::ServiceSettings tcp_settings;
    tcp_settings.echo = services_.echo;
    tcp_settings.discard = services_.discard;
    tcp_settings.daytime = services_.daytime;
    tcp_settings.chargen = services_.chargen;
    tcp_settings.max_connections = services_.max_connections;
    tcp_services_ = std::make_unique<services::TcpServices>(tcp_, tcp_settings, daytime_text_);
    if (!tcp_services_->failures().empty()) return tcp_services_->failures().front().second;
  }
  return {};
}

bool Applications::on_event(const SocketEvent& event, Instant now) {
  if (resolver_.on_event(event, now)) return true;
  if (udp_echo_ && udp_echo_->on_event(event, now)) return true;
  if (tcp_services_ && event.protocol == net::IpProtocol::Tcp && tcp_services_->owns(event.id)) {
    tcp_services_->on_event(event, now);
    return true;
  }
  return false;
}

void Applications::poll(Instant now) {
  resolver_.poll(now);
  if (tcp_services_) tcp_services_->poll(now);
}

Instant Applications::next_deadline() const { return resolver_.next_deadline(); }

}  // namespace tapstack
