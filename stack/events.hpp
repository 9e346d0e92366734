#pragma once
// Socket events: queued while the stack processes input or timers and handed
// out afterwards (Stack::drain_events), so nothing re-enters the stack from
// inside a segment's processing.
#include <cstdint>
#include <utility>
#include <vector>

#include "stack/base/errc.hpp"
#include "stack/net/transport.hpp"

namespace tapstack {

/// A socket handle: slot plus generation, so a stale id never reaches a
/// reused slot. 0 is never a valid id.
struct SocketId {
  std::uint32_t value = 0;
  friend constexpr bool operator==(SocketId, SocketId) = default;
  constexpr explicit operator bool() const { return value != 0; }
};

enum class SocketEventKind : std::uint8_t {
  Readable,     // data, EOF or a datagram is waiting
  Writable,     // send buffer space opened up
  Connected,    // active open completed
  AcceptReady,  // a listening socket has a connection to accept
  Closed,       // the connection is gone; `error` says why (Ok for an orderly close)
};

struct SocketEvent {
  net::IpProtocol protocol = net::IpProtocol::Tcp;
  SocketId id;
  SocketEventKind kind = SocketEventKind::Readable;
  Errc error = Errc::Ok;
};

class EventQueue {
 public:
  void push(const SocketEvent& e) { events_.push_back(e); }
  std::vector<SocketEvent> drain() { return std::exchange(events_, {}); }
  bool empty() const { return events_.empty(); }

 private:
  std::vector<SocketEvent> events_;
};

}  // namespace tapstack
