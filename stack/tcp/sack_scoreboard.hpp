#pragma once
// The sender's record of what the peer reported with SACK (RFC 2018, used as
// in RFC 6675): disjoint sequence ranges above SND.UNA known to have arrived.
// Loss recovery retransmits the holes between them instead of one segment per
// round trip, and go-back-N after a timeout skips what is already there.
#include <cstdint>
#include <optional>
#include <utility>
#include <vector>

#include "stack/tcp/seq_num.hpp"

namespace tapstack::tcp {

class SackScoreboard {
 public:
  /// Records [left, right) if it lies within [una, max); returns true when it
  /// covered bytes not already recorded. Blocks below SND.UNA (D-SACK) and
  /// blocks for data never sent are ignored.
  bool add(SeqNum left, SeqNum right, SeqNum una, SeqNum max);
  /// Forgets everything below `una` (it is cumulatively acknowledged).
  void advance(SeqNum una);
  /// RFC 2018 §8: after a retransmission timeout the SACK bits are cleared.
  void clear() { ranges_.clear(); }
  bool empty() const { return ranges_.empty(); }
  /// Bytes recorded above SND.UNA.
  std::uint32_t sacked_bytes() const;
  /// `seq`, or the end of the recorded range containing it.
  SeqNum skip_sacked(SeqNum seq) const;
  /// The first gap at or after `from` that has recorded data above it.
  std::optional<std::pair<SeqNum, SeqNum>> next_hole(SeqNum from) const;

 private:
  static constexpr std::size_t kMaxRanges = 64;
  std::vector<std::pair<SeqNum, SeqNum>> ranges_;  // sorted, disjoint, non-adjacent
};

}  // namespace tapstack::tcp
