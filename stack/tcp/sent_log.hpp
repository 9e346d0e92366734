#pragma once
// What the sender has in flight, one record per transmission: its sequence
// span, when it last left, and whether it was retransmitted, presumed lost
// or SACKed. RACK (RFC 8985) needs the send time of every segment to
// decide loss by time; `pipe` (RFC 6675 §4) is kept as a running sum, so
// asking for it costs nothing per segment sent.
//
// Records split where a SACK block or a retransmission begins or ends, so a
// record is SACKed whole or not at all. A peer that SACKs odd bytes would
// split without end: past kMaxRecords nothing splits, and the log only
// errs on the side of "not SACKed".
#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "stack/base/time.hpp"
#include "stack/tcp/seq_num.hpp"

namespace tapstack::tcp {

struct SentRecord {
  SeqNum start, end;
  Instant sent;  // the last transmission
  bool retransmitted = false;
  bool lost = false;    // presumed lost and not yet sent again
  bool sacked = false;  // reported by the peer in a SACK block

  std::uint32_t length() const { return end.since(start); }
  /// Counted in `pipe`: neither delivered nor presumed lost.
  bool in_flight() const { return !sacked && !lost; }
};

class SentLog {
 public:
  /// Records beyond which nothing splits (a hostile peer's SACK pattern).
  static constexpr std::size_t kMaxRecords = 4096;

  /// [start, end) left at `now`: what lies beyond the log is new data;
  /// what it already holds was retransmitted.
  void on_send(SeqNum start, SeqNum end, Instant now);
  /// A cumulative ACK at `una`. Calls `delivered(record)` for each record
  /// it delivers that no SACK had; returns the bytes those carried.
  template <class F>
  std::uint32_t acknowledge(SeqNum una, F&& delivered);
  /// A SACK block: every record inside [left, right) is SACKed. Calls
  /// `delivered(record)` for each newly SACKed one; returns their bytes.
  template <class F>
  std::uint32_t sack(SeqNum left, SeqNum right, F&& delivered);
  /// The receiver reneged (RFC 2018 §8): nothing is SACKed any more.
  void unsack_all();
  /// RFC 8985 §6.2 / RFC 6675 IsLost: `r` left the network.
  void mark_lost(SentRecord& r);
  /// After an RTO: everything not SACKed is lost.
  void mark_all_lost();
  /// The RTO was spurious (RFC 3522): nothing is lost after all.
  void clear_lost();
  /// The first record due to be resent (lost, not SACKed).
  const SentRecord* first_lost() const;
  /// RFC 6675 §4 `pipe`, in bytes.
  std::uint32_t pipe() const { return pipe_; }
  bool empty() const { return head_ == records_.size(); }

  /// Records from the oldest sequence number on.
  SentRecord* begin() { return records_.data() + head_; }
  SentRecord* end() { return records_.data() + records_.size(); }
  const SentRecord* begin() const { return records_.data() + head_; }
  const SentRecord* end() const { return records_.data() + records_.size(); }

 private:
  /// Splits the record holding `seq` so that one starts there; returns the
  /// index of the first record at or after `seq`.
  std::size_t split_at(SeqNum seq);
  /// Drops acknowledged records from the front, compacting now and then.
  void drop_front(std::size_t count);
  void count_out(const SentRecord& r) {
    if (r.in_flight()) pipe_ -= r.length();
  }
  void count_in(const SentRecord& r) {
    if (r.in_flight()) pipe_ += r.length();
  }

  std::vector<SentRecord> records_;  // sorted, contiguous spans; [head_, size) live
  std::size_t head_ = 0;
  mutable std::size_t lost_hint_ = 0;  // no lost record lies before this index
  std::uint32_t pipe_ = 0;
};

template <class F>
std::uint32_t SentLog::acknowledge(SeqNum una, F&& delivered) {
  std::uint32_t bytes = 0;
  std::size_t done = 0;
  for (SentRecord* r = begin(); r != end() && seq_lt(r->start, una); ++r) {
    if (seq_le(r->end, una)) {
      if (!r->sacked) {
        bytes += r->length();
        delivered(*r);
      }
      count_out(*r);
      ++done;
      continue;
    }
    // Acknowledged in part: the rest stays, and nothing of it is delivered yet.
    const std::uint32_t part = una.since(r->start);
    if (!r->sacked) bytes += part;
    if (r->in_flight()) pipe_ -= part;
    r->start = una;
    break;
  }
  drop_front(done);
  return bytes;
}

template <class F>
std::uint32_t SentLog::sack(SeqNum left, SeqNum right, F&& delivered) {
  if (empty() || !seq_lt(left, right)) return 0;
  std::size_t i = split_at(seq_max(left, begin()->start));
  const std::size_t stop = split_at(right);
  std::uint32_t bytes = 0;
  for (; i < stop; ++i) {
    SentRecord& r = records_[i];
    if (r.sacked || seq_lt(r.start, left) || seq_gt(r.end, right)) continue;
    count_out(r);
    r.sacked = true;
    r.lost = false;
    bytes += r.length();
    delivered(r);
  }
  return bytes;
}

}  // namespace tapstack::tcp
