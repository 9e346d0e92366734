#pragma once
// Proportional Rate Reduction (RFC 6937): how much may be sent on each ACK
// during fast recovery. Instead of halting until half the window drains
// and then bursting (RFC 6675 sets cwnd = ssthresh at once), PRR sends in
// proportion to what is delivered, so the flight shrinks smoothly to
// ssthresh; when losses took the flight below ssthresh, the slow-start
// reduction bound (PRR-SSRB) lets it grow back by at most one segment more
// than is delivered per ACK.
#include <cstdint>

namespace tapstack::tcp {

class Prr {
 public:
  /// Recovery begins with `flight` bytes outstanding (RecoverFS).
  void start(std::uint32_t flight);
  /// An ACK in recovery delivered `delivered` bytes (DeliveredData); sets
  /// what may be sent now (sndcnt).
  void on_ack(std::uint32_t delivered, std::uint32_t pipe, std::uint32_t ssthresh,
              std::uint32_t mss);
  /// Data (new or retransmitted) went out during recovery.
  void on_sent(std::uint32_t bytes);
  /// Bytes that may go out before the next ACK.
  std::uint32_t allowance() const { return allowance_; }

 private:
  std::uint64_t recover_fs_ = 0;
  std::uint64_t delivered_ = 0;  // prr_delivered
  std::uint64_t out_ = 0;        // prr_out
  std::uint32_t allowance_ = 0;
};

}  // namespace tapstack::tcp
