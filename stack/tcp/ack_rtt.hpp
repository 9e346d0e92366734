#pragma once
// An RTT sample per ACK, for congestion control. The RFC 6298 estimator
// times one segment per round trip; HyStart++ (RFC 9406 §4.2) needs
// N_RTT_SAMPLE per round. This keeps the send times of recent new data and
// matches them against cumulative ACKs, as Linux's per-skb timestamps do.
// Karn (RFC 6298 §3): after a retransmission every time kept is ambiguous,
// so they are dropped.
#include <algorithm>
#include <array>
#include <cstddef>
#include <optional>
#include <utility>

#include "stack/base/time.hpp"
#include "stack/tcp/seq_num.hpp"

namespace tapstack::tcp {

class AckRttSampler {
 public:
  /// New data ending at `end` left now. When the ring is full the send is
  /// not timed: fewer samples, never wrong ones.
  void on_send(SeqNum end, Instant now) {
    if (count_ == ring_.size()) return;
    ring_[(head_ + count_++) % ring_.size()] = {end, now};
  }
  void on_retransmit() { count_ = 0; }
  /// The sample of the newest send that `ack` covers, if any.
  std::optional<Duration> on_ack(SeqNum ack, Instant now) {
    std::optional<Instant> sent;
    while (count_ > 0 && seq_le(ring_[head_].first, ack)) {
      sent = ring_[head_].second;
      head_ = (head_ + 1) % ring_.size();
      --count_;
    }
    if (!sent) return std::nullopt;
    const Duration rtt = now - *sent;
    min_ = min_ ? std::min(*min_, rtt) : rtt;
    return rtt;
  }
  /// The least sample so far (Linux's tcp_min_rtt, without the window).
  std::optional<Duration> min_rtt() const { return min_; }

 private:
  std::array<std::pair<SeqNum, Instant>, 16> ring_{};
  std::size_t head_ = 0;
  std::size_t count_ = 0;
  std::optional<Duration> min_;
};

}  // namespace tapstack::tcp
