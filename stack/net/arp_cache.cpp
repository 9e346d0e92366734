#include "stack/net/arp_cache.hpp"

#include <algorithm>
#include <array>
#include <iterator>
#include <utility>

#include "stack/wire/arp.hpp"

namespace tapstack::net {

const char* to_string(ArpState state) {
  switch (state) {
    case ArpState::Incomplete: return "incomplete";
    case ArpState::Reachable: return "reachable";
    case ArpState::Stale: return "stale";
  }
  return "unknown";
}

ArpCache::ArpCache(const ArpSettings& settings, Interface& interface)
    : settings_(settings), interface_(interface) {}

void ArpCache::announce() {
  // RFC 5227 §3: sender and target protocol address are both ours.
  const auto ip = interface_.address().address;
  const wire::ArpPacket packet{wire::ArpOperation::Request, interface_.mac(), ip,
                               wire::MacAddress{}, ip};
  std::array<std::uint8_t, wire::kArpPacketSize> buffer{};
  packet.emit(buffer);
  interface_.transmit(wire::MacAddress::broadcast(), wire::EtherType::Arp, buffer);
  ++counters_.tx_gratuitous;
}

void ArpCache::send_request(wire::Ipv4Address target) {
  const wire::ArpPacket packet{wire::ArpOperation::Request, interface_.mac(),
                               interface_.address().address, wire::MacAddress{}, target};
  std::array<std::uint8_t, wire::kArpPacketSize> buffer{};
  packet.emit(buffer);
  interface_.transmit(wire::MacAddress::broadcast(), wire::EtherType::Arp, buffer);
  ++counters_.tx_requests;
}

void ArpCache::send_reply(const wire::MacAddress& mac, wire::Ipv4Address ip) {
  const wire::ArpPacket packet{wire::ArpOperation::Reply, interface_.mac(),
                               interface_.address().address, mac, ip};
  std::array<std::uint8_t, wire::kArpPacketSize> buffer{};
  packet.emit(buffer);
  interface_.transmit(mac, wire::EtherType::Arp, buffer);
  ++counters_.tx_replies;
}

void ArpCache::receive(Bytes bytes, Instant now) {
  ++counters_.rx_packets;
  const auto view = wire::ArpView::parse(bytes);
  const auto packet = view ? wire::ArpPacket::decode(*view) : std::nullopt;
  if (!packet) {
    ++counters_.rx_dropped_malformed;
    return;
  }
  ++(packet->operation == wire::ArpOperation::Request ? counters_.rx_requests
                                                      : counters_.rx_replies);
  if (packet->sender_mac.is_multicast() || packet->sender_mac.is_zero()) {
    ++counters_.rx_dropped_bad_sender;
    return;
  }
  const auto our_ip = interface_.address().address;
  if (packet->sender_ip == our_ip) {
    ++counters_.rx_address_conflicts;
    return;
  }
  // RFC 826 "Packet Reception": update an existing entry (merge flag), and
  // only if we are the target add a new one, then answer a request.
  bool merge = false;
  const bool probe = packet->sender_ip.is_unspecified();  // RFC 5227 probe: nothing to learn
  if (!probe) {
    if (const auto it = entries_.find(packet->sender_ip.value()); it != entries_.end()) {
      make_reachable(it->second, packet->sender_mac, now);
      ++counters_.entries_updated;
      merge = true;
    }
  }
  if (packet->target_ip != our_ip) return;
  if (!merge && !probe) learn(packet->sender_ip, packet->sender_mac, now);
  if (packet->operation == wire::ArpOperation::Request) {
    send_reply(packet->sender_mac, packet->sender_ip);
  }
}

void ArpCache::make_reachable(Entry& entry, const wire::MacAddress& mac, Instant now) {
  entry.mac = mac;
  entry.state = ArpState::Reachable;
  entry.expires = now + settings_.reachable_time;
  entry.requests_sent = 0;
  // Datagrams that waited for this answer go out now, in order.
  auto pending = std::exchange(entry.pending, {});
  for (const auto& datagram : pending) interface_.transmit(mac, wire::EtherType::Ipv4, datagram);
}

bool ArpCache::make_room() {
  if (entries_.size() < settings_.max_entries) return true;
  // Evict the resolved entry closest to expiry; stale ones go first.
  auto victim = entries_.end();
  for (auto it = entries_.begin(); it != entries_.end(); ++it) {
    if (it->second.state == ArpState::Incomplete) continue;
    if (victim == entries_.end() ||
        std::pair{it->second.state == ArpState::Reachable, it->second.expires} <
            std::pair{victim->second.state == ArpState::Reachable, victim->second.expires}) {
      victim = it;
    }
  }
  if (victim == entries_.end()) return false;
  entries_.erase(victim);
  ++counters_.entries_evicted;
  return true;
}

void ArpCache::learn(wire::Ipv4Address ip, const wire::MacAddress& mac, Instant now) {
  if (!make_room()) return;
  make_reachable(entries_[ip.value()], mac, now);
  ++counters_.entries_learned;
}

void ArpCache::queue(Entry& entry, Bytes datagram) {
  if (settings_.queue_per_entry == 0) {
    ++counters_.queue_dropped_overflow;
    return;
  }
  if (entry.pending.size() >= settings_.queue_per_entry) {
    // Keep the newest datagrams, as Linux does with its unresolved queue.
    entry.pending.pop_front();
    ++counters_.queue_dropped_overflow;
  }
  entry.pending.emplace_back(datagram.begin(), datagram.end());
}

void ArpCache::send_ipv4(wire::Ipv4Address next_hop, Bytes datagram, Instant now) {
  if (const auto it = entries_.find(next_hop.value()); it != entries_.end()) {
    Entry& entry = it->second;
    if (entry.state == ArpState::Incomplete) {
      queue(entry, datagram);
    } else {
      interface_.transmit(entry.mac, wire::EtherType::Ipv4, datagram);
    }
    return;
  }
  if (!make_room()) {
    ++counters_.queue_dropped_table_full;
    return;
  }
  Entry& entry = entries_[next_hop.value()];
  entry.expires = now + settings_.retry_interval;
  entry.requests_sent = 1;
  queue(entry, datagram);
  send_request(next_hop);
}

std::optional<wire::MacAddress> ArpCache::lookup(wire::Ipv4Address ip) const {
  const auto it = entries_.find(ip.value());
  if (it == entries_.end() || it->second.state == ArpState::Incomplete) return std::nullopt;
  return it->second.mac;
}

bool ArpCache::resolving(wire::Ipv4Address ip) const {
  const auto it = entries_.find(ip.value());
  return it != entries_.end() && it->second.state == ArpState::Incomplete;
}

void ArpCache::poll(Instant now) {
  std::vector<std::vector<std::uint8_t>> failed;
  for (auto it = entries_.begin(); it != entries_.end();) {
    Entry& entry = it->second;
    if (entry.expires > now) {
      ++it;
      continue;
    }
    if (entry.state == ArpState::Incomplete && entry.requests_sent < settings_.max_retries) {
      send_request(wire::Ipv4Address{it->first});
      ++entry.requests_sent;
      entry.expires = now + settings_.retry_interval;
    } else if (entry.state == ArpState::Incomplete) {
      ++counters_.resolution_failures;
      counters_.queue_dropped_unresolved += entry.pending.size();
      std::move(entry.pending.begin(), entry.pending.end(), std::back_inserter(failed));
      it = entries_.erase(it);
      continue;
    } else if (entry.state == ArpState::Reachable) {
      entry.state = ArpState::Stale;
      entry.expires = now + settings_.stale_time;
    } else {
      ++counters_.entries_expired;
      it = entries_.erase(it);
      continue;
    }
    ++it;
  }
  // Reported after the walk: the handler may send, which may touch the table.
  if (on_unresolved_) {
    for (const auto& datagram : failed) on_unresolved_(datagram, now);
  }
}

Instant ArpCache::next_deadline() const {
  Instant earliest = Instant::max();
  for (const auto& [ip, entry] : entries_) earliest = std::min(earliest, entry.expires);
  return earliest;
}

std::vector<ArpEntryInfo> ArpCache::entries() const {
  std::vector<ArpEntryInfo> out;
  out.reserve(entries_.size());
  for (const auto& [ip, entry] : entries_) {
    out.push_back({wire::Ipv4Address{ip}, entry.mac, entry.state, entry.expires});
  }
  std::sort(out.begin(), out.end(),
            [](const ArpEntryInfo& a, const ArpEntryInfo& b) { return a.ip < b.ip; });
  return out;
}

}  // namespace tapstack::net
