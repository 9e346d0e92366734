#include "stack/stack.hpp"

#include <algorithm>
#include <string_view>

namespace tapstack {

Stack::Stack(const StackConfig& config, FrameSink& sink, Rng& rng, TraceSink* trace)
    : config_(config),
      interface_(config.mac, config.address, config.mtu, sink),
      arp_(config.arp, interface_, config.gateway, rng),
      ipv4_(config.ip, config.gateway, interface_, arp_, rng),
      icmp_(config.icmp, ipv4_),
      udp_(ipv4_, rng, events_, config.udp),
      tcp_(ipv4_, rng, events_, config.tcp, trace),
      applications_(udp_, tcp_, rng, config.dns, config.services, config.daytime_text) {
  ipv4_.attach_icmp(icmp_);
  register_transport(net::IpProtocol::Udp, udp_);
  register_transport(net::IpProtocol::Tcp, tcp_);
}

Result<void> Stack::start(Instant now) {
  ipv4_.set_now(now);
  arp_.announce();
  auto started = applications_.start(now);
  run_applications(now);
  return started;
}

void Stack::receive(Bytes frame, Instant now, ReceiveOptions options) {
  ipv4_.set_now(now);
  const auto accepted = interface_.accept(frame, options.checksum_trusted);
  if (!accepted) return;
  if (accepted->type == wire::EtherType::Arp) {
    arp_.receive(accepted->payload, now);
  } else {
    ipv4_.receive(accepted->payload, accepted->broadcast, now, options.checksum_trusted);
  }
  run_applications(now);
}

void Stack::poll(Instant now) {
  ipv4_.set_now(now);
  arp_.poll(now);
  ipv4_.poll(now);
  for (auto* transport : transports_) transport->poll(now);
  applications_.poll(now);
  run_applications(now);
}

void Stack::run_applications(Instant now) {
  if (events_.empty()) return;
  // Applications may queue new events while handling these (an echo reply
  // frees window, a resolver closes its socket); a few rounds settle them.
  // This runs after every received frame: events set aside for the caller
  // must not be offered again with the next frame's (that was quadratic in
  // the frames of a batch).
  for (int round = 0; round < 8 && !events_.empty(); ++round) {
    for (const auto& event : events_.drain()) {
      if (!applications_.on_event(event, now)) caller_events_.push(event);
    }
  }
}

Instant Stack::next_deadline() const {
  Instant earliest = std::min(arp_.next_deadline(), ipv4_.next_deadline());
  for (const auto* transport : transports_) earliest = std::min(earliest, transport->next_deadline());
  return std::min(earliest, applications_.next_deadline());
}

void Stack::register_transport(net::IpProtocol protocol, net::TransportProtocol& transport) {
  ipv4_.register_transport(protocol, transport);
  if (std::find(transports_.begin(), transports_.end(), &transport) == transports_.end()) {
    transports_.push_back(&transport);
  }
}

std::vector<std::pair<std::string, std::uint64_t>> Stack::counters() const {
  std::vector<std::pair<std::string, std::uint64_t>> out;
  const auto collect = [&out](std::string_view prefix) {
    return [&out, prefix](std::string_view name, std::uint64_t value) {
      out.emplace_back(std::string(prefix) + std::string(name), value);
    };
  };
  interface_.counters().for_each(collect("eth."));
  arp_.counters().for_each(collect("arp."));
  ipv4_.counters().for_each(collect("ip."));
  ipv4_.reassembler().counters().for_each(collect("reasm."));
  icmp_.counters().for_each(collect("icmp."));
  udp_.counters().for_each(collect("udp."));
  tcp_.counters().for_each(collect("tcp."));
  return out;
}

}  // namespace tapstack
