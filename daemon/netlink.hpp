#pragma once
// The host side of the TAP over rtnetlink (libmnl): give it an address.
#include <string>

#include "stack/wire/address.hpp"

namespace tapstack::daemon {

/// Adds `cidr` to the interface `if_index`. Returns false when the interface
/// already had exactly that address. Throws std::runtime_error otherwise.
bool add_interface_address(unsigned if_index, const wire::Ipv4Cidr& cidr);

/// Removes `cidr` from the interface; errors are ignored (used at exit).
void remove_interface_address(unsigned if_index, const wire::Ipv4Cidr& cidr);

/// The name of another interface that already holds `address`, or "".
std::string interface_holding(const wire::Ipv4Address& address, unsigned except_index);

}  // namespace tapstack::daemon
