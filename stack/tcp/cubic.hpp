#pragma once
// CUBIC (RFC 9438): after a congestion event the window follows
// W_cubic(t) = C·(t−K)³ + W_max, concave up to the window at which loss last
// happened (W_max) and convex beyond it, so it returns to W_max quickly and
// then probes carefully; where Reno would be faster (short RTTs, small
// windows) it follows Reno's estimate W_est instead. Slow start uses
// HyStart++ (RFC 9406), as Linux does with CUBIC.
#include <cstdint>
#include <optional>

#include "stack/tcp/congestion.hpp"
#include "stack/tcp/hystart.hpp"

namespace tapstack::tcp {

class Cubic final : public CongestionControl {
 public:
  static constexpr double kC = 0.4;     // RFC 9438 §5.1, segments/s³
  static constexpr double kBeta = 0.7;  // β_cubic

  explicit Cubic(std::uint32_t mss) : CongestionControl(mss) {}
  CongestionAlgorithm algorithm() const override { return CongestionAlgorithm::Cubic; }

  /// W_cubic(t) in bytes, t seconds into the current epoch (eq. 1).
  double w_cubic(double t) const;
  /// The window at the last congestion event, in bytes (after fast convergence).
  double w_max() const { return w_max_; }
  /// Seconds from the epoch's start until W_cubic reaches W_max (eq. 2).
  double k() const { return k_; }
  HyStart::Phase hystart_phase() const { return hystart_.phase(); }

 private:
  void grow(const AckEvent& ack) override;
  void on_not_limited() override { epoch_start_.reset(); }
  void save(CongestionSnapshot& into) const override;
  void restore(const CongestionSnapshot& from) override;
  std::uint32_t reduce(std::uint32_t flight, Instant now, bool timeout) override;

  void grow_slow_start(const AckEvent& ack);
  /// §4.1: a congestion avoidance epoch begins at its first ACK.
  void start_epoch(Instant now);
  /// §4.3: Reno's window estimate, advanced for `acked` bytes.
  void advance_w_est(std::uint32_t acked);

  HyStart hystart_;
  double w_max_ = 0;       // bytes
  double k_ = 0;           // seconds
  double w_est_ = 0;       // bytes
  double cwnd_prior_ = 0;  // cwnd before the last reduction, bytes
  double credit_ = 0;      // fractional bytes of growth not yet added to cwnd
  std::optional<Instant> epoch_start_;
  bool after_timeout_ = false;  // §4.8: the first epoch after an RTO has K = 0
};

}  // namespace tapstack::tcp
