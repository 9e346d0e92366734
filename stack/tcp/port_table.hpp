#pragma once
// PortTable: which local ports are taken, so bind and the ephemeral-port
// search are lookups rather than a scan of every socket. Two kinds of use:
// a socket the user bound (conflicts by address, wildcard matching all),
// and a connection or TIME-WAIT record using the port (only the ephemeral
// search avoids those: a bind may share a port with them, as SO_REUSEADDR).
#include <cstdint>
#include <unordered_map>
#include <vector>

#include "stack/wire/address.hpp"

namespace tapstack::tcp {

class PortTable {
 public:
  void bind(wire::Ipv4Address addr, std::uint16_t port);
  void unbind(wire::Ipv4Address addr, std::uint16_t port);
  void add_connection(std::uint16_t port) { ++connections_[port]; }
  void remove_connection(std::uint16_t port);

  /// A user socket holds the port on `addr` (or either side is the wildcard).
  bool bound(wire::Ipv4Address addr, std::uint16_t port) const;
  /// Bound, or any connection or TIME-WAIT record uses it as its local port.
  bool in_use(wire::Ipv4Address addr, std::uint16_t port) const {
    return connections_.count(port) != 0 || bound(addr, port);
  }

 private:
  std::unordered_map<std::uint16_t, std::vector<wire::Ipv4Address>> bound_;
  std::unordered_map<std::uint16_t, std::uint32_t> connections_;
};

}  // namespace tapstack::tcp
