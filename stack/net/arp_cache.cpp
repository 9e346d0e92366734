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

ArpCache::ArpCache(const ArpSettings& settings, Interface& interface,
                   std::optional<wire::Ipv4Address> gateway, Rng& rng)
    : settings_(settings),
      interface_(interface),
      gateway_(gateway),
      entries_(0, AddressHash{SipKey::from(rng)}) {}

std::size_t ArpCache::AddressHash::operator()(std::uint32_t address) const {
  return static_cast<std::size_t>(siphash24(key, {address}));
}

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
  // RFC 826 "Packet Reception": a known sender's entry is merged whoever
  // the target; a new one only if we are the target; then a request is answered.
  const bool to_us = packet->target_ip == our_ip;
  const bool request = packet->operation == wire::ArpOperation::Request;
  const bool probe = packet->sender_ip.is_unspecified();  // RFC 5227 probe: nothing to learn
  bool merged = false;
  if (!probe) {
    if (const auto it = entries_.find(packet->sender_ip.value()); it != entries_.end()) {
      merge(it, packet->sender_mac, to_us && !request, now);
      merged = true;
    }
  }
  if (!to_us) return;
  if (!merged && !probe) {
    if (request && talks_to_directly(packet->sender_ip)) {
      learn(packet->sender_ip, packet->sender_mac, now);
    } else {
      ++counters_.rx_not_learned;
    }
  }
  if (request) send_reply(packet->sender_mac, packet->sender_ip);
}

void ArpCache::merge(Table::iterator it, const wire::MacAddress& mac, bool solicited, Instant now) {
  Entry& entry = it->second;
  // Only a reply to us shows that the sender hears us (Linux: anything else is stale).
  const ArpState state = solicited ? ArpState::Reachable : ArpState::Stale;
  if (entry.state == ArpState::Incomplete) {
    resolve(it, mac, state, now);
  } else if (entry.mac == mac) {
    entry.updated = now;
    if (solicited) set_timer(it, ArpState::Reachable, now + settings_.reachable_time);
  } else if (now - entry.updated < settings_.mac_lock) {
    ++counters_.mac_changes_refused;
    return;
  } else {
    ++counters_.mac_changes;
    resolve(it, mac, state, now);
  }
  ++counters_.entries_updated;
}

void ArpCache::resolve(Table::iterator it, const wire::MacAddress& mac, ArpState state, Instant now) {
  Entry& entry = it->second;
  entry.mac = mac;
  entry.updated = now;
  entry.requests_sent = 0;
  set_timer(it, state,
            now + (state == ArpState::Reachable ? settings_.reachable_time : settings_.stale_time));
  // Datagrams that waited for this answer go out now, in order.
  auto pending = std::exchange(entry.pending, {});
  for (const auto& datagram : pending) interface_.transmit(mac, wire::EtherType::Ipv4, datagram);
}

bool ArpCache::talks_to_directly(wire::Ipv4Address ip) const {
  const auto& cidr = interface_.address();
  const bool subnet_broadcast = cidr.prefix_len < 31 && ip == cidr.subnet_broadcast();
  return (cidr.contains(ip) && !subnet_broadcast) || gateway_ == ip;
}

void ArpCache::set_timer(Table::iterator it, ArpState state, Instant expires) {
  Entry& entry = it->second;
  timers(entry.state).erase({entry.expires, it->first});
  entry.state = state;
  entry.expires = expires;
  timers(state).insert({expires, it->first});
}

void ArpCache::erase(Table::iterator it) {
  timers(it->second.state).erase({it->second.expires, it->first});
  entries_.erase(it);
}

bool ArpCache::make_room() {
  if (entries_.size() < settings_.max_entries) return true;
  // Unanswered resolutions are what a flood from spoofed on-link sources
  // creates at will: once they hold half the table they make room among
  // themselves (the next one due goes), so the neighbours that answered keep
  // their entries. Otherwise the resolved entry closest to expiry goes,
  // stale ones first.
  auto& unresolved = timers(ArpState::Incomplete);
  if (!unresolved.empty() && unresolved.size() * 2 >= settings_.max_entries) {
    const auto it = entries_.find(unresolved.begin()->second);
    counters_.queue_dropped_unresolved += it->second.pending.size();
    erase(it);
    ++counters_.entries_evicted;
    return true;
  }
  for (const auto state : {ArpState::Stale, ArpState::Reachable}) {
    if (timers(state).empty()) continue;
    erase(entries_.find(timers(state).begin()->second));
    ++counters_.entries_evicted;
    return true;
  }
  return false;
}

void ArpCache::learn(wire::Ipv4Address ip, const wire::MacAddress& mac, Instant now) {
  if (!make_room()) return;
  resolve(entries_.try_emplace(ip.value()).first, mac, ArpState::Stale, now);
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
  const auto it = entries_.try_emplace(next_hop.value()).first;
  it->second.requests_sent = 1;
  set_timer(it, ArpState::Incomplete, now + settings_.retry_interval);
  queue(it->second, datagram);
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
  std::vector<std::uint32_t> due;
  for (const auto& timers : timers_) {
    for (const auto& [expires, ip] : timers) {
      if (expires > now) break;
      due.push_back(ip);
    }
  }
  std::vector<std::vector<std::uint8_t>> failed;
  for (const auto ip : due) {
    const auto it = entries_.find(ip);
    Entry& entry = it->second;
    if (entry.state == ArpState::Incomplete && entry.requests_sent < settings_.max_retries) {
      send_request(wire::Ipv4Address{ip});
      ++entry.requests_sent;
      set_timer(it, ArpState::Incomplete, now + settings_.retry_interval);
    } else if (entry.state == ArpState::Incomplete) {
      ++counters_.resolution_failures;
      counters_.queue_dropped_unresolved += entry.pending.size();
      std::move(entry.pending.begin(), entry.pending.end(), std::back_inserter(failed));
      erase(it);
    } else if (entry.state == ArpState::Reachable) {
      set_timer(it, ArpState::Stale, now + settings_.stale_time);
    } else {
      ++counters_.entries_expired;
      erase(it);
    }
  }
  // Reported after the walk: the handler may send, which may touch the table.
  if (on_unresolved_) {
    for (const auto& datagram : failed) on_unresolved_(datagram, now);
  }
}

Instant ArpCache::next_deadline() const {
  Instant earliest = Instant::max();
  for (const auto& timers : timers_) {
    if (!timers.empty()) earliest = std::min(earliest, timers.begin()->first);
  }
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
