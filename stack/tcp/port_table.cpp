#include "stack/tcp/port_table.hpp"

#include <algorithm>

namespace tapstack::tcp {

void PortTable::bind(wire::Ipv4Address addr, std::uint16_t port) { bound_[port].push_back(addr); }

void PortTable::unbind(wire::Ipv4Address addr, std::uint16_t port) {
  auto it = bound_.find(port);
  if (it == bound_.end()) return;
  auto& addrs = it->second;
  if (auto a = std::find(addrs.begin(), addrs.end(), addr); a != addrs.end()) addrs.erase(a);
  if (addrs.empty()) bound_.erase(it);
}

void PortTable::remove_connection(std::uint16_t port) {
  auto it = connections_.find(port);
  if (it == connections_.end()) return;
  if (--it->second == 0) connections_.erase(it);
}

bool PortTable::bound(wire::Ipv4Address addr, std::uint16_t port) const {
  auto it = bound_.find(port);
  if (it == bound_.end()) return false;
  if (addr.is_unspecified()) return true;
  return std::any_of(it->second.begin(), it->second.end(), [&](wire::Ipv4Address a) {
    return a.is_unspecified() || a == addr;
  });
}

}  // namespace tapstack::tcp
