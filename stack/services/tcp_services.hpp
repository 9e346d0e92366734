#pragma once
// The classic small TCP services, sans-I/O, driven by TcpLayer events:
// echo (RFC 862, port 7), discard (RFC 863, port 9), daytime (RFC 867,
// port 13) and chargen (RFC 864, port 19). The stack has no wall clock, so
// the daytime text comes from a callback the daemon supplies.
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "stack/base/errc.hpp"
#include "stack/base/time.hpp"
#include "stack/events.hpp"
#include "stack/tcp/tcp_layer.hpp"
#include "stack/wire/address.hpp"

namespace tapstack::services {

struct ServiceSettings {
  bool echo = true;
  bool discard = true;
  bool daytime = true;
  bool chargen = true;
  std::uint16_t echo_port = 7;
  std::uint16_t discard_port = 9;
  std::uint16_t daytime_port = 13;
  std::uint16_t chargen_port = 19;
  wire::Ipv4Address address = wire::Ipv4Address::any();
  std::uint32_t backlog = 16;
  std::size_t max_connections = 256;  // beyond this, new connections are reset
};

class TcpServices {
 public:
  enum class Kind : std::uint8_t { Echo, Discard, Daytime, Chargen };

  /// Opens a listener for each enabled service. Listeners that could not be
  /// opened are reported by failures(); the others work regardless.
  TcpServices(tcp::TcpLayer& tcp, const ServiceSettings& settings,
              std::function<std::string()> daytime_text);
  ~TcpServices();
  TcpServices(const TcpServices&) = delete;
  TcpServices& operator=(const TcpServices&) = delete;

  /// Feed every TCP event here; events for other sockets are ignored.
  void on_event(const SocketEvent& event, Instant now);
  /// Keeps chargen/echo output moving for the connections that have some
  /// left; call after TcpLayer::poll.
  void poll(Instant now);

  /// Services whose listener failed, with the reason (e.g. AddressInUse).
  const std::vector<std::pair<Kind, Errc>>& failures() const { return failures_; }
  std::size_t connections() const { return conns_.size(); }
  /// True for the services' own sockets (listeners and connections).
  bool owns(SocketId id) const;

 private:
  struct Conn {
    Kind kind = Kind::Echo;
    std::string out;           // bytes waiting to be sent (echo backlog, daytime line)
    std::size_t chargen_line = 0;
    std::size_t chargen_col = 0;
    bool peer_eof = false;
    bool shut = false;
  };

  void open_listener(Kind kind, std::uint16_t port);
  void accept_all(SocketId listener, Kind kind, Instant now);
  /// Moves data for one connection; returns false once it is closed.
  bool service(SocketId id, Conn& c, Instant now);
  /// Reads what the socket holds; true when echo stopped at its backlog
  /// with more possibly waiting.
  bool read_input(SocketId id, Conn& c, Instant now);
  void fill_chargen(Conn& c, std::size_t space);
  void flush(SocketId id, Conn& c, Instant now);

  tcp::TcpLayer& tcp_;
  ServiceSettings settings_;
  std::function<std::string()> daytime_text_;
  std::map<std::uint32_t, Kind> listeners_;  // by SocketId value
  std::map<std::uint32_t, Conn> conns_;
  std::set<std::uint32_t> pending_;  // connections poll() must visit
  std::vector<std::pair<Kind, Errc>> failures_;
};

/// Line `line` of the RFC 864 pattern: 72 printable characters starting at
/// character (line mod 95) of the 95 printable ASCII characters, then CRLF.
std::string chargen_line(std::size_t line);

}  // namespace tapstack::services
