#pragma once
// Congestion control (RFC 5681) behind one interface, with NewReno (RFC 6582,
// here) and CUBIC (RFC 9438, cubic.hpp) as the algorithms. The Sender decides
// *when* (new ACK, duplicate ACK, loss, timeout); the controller decides cwnd
// and ssthresh. Fast recovery's window (RFC 6582 §3.2) is the same for both,
// so it lives in the base; an algorithm supplies growth and reduction.
#include <cstdint>
#include <memory>
#include <optional>

#include "stack/base/time.hpp"
#include "stack/tcp/seq_num.hpp"
#include "stack/tcp/tcp_types.hpp"

namespace tapstack::tcp {

/// What one new cumulative ACK tells the controller.
struct AckEvent {
  std::uint32_t acked = 0;   // bytes newly acknowledged
  std::uint32_t flight = 0;  // bytes still outstanding after it
  bool full = false;         // it covered the recovery point (meaningful in recovery)
  Instant now;
  SeqNum ack;      // SEG.ACK
  SeqNum snd_nxt;  // what is sent so far: a round that starts now ends when this is acked
  std::optional<Duration> rtt;  // an RTT sample this ACK gave, if any
  Duration srtt{0};             // smoothed RTT (RFC 6298), 0 before the first sample
};

/// The controller's state before a reduction, to take it back when the
/// reduction proves spurious (RFC 3522; RFC 9438 §4.9 for CUBIC's part).
struct CongestionSnapshot {
  std::uint32_t cwnd = 0, ssthresh = 0;
  // CUBIC's curve: W_max, K, W_est, cwnd_prior and the epoch's start.
  double w_max = 0, k = 0, w_est = 0, cwnd_prior = 0;
  std::optional<Instant> epoch_start;
};

class CongestionControl {
 public:
  virtual ~CongestionControl() = default;
  virtual CongestionAlgorithm algorithm() const = 0;

  /// Bytes the sender may have outstanding.
  std::uint32_t cwnd() const { return cwnd_; }
  std::uint32_t ssthresh() const { return ssthresh_; }
  /// True between fast retransmit and the ACK that covers `recover`.
  bool in_recovery() const { return in_recovery_; }
  /// The rule behind the last change of cwnd or ssthresh, for traces.
  const char* phase() const { return phase_; }

  /// A new cumulative ACK: deflation in recovery (RFC 6582 §3.2 steps 5-6),
  /// else growth while cwnd limits the sender (RFC 7661 §4.3).
  void on_ack(const AckEvent& ack);
  /// Loss detected: enter fast recovery (RFC 6582 §3.2 step 2).
  void on_enter_recovery(std::uint32_t flight, Instant now);
  /// A further duplicate ACK during recovery (RFC 6582 §3.2 step 3).
  void on_dup_ack();
  /// A loss already repaired (a tail loss probe, RFC 8985 §7.4): one
  /// reduction, cwnd = ssthresh, without entering recovery.
  void on_loss_repaired(std::uint32_t flight, Instant now);
  /// The retransmission timer expired: the loss window (RFC 5681 §3.1).
  void on_timeout(std::uint32_t flight, Instant now);
  /// The MSS changed (PMTU discovery).
  void set_mss(std::uint32_t mss);
  /// Continues from another controller's window (TCP_CONGESTION mid-connection).
  void take_window(const CongestionControl& from);
  /// What undo() needs; taken before a reduction.
  CongestionSnapshot snapshot() const;
  /// The reduction was for a spurious retransmission (RFC 3522): back to at
  /// least the window before it, and out of recovery (Linux undo_cwnd).
  void undo(const CongestionSnapshot& before);

 protected:
  explicit CongestionControl(std::uint32_t mss);

  /// Growth for an ACK outside recovery while cwnd limits the sender.
  virtual void grow(const AckEvent& ack) = 0;
  /// An ACK outside recovery that found cwnd not limiting.
  virtual void on_not_limited() {}
  /// The algorithm's own part of snapshot() and undo().
  virtual void save(CongestionSnapshot& /*into*/) const {}
  virtual void restore(const CongestionSnapshot& /*from*/) {}
  /// The new ssthresh for a loss (`timeout` false) or an RTO, noting what
  /// the algorithm keeps about it; sets phase_.
  virtual std::uint32_t reduce(std::uint32_t flight, Instant now, bool timeout) = 0;

  /// RFC 5681 §3.1 slow start with at most `limit` segments per ACK (RFC 3465 L).
  void slow_start(std::uint32_t acked, std::uint32_t limit, std::uint32_t divisor = 1);

  std::uint32_t mss_;
  std::uint32_t cwnd_;
  std::uint32_t ssthresh_ = 0x7fffffff;  // RFC 5681 §3.1: arbitrarily high at first
  const char* phase_ = "slow start";

 private:
  bool in_recovery_ = false;
};

/// RFC 6582 NewReno with the RFC 6928 initial window.
class NewReno final : public CongestionControl {
 public:
  explicit NewReno(std::uint32_t mss) : CongestionControl(mss) {}
  CongestionAlgorithm algorithm() const override { return CongestionAlgorithm::NewReno; }

 private:
  void grow(const AckEvent& ack) override;
  std::uint32_t reduce(std::uint32_t flight, Instant now, bool timeout) override;

  std::uint32_t ca_acked_ = 0;  // bytes acked toward the next +1 MSS in avoidance
};

/// A controller of `algorithm` for a connection whose send MSS is `mss`.
std::unique_ptr<CongestionControl> make_congestion_control(CongestionAlgorithm algorithm,
                                                           std::uint32_t mss);

}  // namespace tapstack::tcp
