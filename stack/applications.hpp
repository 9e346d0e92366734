#pragma once
// The programs that run inside the stack itself: the DNS stub resolver and
// the small RFC services. They use the transports' public socket API like any
// client would, and consume the socket events of their own sockets; Stack
// routes every event to them first, after each receive() and poll().
#include <functional>
#include <memory>
#include <string>

#include "stack/base/rng.hpp"
#include "stack/base/time.hpp"
#include "stack/dns/resolver.hpp"
#include "stack/events.hpp"
#include "stack/net/udp_layer.hpp"
#include "stack/services/tcp_services.hpp"
#include "stack/services/udp_echo.hpp"
#include "stack/tcp/tcp_layer.hpp"

namespace tapstack {

/// Which built-in services run ([services] in the daemon's config).
struct ServiceSettings {
  bool echo = false;      // TCP 7,  RFC 862
  bool discard = false;   // TCP 9,  RFC 863
  bool daytime = false;   // TCP 13, RFC 867
  bool chargen = false;   // TCP 19, RFC 864
  bool udp_echo = false;  // UDP 7,  RFC 862
  std::size_t max_connections = 256;  // TCP services' connections together
};

class Applications {
 public:
  Applications(net::UdpLayer& udp, tcp::TcpLayer& tcp, Rng& rng,
               const dns::ResolverSettings& dns, const ServiceSettings& services,
               std::function<std::string()> daytime_text);
  ~Applications();
  Applications(const Applications&) = delete;
  Applications& operator=(const Applications&) = delete;

  /// Opens the configured services' listening sockets. Errors (a port taken)
  /// are returned with the service's name.
  Result<void> start(Instant now);

  /// True when the event concerned one of their sockets (and was consumed).
  bool on_event(const SocketEvent& event, Instant now);
  void poll(Instant now);
  Instant next_deadline() const;

  dns::Resolver& resolver() { return resolver_; }

 private:
  dns::Resolver resolver_;
  ServiceSettings services_;
  std::unique_ptr<services::UdpEcho> udp_echo_;
  std::unique_ptr<services::TcpServices> tcp_services_;
  net::UdpLayer& udp_;
  tcp::TcpLayer& tcp_;
  std::function<std::string()> daytime_text_;
};

}  // namespace tapstack
