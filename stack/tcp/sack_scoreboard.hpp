#pragma once
// The sender's record of what the peer reported with SACK (RFC 2018, used as
// in RFC 6675): disjoint sequence ranges above SND.UNA known to have arrived.
// Loss recovery asks it where the holes are and how much is SACKed; which
// unSACKed bytes are lost is RACK's decision (rack.hpp).
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
  /// Forgets everything: the receiver reneged (RFC 2018 §8).
  void clear() { ranges_.clear(); }
  bool empty() const { return ranges_.empty(); }
  /// Bytes recorded above SND.UNA.
  std::uint32_t sacked_bytes() const;
  /// Whether all of [left, right) is recorded.
  bool contains(SeqNum left, SeqNum right) const;
  /// One past the highest recorded byte, if any.
  std::optional<SeqNum> highest() const;
  /// The first unrecorded span within [from, limit), if any.
  std::optional<std::pair<SeqNum, SeqNum>> next_gap(SeqNum from, SeqNum limit) const;

 private:
  static constexpr std::size_t kMaxRanges = 64;
  std::vector<std::pair<SeqNum, SeqNum>> ranges_;  // sorted, disjoint, non-adjacent
};

}  // namespace tapstack::tcp
