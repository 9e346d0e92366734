#include "stack/tcp/sack_scoreboard.hpp"

#include <algorithm>

namespace tapstack::tcp {

bool SackScoreboard::add(SeqNum left, SeqNum right, SeqNum una, SeqNum max) {
  if (!seq_lt(left, right) || seq_lt(left, una) || seq_gt(right, max)) return false;
  // Merge with every range it touches; ranges stay sorted by their left edge.
  std::uint32_t covered_before = 0;
  auto it = ranges_.begin();
  while (it != ranges_.end() && seq_lt(it->second, left)) ++it;
  auto first = it;
  SeqNum lo = left, hi = right;
  while (it != ranges_.end() && seq_le(it->first, right)) {
    covered_before += seq_min(it->second, right).since(seq_max(it->first, left));
    lo = seq_min(lo, it->first);
    hi = seq_max(hi, it->second);
    ++it;
  }
  const bool fresh = covered_before < right.since(left);
  if (!fresh) return false;
  if (first == it && ranges_.size() >= kMaxRanges) return false;  // bounded
  it = ranges_.erase(first, it);
  ranges_.insert(it, {lo, hi});
  return true;
}

void SackScoreboard::advance(SeqNum una) {
  while (!ranges_.empty() && seq_le(ranges_.front().second, una)) ranges_.erase(ranges_.begin());
  if (!ranges_.empty() && seq_lt(ranges_.front().first, una)) ranges_.front().first = una;
}

std::uint32_t SackScoreboard::sacked_bytes() const {
  std::uint32_t n = 0;
  for (const auto& [l, r] : ranges_) n += r.since(l);
  return n;
}

SeqNum SackScoreboard::skip_sacked(SeqNum seq) const {
  for (const auto& [l, r] : ranges_) {
    if (seq_le(l, seq) && seq_lt(seq, r)) return r;
  }
  return seq;
}

std::optional<std::pair<SeqNum, SeqNum>> SackScoreboard::next_hole(SeqNum from) const {
  SeqNum start = from;
  for (const auto& [l, r] : ranges_) {
    if (seq_le(r, start)) continue;
    if (seq_le(l, start)) {
      start = r;  // inside a recorded range: the hole begins after it
      continue;
    }
    return std::make_pair(start, l);
  }
  return std::nullopt;
}

}  // namespace tapstack::tcp
