#include "daemon/stack_config.hpp"

#include <ctime>
#include <string>

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

// RFC 867 leaves the format open; this is ctime's, as inetd's daytime uses.
// The service adds the CRLF.
std::string daytime_text() {
  const std::time_t now = std::time(nullptr);
  std::tm local{};
  localtime_r(&now, &local);
  char line[64];
  const auto n = std::strftime(line, sizeof line, "%a %b %e %H:%M:%S %Y", &local);
  return std::string(line, n);
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

  const auto& tcp = config.tcp;
  out.tcp.send_buffer = tcp.send_buffer;
  out.tcp.recv_buffer = tcp.recv_buffer;
  out.tcp.rto_min = tcp.rto_min;
  out.tcp.rto_max = tcp.rto_max;
  out.tcp.rto_initial = tcp.rto_initial;
  out.tcp.max_retries = tcp.max_retries;
  out.tcp.max_syn_retries = tcp.max_syn_retries;
  out.tcp.msl = tcp.msl;
  out.tcp.time_wait_max = tcp.time_wait_max;
  out.tcp.max_sockets = tcp.max_sockets;
  out.tcp.local_reserve = tcp.local_reserve;
  out.tcp.nagle = tcp.nagle;
  out.tcp.delayed_ack = tcp.delayed_ack;
  out.tcp.delayed_ack_timeout = tcp.delayed_ack_timeout;
  out.tcp.syn_backlog = tcp.syn_backlog;
  out.tcp.syn_cookies = tcp.syn_cookies;
  out.tcp.window_scaling = tcp.window_scaling;
  out.tcp.timestamps = tcp.timestamps;
  out.tcp.congestion = tcp.congestion;
  out.tcp.ecn = tcp.ecn;
  out.tcp.keepalive_idle = tcp.keepalive_idle;
  out.tcp.keepalive_interval = tcp.keepalive_interval;
  out.tcp.keepalive_count = tcp.keepalive_count;
  out.tcp.ephemeral_low = tcp.ephemeral_low;
  out.tcp.ephemeral_high = tcp.ephemeral_high;

  out.udp.ephemeral_low = config.udp.ephemeral_low;
  out.udp.ephemeral_high = config.udp.ephemeral_high;
  out.udp.recv_queue_datagrams = config.udp.recv_queue_datagrams;
  out.udp.recv_queue_bytes = config.udp.recv_queue_bytes;

  const auto& dns = config.dns;
  for (const auto& server : dns.servers) out.dns.servers.push_back({server.address, server.port});
  out.dns.timeout = dns.timeout;
  out.dns.attempts = dns.attempts;
  out.dns.cache_size = dns.cache_size;
  for (const auto& entry : dns.hosts) {
    for (const auto& name : entry.names) out.dns.hosts[name].push_back(entry.address);
  }

  const auto& services = config.services;
  out.services = {services.echo,    services.discard,  services.daytime,
                  services.chargen, services.udp_echo, services.max_connections};
  out.daytime_text = daytime_text;
  return out;
}

std::vector<std::string> restart_settings_changed(const config::Config& a,
                                                  const config::Config& b) {
  // Everything but what reload applies live: the log level.
  auto changed = config::changed_keys(a, b);
  std::erase(changed, "log.level");
  return changed;
}

}  // namespace tapstack::daemon
