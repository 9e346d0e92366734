#pragma once
// What every TCB shares with its layer: the IPv4 output, the event queue,
// the trace sink, settings, counters and the challenge-ACK budget.
#include <cstdint>

#include "stack/base/time.hpp"
#include "stack/events.hpp"
#include "stack/net/transport.hpp"
#include "stack/tcp/tcp_types.hpp"
#include "stack/trace.hpp"

namespace tapstack::tcp {

/// RFC 5961 §10 / Linux tcp_challenge_ack_limit: a global budget of challenge
/// ACKs per second, so they cannot be used to flood or to probe.
class ChallengeAckLimiter {
 public:
  explicit ChallengeAckLimiter(std::uint32_t per_second) : limit_(per_second) {}
  bool allow(Instant now);

 private:
  std::uint32_t limit_;
  std::uint32_t used_ = 0;
  Instant window_start_{};
};

/// Every segment goes out with DF set: RFC 1191 path MTU discovery, as Linux
/// does for TCP. A too-small path then answers with ICMP "fragmentation
/// needed", which shrinks the MSS (Tcb::on_icmp_error).
inline constexpr net::Ipv4SendOptions kSegmentOptions{.dont_fragment = true};

/// What a TCB needs from its layer.
struct TcbEnv {
  net::Ipv4Output& ip;
  EventQueue& events;
  TraceSink* trace;
  const TcpSettings& settings;
  TcpCounters& counters;
  ChallengeAckLimiter& challenge_acks;
};

}  // namespace tapstack::tcp
