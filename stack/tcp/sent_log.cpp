#include "stack/tcp/sent_log.hpp"

namespace tapstack::tcp {

void SentLog::on_send(SeqNum start, SeqNum end, Instant now) {
  if (!seq_lt(start, end)) return;
  // What the log already holds is a retransmission: back in flight, timed anew.
  if (!empty() && seq_lt(start, records_.back().end)) {
    std::size_t i = split_at(seq_max(start, begin()->start));
    const std::size_t stop = split_at(seq_min(end, records_.back().end));
    for (; i < stop; ++i) {
      SentRecord& r = records_[i];
      if (r.sacked) continue;
      count_out(r);
      r.sent = now;
      r.retransmitted = true;
      r.lost = false;
      count_in(r);
    }
    start = records_.back().end;
    if (!seq_lt(start, end)) return;
  }
  if (!empty() && records_.size() - head_ >= kMaxRecords) {
    // Bounded: new data joins the newest record (its time moves on with it).
    SentRecord& last = records_.back();
    count_out(last);
    last.end = end;
    last.sent = now;
    count_in(last);
    return;
  }
  records_.push_back(SentRecord{start, end, now});
  pipe_ += end.since(start);
}

void SentLog::unsack_all() {
  for (SentRecord& r : *this) {
    if (!r.sacked) continue;
    r.sacked = false;
    count_in(r);
  }
}

void SentLog::mark_lost(SentRecord& r) {
  if (r.sacked || r.lost) return;
  count_out(r);
  r.lost = true;
  const auto index = static_cast<std::size_t>(&r - records_.data());
  if (index < lost_hint_) lost_hint_ = index;
}

void SentLog::mark_all_lost() {
  for (SentRecord& r : *this) {
    if (r.sacked) continue;
    count_out(r);
    r.lost = true;
  }
  lost_hint_ = head_;
}

void SentLog::clear_lost() {
  for (SentRecord& r : *this) {
    if (!r.lost) continue;
    r.lost = false;
    count_in(r);
  }
}

const SentRecord* SentLog::first_lost() const {
  // The hint only moves forward over records that are not lost, so the scan
  // for the next hole starts where the last one ended.
  if (lost_hint_ < head_) lost_hint_ = head_;
  for (; lost_hint_ < records_.size(); ++lost_hint_) {
    const SentRecord& r = records_[lost_hint_];
    if (r.lost && !r.sacked) return &r;
  }
  return nullptr;
}

std::size_t SentLog::split_at(SeqNum seq) {
  // Binary search: the first record that ends after `seq`.
  std::size_t lo = head_, hi = records_.size();
  while (lo < hi) {
    const std::size_t mid = lo + (hi - lo) / 2;
    if (seq_le(records_[mid].end, seq)) {
      lo = mid + 1;
    } else {
      hi = mid;
    }
  }
  if (lo == records_.size() || !seq_lt(records_[lo].start, seq)) return lo;
  if (records_.size() - head_ >= kMaxRecords) return lo + 1;  // bounded: the record stays whole
  SentRecord tail = records_[lo];
  tail.start = seq;
  records_[lo].end = seq;
  records_.insert(records_.begin() + static_cast<std::ptrdiff_t>(lo + 1), tail);
  if (lost_hint_ > lo) ++lost_hint_;
  return lo + 1;
}

void SentLog::drop_front(std::size_t count) {
  head_ += count;
  if (head_ == records_.size()) {
    records_.clear();
    head_ = lost_hint_ = 0;
    return;
  }
  if (head_ >= 64 && head_ * 2 >= records_.size()) {
    records_.erase(records_.begin(), records_.begin() + static_cast<std::ptrdiff_t>(head_));
    lost_hint_ = lost_hint_ > head_ ? lost_hint_ - head_ : 0;
    head_ = 0;
  }
}

}  // namespace tapstack::tcp
