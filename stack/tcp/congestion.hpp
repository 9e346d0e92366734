#pragma once
// Congestion control behind an interface (RFC 5681), with NewReno (RFC 6582)
// as the implementation. The TCB decides *when* (new ACK, duplicate ACK,
// timeout); the controller decides cwnd and ssthresh.
#include <cstdint>
#include <memory>

namespace tapstack::tcp {

class CongestionControl {
 public:
  virtual ~CongestionControl() = default;
  /// Bytes the sender may have outstanding.
  virtual std::uint32_t cwnd() const = 0;
  virtual std::uint32_t ssthresh() const = 0;
  /// True between fast retransmit and the ACK that covers `recover`.
  virtual bool in_recovery() const = 0;
  /// A new cumulative ACK of `acked` bytes, `flight` still outstanding after
  /// it. `full` tells whether it covered
  /// the recovery point (only meaningful in recovery).
  virtual void on_ack(std::uint32_t acked, std::uint32_t flight, bool full) = 0;
  /// The third duplicate ACK: enter fast recovery (RFC 6582 §3.2 step 2).
  virtual void on_enter_recovery(std::uint32_t flight) = 0;
  /// A further duplicate ACK during recovery (RFC 6582 §3.2 step 3).
  virtual void on_dup_ack() = 0;
  /// The retransmission timer expired (RFC 5681 §3.1 eq. 4, loss window).
  virtual void on_timeout(std::uint32_t flight) = 0;
  /// The MSS changed (PMTU discovery).
  virtual void set_mss(std::uint32_t mss) = 0;
  /// The reduction was for a spurious retransmission (RFC 3522): back to at
  /// least the window before it, and out of recovery (Linux undo_cwnd).
  virtual void undo(std::uint32_t prior_cwnd, std::uint32_t prior_ssthresh) = 0;
};

/// RFC 6582 NewReno with the RFC 6928 initial window.
class NewReno final : public CongestionControl {
 public:
  explicit NewReno(std::uint32_t mss);

  std::uint32_t cwnd() const override { return cwnd_; }
  std::uint32_t ssthresh() const override { return ssthresh_; }
  bool in_recovery() const override { return in_recovery_; }
  void on_ack(std::uint32_t acked, std::uint32_t flight, bool full) override;
  void on_enter_recovery(std::uint32_t flight) override;
  void on_dup_ack() override;
  void on_timeout(std::uint32_t flight) override;
  void set_mss(std::uint32_t mss) override;
  void undo(std::uint32_t prior_cwnd, std::uint32_t prior_ssthresh) override;

 private:
  std::uint32_t mss_;
  std::uint32_t cwnd_;
  std::uint32_t ssthresh_ = 0x7fffffff;  // RFC 5681 §3.1: arbitrarily high at first
  std::uint32_t ca_acked_ = 0;           // bytes acked toward the next +1 MSS in avoidance
  bool in_recovery_ = false;
};

}  // namespace tapstack::tcp
