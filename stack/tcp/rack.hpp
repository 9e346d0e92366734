#pragma once
// RACK (RFC 8985 §6): loss detected by time. A segment is lost when a
// segment sent after it has been delivered and more than RACK.rtt plus a
// reordering window has passed since it was sent — for original
// transmissions and retransmissions alike, with no duplicate-ACK count. The
// reordering window starts at zero (fast recovery as prompt as three
// duplicate ACKs) and widens to min_RTT/4 once reordering is seen, by a
// step per D-SACK round.
#include <cstdint>
#include <optional>

#include "stack/base/time.hpp"
#include "stack/tcp/sent_log.hpp"
#include "stack/tcp/seq_num.hpp"

namespace tapstack::tcp {

class Rack {
 public:
  /// §6.2 steps 2-3 for one record an ACK delivered (cumulatively or by
  /// SACK). `echoes_original`: the ACK's TSecr predates the record's
  /// retransmission, so the original is what arrived.
  void on_delivered(const SentRecord& r, Instant now, bool echoes_original);
  /// After the ACK's deliveries: RACK.rtt and RACK.xmit_ts from the most
  /// recently sent of them.
  void end_ack(Instant now);
  /// §6.2 step 4: a D-SACK arrived (once per ACK). Widens the window once
  /// per round trip; returns whether it did.
  bool on_dsack(SeqNum snd_nxt, SeqNum snd_una);
  /// §6.2 step 4: loss recovery ended; the widening wears off after 16.
  void on_recovery_end();
  /// §6.2 step 4 RACK.reo_wnd.
  Duration reo_wnd(bool in_recovery, std::uint32_t sacked_segments, Duration srtt) const;
  /// §6.2 step 5: marks lost each record sent before the newest delivered
  /// one whose time is up; returns when the next of them will be due.
  std::optional<Instant> detect_loss(SentLog& log, Instant now, Duration reo_wnd);

  std::uint32_t reo_wnd_mult() const { return reo_wnd_mult_; }

 private:
  /// RFC 8985 RACK_sent_after: (t1, seq1) sent after (t2, seq2).
  static bool sent_after(Instant t1, SeqNum seq1, Instant t2, SeqNum seq2) {
    return t1 > t2 || (t1 == t2 && seq_gt(seq1, seq2));
  }

  std::optional<SentRecord> newest_;  // this ACK's most recently sent delivery
  bool have_xmit_ = false;
  Instant xmit_ts_;
  SeqNum end_seq_;
  Duration rtt_{0};
  std::optional<Duration> min_rtt_;
  SeqNum fack_;  // highest end delivered
  bool have_fack_ = false;
  bool reordering_seen_ = false;
  std::uint32_t reo_wnd_mult_ = 1;
  std::int32_t reo_wnd_persist_ = 0;
  std::optional<SeqNum> dsack_round_;
};

}  // namespace tapstack::tcp
