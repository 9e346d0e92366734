// TIME-WAIT records: what a segment for one calls for, and their table.
#include "stack/tcp/time_wait.hpp"

namespace tapstack::tcp {
namespace {

bool ts_before(std::uint32_t a, std::uint32_t b) { return static_cast<std::int32_t>(a - b) < 0; }

/// RFC 9293 §3.10.7.4's acceptability test against the window we last advertised.
bool acceptable(const TimeWaitRecord& r, const Segment& seg) {
  const std::uint32_t len = seg.seq_len();
  const SeqNum end = r.rcv_nxt + r.rcv_wnd;
  const auto in_window = [&](SeqNum s) { return seq_le(r.rcv_nxt, s) && seq_lt(s, end); };
  if (r.rcv_wnd == 0) return len == 0 && seg.seq() == r.rcv_nxt;
  if (len == 0) return in_window(seg.seq());
  return in_window(seg.seq()) || in_window(seg.seq() + (len - 1));
}

/// RFC 6191 §2: with timestamps on both incarnations, a SYN whose TSval is
/// newer than TS.Recent; otherwise one whose ISN is above RCV.NXT.
std::optional<bool> syn_is_newer(const TimeWaitRecord& r, const Segment& syn) {
  const auto& ts = syn.header.options.timestamps;
  if (r.timestamps && ts) return ts_before(r.ts_recent, ts->value);
  if (seq_gt(syn.seq(), r.rcv_nxt)) return true;
  if (r.timestamps) return false;  // "silently drop the SYN"
  return std::nullopt;             // no timestamps before: RFC 5961 §4 applies
}

}  // namespace

TimeWaitAction time_wait_action(const TimeWaitRecord& r, const Segment& seg, bool listening) {
  if (seg.rst()) {
    if (seg.seq() == r.rcv_nxt) return TimeWaitAction::Remove;
    return acceptable(r, seg) ? TimeWaitAction::Ack : TimeWaitAction::Drop;  // RFC 5961 §3.2
  }
  if (seg.syn() && !seg.has_ack()) {
    const auto newer = syn_is_newer(r, seg);
    if (newer && *newer) return listening ? TimeWaitAction::Reopen : TimeWaitAction::Ack;
    return newer ? TimeWaitAction::Drop : TimeWaitAction::Ack;
  }
  const auto& ts = seg.header.options.timestamps;
  if (r.timestamps && ts && ts_before(ts->value, r.ts_recent)) return TimeWaitAction::Ack;  // PAWS
  if (seg.fin()) return TimeWaitAction::AckAndRestart;
  if (!acceptable(r, seg)) return TimeWaitAction::Ack;
  return TimeWaitAction::Drop;  // acceptable: text and ACKs are ignored in TIME-WAIT
}

void TimeWaitTable::insert(const TimeWaitRecord& r,
                           const std::function<void(const TimeWaitRecord&)>& recycled) {
  erase(r.tuple);
  if (cap_ == 0) return;
  if (order_.size() >= cap_) {
    const TimeWaitRecord oldest = order_.front();
    erase(oldest.tuple);
    recycled(oldest);
  }
  order_.push_back(r);
  index_[r.tuple] = std::prev(order_.end());
}

TimeWaitRecord* TimeWaitTable::find(const FourTuple& t) {
  auto it = index_.find(t);
  return it == index_.end() ? nullptr : &*it->second;
}

void TimeWaitTable::erase(const FourTuple& t) {
  auto it = index_.find(t);
  if (it == index_.end()) return;
  order_.erase(it->second);
  index_.erase(it);
}

void TimeWaitTable::restart(const FourTuple& t, Instant expires) {
  auto it = index_.find(t);
  if (it == index_.end()) return;
  it->second->expires = expires;
  order_.splice(order_.end(), order_, it->second);
}

bool TimeWaitTable::expire_one(Instant now, TimeWaitRecord& out) {
  if (order_.empty() || order_.front().expires > now) return false;
  out = order_.front();
  erase(out.tuple);
  return true;
}

}  // namespace tapstack::tcp
