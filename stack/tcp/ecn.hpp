#pragma once
// One connection's ECN state (RFC 3168 §6.1). It sits beside the Sender and
// Receiver, as Timestamps does: the SYNs negotiate it, the Receiver's side
// echoes a CE mark with ECE on every ACK until a CWR arrives, the Sender's
// side answers ECE with one cwnd reduction per window and then CWR on the
// next new data segment. The SegmentWriter puts the flags and ECT(0) on the
// wire.
#include <cstdint>
#include <optional>

#include "stack/tcp/seq_num.hpp"
#include "stack/tcp/tcp_types.hpp"

namespace tapstack::tcp {

class Ecn {
 public:
  // --- negotiation (§6.1.1) ---
  /// Active open: our SYN asks for ECN in mode On.
  void offer(EcnMode mode) { offered_ = mode == EcnMode::On; }
  /// The ECE and CWR our SYN carries: none once a timeout resent it (§6.1.1.1).
  std::uint8_t syn_flags() const;
  /// Passive open: an ECN-setup SYN (ECE and CWR) asks for it; we agree
  /// unless the mode is Off. True when agreed.
  bool on_syn(EcnMode mode, bool ece, bool cwr);
  /// The ECE our SYN-ACK carries: only in answer to an ECN-setup SYN, and
  /// not once a timeout resent it.
  std::uint8_t synack_flags() const;
  /// Active open: an ECN-setup SYN-ACK (ECE without CWR) answered our
  /// offer. It counts even after our SYN fell back: the peer then marks its
  /// data ECT and needs our echo. True when agreed.
  bool on_synack(bool ece, bool cwr);
  /// The handshake's retransmission timer fired: the next SYN or SYN-ACK
  /// goes without ECN flags, in case a middlebox drops them. A passive side
  /// then sends no ECT, since the peer may never learn it agreed. True when
  /// this was a fallback from an ECN-setup segment.
  bool on_handshake_timeout(bool passive);

  /// We mark our data ECT(0) and answer ECE.
  bool sending() const { return send_; }
  /// We echo CE marks.
  bool echoing() const { return echo_; }

  // --- the receiving side (§6.1.3) ---
  /// A CWR ends the echo; a CE mark (after it, on the same segment) starts
  /// it again. True when the echo just started.
  bool on_segment(bool cwr, bool ce);
  /// ECE goes on this ACK.
  bool ece_pending() const { return echo_ && ece_; }

  // --- the sending side (§6.1.2) ---
  /// True when an ECE at SND.UNA `una` may reduce cwnd again: something
  /// above what was in flight at the last reduction (for ECE or loss) is
  /// acknowledged, so the CWR sent there has reached the receiver (Linux
  /// holds its CWR state the same way). An ACK of exactly that much was
  /// sent before the CWR arrived and still echoes the old mark.
  bool may_reduce(SeqNum una) const { return !reduced_until_ || seq_gt(una, *reduced_until_); }
  /// cwnd was reduced with everything below `snd_max` sent: no other
  /// reduction for ECE until that is acknowledged, and CWR goes next.
  void on_reduced(SeqNum snd_max);
  /// Whether the new data segment about to leave carries CWR (once per reduction).
  bool take_cwr();

  // --- for `tapstack sockets -i` ---
  std::uint64_t ce_received() const { return ce_received_; }
  std::uint64_t reductions() const { return reductions_; }
  std::uint64_t cwr_sent() const { return cwr_sent_; }
  void count_reduction() { ++reductions_; }

 private:
  std::optional<SeqNum> reduced_until_;
  std::uint64_t ce_received_ = 0, reductions_ = 0, cwr_sent_ = 0;
  bool offered_ = false;    // our SYN asked for it
  bool fell_back_ = false;  // the handshake timed out: no more ECN flags on SYNs
  bool send_ = false;
  bool echo_ = false;
  bool ece_ = false;        // a CE arrived and no CWR since
  bool cwr_pending_ = false;
};

}  // namespace tapstack::tcp
