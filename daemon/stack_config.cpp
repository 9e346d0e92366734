#include "daemon/stack_config.hpp"

namespace tapstack::daemon {
namespace {

wire::MacAddress random_local_mac(Rng& rng) {
  wire::MacAddress::Octets octets{};
  const std::uint64_t bits = rng.next_u64();
  for (std::size_t i = 0; i < octets.size(); ++i) {
    octets[i] = static_cast<std::uint8_t>(bits >> (8 * i));
  }
  // Unicast (I/G bit clear), locally administered (U/L bit set): IEEE 802 §8.2.
  octets[0] = static_cast<std::uint8_t>((octets[0] & 0xfc) | 0x02);
  return wire::MacAddress{octets};
}

}  // namespace

StackConfig make_stack_config(const config::Config& config, Rng& rng) {
  const auto& ifc = config.interface;
  StackConfig out;
  out.mac = ifc.mac ? *ifc.mac : random_local_mac(rng);
  out.address = ifc.address;
  out.gateway = ifc.gateway;
  out.mtu = ifc.mtu;

  out.arp.reachable_time = config.arp.reachable_time;
  out.arp.stale_time = config.arp.stale_time;
  out.arp.retry_interval = config.arp.retry_interval;
  out.arp.max_retries = config.arp.max_retries;
  out.arp.queue_per_entry = config.arp.queue_per_entry;
  out.arp.max_entries = config.arp.max_entries;

  out.ip.ttl = config.ip.ttl;
  out.ip.reassembly.timeout = config.ip.reassembly_timeout;
  out.ip.reassembly.max_datagrams = config.ip.reassembly_max_datagrams;
  out.ip.reassembly.max_bytes = config.ip.reassembly_max_bytes;

  out.icmp.error_rate_per_second = config.icmp.error_rate_per_second;
  out.icmp.error_burst = config.icmp.error_burst;
  return out;
}

bool same_restart_settings(const config::Config& a, const config::Config& b) {
  // Everything but what reload applies live (the log level) and the name of
  // the file it came from.
  config::Config left = a;
  config::Config right = b;
  left.log = right.log = config::LogConfig{};
  left.source = right.source;
  return left == right;
}

}  // namespace tapstack::daemon
