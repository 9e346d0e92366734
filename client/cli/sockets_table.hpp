#pragma once
// `tapstack sockets` (alias `ss`): the daemon's socket list as an ss-like
// table, sorted by state and local address, with ss's -t/-u/-l/-a/-i filters.
#include <nlohmann/json.hpp>
#include <string>

namespace tapstack::cli {

struct SocketsView {
  bool tcp = false, udp = false;  // neither: both
  bool listening = false;         // only listeners (and unconnected UDP sockets)
  bool all = false;               // listeners and the rest (the default without -l)
  bool internals = false;         // a line of TCP internals under each connection
};

/// The table of the daemon's "sockets" document (docs/rpc.md).
std::string sockets_table(const nlohmann::json& doc, const SocketsView& view);

}  // namespace tapstack::cli
