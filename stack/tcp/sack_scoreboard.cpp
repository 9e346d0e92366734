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

bool SackScoreboard::contains(SeqNum left, SeqNum right) const {
  for (const auto& [l, r] : ranges_) {
    if (seq_le(l, left) && seq_le(right, r)) return true;
  }
  return false;
}

std::optional<SeqNum> SackScoreboard::highest() const {
  if (ranges_.empty()) return std::nullopt;
  return ranges_.back().second;
}

std::optional<std::pair<SeqNum, SeqNum>> SackScoreboard::next_gap(SeqNum from,
                                                                 SeqNum limit) const {
  SeqNum start = from;
  for (const auto& [l, r] : ranges_) {
    if (seq_le(r, start)) continue;
    if (seq_le(l, start)) {
      start = r;  // inside a recorded range: the gap begins after it
      continue;
    }
    if (seq_lt(start, limit)) return std::make_pair(start, seq_min(l, limit));
    return std::nullopt;
  }
  if (seq_lt(start, limit)) return std::make_pair(start, limit);
  return std::nullopt;
}

}  // namespace tapstack::tcp
