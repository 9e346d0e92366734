#pragma once
// A bulk-transfer application for the simulator: sends a buffer, reads the
// peer's stream and checks every byte against what the peer sent, then
// half-closes and closes. It drives one TcpLayer, bare (SimNetwork) or
// inside a Stack (SimEthernet).
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <vector>

#include "stack/base/time.hpp"
#include "stack/tcp/tcp_layer.hpp"

namespace tapstack::sim {

/// Deterministic pseudo-random bytes (xorshift64*).
inline std::vector<std::uint8_t> make_payload(std::size_t n, std::uint64_t seed) {
  std::vector<std::uint8_t> v(n);
  std::uint64_t x = seed * 0x9e3779b97f4a7c15ull + 1;
  for (std::size_t i = 0; i < n; ++i) {
    if (i % 8 == 0) {
      x ^= x >> 12;
      x ^= x << 25;
      x ^= x >> 27;
    }
    v[i] = static_cast<std::uint8_t>((x * 0x2545f4914f6cdd1dull) >> (8 * (i % 8)));
  }
  return v;
}

/// FNV-1a, to summarise a stream in failure messages.
inline std::uint64_t fnv1a(const std::uint8_t* p, std::size_t n, std::uint64_t h = 0xcbf29ce484222325ull) {
  for (std::size_t i = 0; i < n; ++i) h = (h ^ p[i]) * 0x100000001b3ull;
  return h;
}

struct TransferEnd {
  tcp::TcpLayer* tcp = nullptr;
  SocketId id;
  const std::vector<std::uint8_t>* out = nullptr;       // what this end sends
  const std::vector<std::uint8_t>* expected = nullptr;  // what the peer sends
  std::size_t sent = 0;
  std::size_t received = 0;
  std::uint64_t hash = 0xcbf29ce484222325ull;
  std::size_t mismatches = 0;
  bool shut = false;
  bool eof = false;
  bool closed = false;
  Errc error = Errc::Ok;

  bool done() const { return closed || error != Errc::Ok; }

  void pump(Instant now) {
    if (!id || closed) return;
    while (sent < out->size()) {
      const std::size_t chunk = std::min<std::size_t>(out->size() - sent, 65536);
      auto r = tcp->send(id, Bytes(*out).subspan(sent, chunk), now);
      if (!r) {
        if (r.error() != Errc::WouldBlock) error = r.error();
        break;
      }
      sent += *r;
    }
    if (sent == out->size() && !shut && error == Errc::Ok) {
      shut = tcp->shutdown_send(id, now).ok();
    }
    std::uint8_t buf[16384];
    while (!eof) {
      auto r = tcp->recv(id, buf, now);
      if (!r) {
        if (r.error() != Errc::WouldBlock) error = r.error();
        break;
      }
      if (*r == 0) {
        eof = true;
        break;
      }
      const std::size_t n = *r;
      if (received + n > expected->size() ||
          std::memcmp(buf, expected->data() + received, n) != 0) {
        ++mismatches;
      }
      hash = fnv1a(buf, n, hash);
      received += n;
    }
    if (eof && shut && !closed) closed = tcp->close(id, now).ok();
  }
};

/// One step of a client and its server end: the server takes the connection
/// from `listener` once it is there, then both send and receive what they can.
inline void pump_pair(SocketId listener, TransferEnd& client, TransferEnd& server, Instant now) {
  if (!server.id) {
    if (auto c = server.tcp->accept(listener)) server.id = *c;
  }
  client.pump(now);
  server.pump(now);
}

}  // namespace tapstack::sim
