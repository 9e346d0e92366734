#pragma once
// The Echo service over UDP (RFC 862): every datagram received on port 7 is
// sent back to its sender. Driven like the resolver: on_event() with the
// stack's socket events.
#include <cstdint>

#include "stack/base/result.hpp"
#include "stack/events.hpp"
#include "stack/net/udp_layer.hpp"

namespace tapstack::services {

inline constexpr std::uint16_t kEchoPort = 7;

struct UdpEchoCounters {
  std::uint64_t echoed = 0;
  std::uint64_t bytes = 0;
  std::uint64_t refused = 0;      // from a port that could loop (see UdpEcho)
  std::uint64_t send_errors = 0;

  template <typename F>
  void for_each(F&& f) const {
    f("echoed", echoed);
    f("bytes", bytes);
    f("refused", refused);
    f("send_errors", send_errors);
  }
};

/// Owns its socket while started; `udp` must outlive it.
class UdpEcho {
 public:
  explicit UdpEcho(net::UdpLayer& udp) : udp_(udp) {}
  ~UdpEcho();
  UdpEcho(const UdpEcho&) = delete;
  UdpEcho& operator=(const UdpEcho&) = delete;

  /// Binds 0.0.0.0:`port` (7 by default); InvalidState when already started.
  Result<void> start(std::uint16_t port = kEchoPort);
  /// Echoes everything queued on the service's socket; false for other sockets.
  bool on_event(const SocketEvent& event, Instant now);
  SocketId socket() const { return socket_; }
  const UdpEchoCounters& counters() const { return counters_; }

 private:
  net::UdpLayer& udp_;
  SocketId socket_;
  UdpEchoCounters counters_;
};

}  // namespace tapstack::services
