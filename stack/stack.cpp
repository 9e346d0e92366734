#include "stack/stack.hpp"

#include <algorithm>
#include <string_view>

namespace tapstack {

Stack::Stack(const StackConfig& config, FrameSink& sink, Rng& rng)
    : config_(config),
      interface_(config.mac, config.address, config.mtu, sink),
      arp_(config.arp, interface_),
      ipv4_(config.ip, config.gateway, interface_, arp_, rng),
      icmp_(config.icmp, ipv4_) {
  ipv4_.attach_icmp(icmp_);
}

void Stack::start(Instant now) {
  ipv4_.set_now(now);
  arp_.announce();
}

void Stack::receive(Bytes frame, Instant now) {
  ipv4_.set_now(now);
  const auto accepted = interface_.accept(frame);
  if (!accepted) return;
  if (accepted->type == wire::EtherType::Arp) {
    arp_.receive(accepted->payload, now);
  } else {
    ipv4_.receive(accepted->payload, accepted->broadcast, now);
  }
}

void Stack::poll(Instant now) {
  ipv4_.set_now(now);
  arp_.poll(now);
  ipv4_.poll(now);
  for (auto* transport : transports_) transport->poll(now);
}

Instant Stack::next_deadline() const {
  Instant earliest = std::min(arp_.next_deadline(), ipv4_.next_deadline());
  for (const auto* transport : transports_) earliest = std::min(earliest, transport->next_deadline());
  return earliest;
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
  return out;
}

}  // namespace tapstack
