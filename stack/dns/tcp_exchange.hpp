#pragma once
// One DNS query and its response over TCP: the retry after a UDP answer came
// back truncated (RFC 1035 §4.2.2, RFC 7766 §5). Each message is preceded by
// its length as two bytes (RFC 1035 §4.2.2, RFC 7766 §8). One query per
// connection; the resolver closes it once the response is in.
#include <cstdint>
#include <vector>

#include "stack/base/bytes.hpp"
#include "stack/base/result.hpp"
#include "stack/base/time.hpp"
#include "stack/events.hpp"
#include "stack/tcp/tcp_layer.hpp"
#include "stack/wire/address.hpp"

namespace tapstack::dns {

class TcpExchange {
 public:
  enum class Status : std::uint8_t { Pending, Done, Failed };

  explicit TcpExchange(tcp::TcpLayer& tcp) : tcp_(tcp) {}
  TcpExchange(const TcpExchange&) = delete;
  TcpExchange& operator=(const TcpExchange&) = delete;

  /// Opens a connection to the server; the query is sent once it is up.
  Result<void> start(wire::Ipv4Address server, std::uint16_t port, Bytes query, Instant now);
  /// Moves the exchange along on an event of socket(); Done once a whole
  /// response is in (see response()), Failed when the connection ended first.
  Status on_event(const SocketEvent& event, Instant now);
  /// Releases the connection (an abort if the response is not complete).
  void close(Instant now);

  SocketId socket() const { return socket_; }
  /// The response without its length prefix; valid once Done.
  Bytes response() const;

 private:
  Status send_pending(Instant now);
  Status receive(Instant now);

  tcp::TcpLayer& tcp_;
  SocketId socket_;
  std::vector<std::uint8_t> out_;  // length-prefixed query
  std::size_t sent_ = 0;
  std::vector<std::uint8_t> in_;   // what arrived so far, prefix included
  bool connected_ = false;
};

}  // namespace tapstack::dns
