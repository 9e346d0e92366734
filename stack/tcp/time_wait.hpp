#pragma once
// TIME-WAIT as a compact record (RFC 9293 §3.10.7.4, RFC 6191): once the
// user has let go of a connection in TIME-WAIT, all it still needs is what
// answers a retransmitted FIN and decides whether a new SYN may reuse the
// 4-tuple. The record replaces the TCB and its socket slot, so TIME-WAIT
// cannot fill the socket table; the table of records is capped, and at the
// cap the oldest is recycled, as Linux does past tcp_max_tw_buckets.
#include <cstdint>
#include <functional>
#include <iterator>
#include <list>
#include <optional>
#include <unordered_map>

#include "stack/base/time.hpp"
#include "stack/tcp/isn.hpp"
#include "stack/tcp/segment.hpp"
#include "stack/tcp/seq_num.hpp"

namespace tapstack::tcp {

struct TimeWaitRecord {
  FourTuple tuple;
  SeqNum snd_nxt;
  SeqNum rcv_nxt;
  std::uint32_t rcv_wnd = 0;   // bytes, for the acceptability test
  std::uint16_t wnd_field = 0; // the window we advertise, already scaled
  bool timestamps = false;     // RFC 7323 negotiated
  std::uint32_t ts_offset = 0; // our TSval clock's start
  std::uint32_t ts_recent = 0; // TS.Recent
  Instant expires{};
};

/// What a segment for a TIME-WAIT record calls for.
enum class TimeWaitAction : std::uint8_t {
  Drop,
  Ack,             // unacceptable or old: tell the peer where we are
  AckAndRestart,   // a retransmitted FIN: ACK it, restart 2·MSL (§3.10.7.4 eighth)
  Remove,          // a RST at RCV.NXT deletes it (no RFC 1337, as Linux)
  Reopen,          // RFC 6191: a SYN newer than the old incarnation starts a new one
};

/// `listening`: a listener would take a new connection on this 4-tuple.
TimeWaitAction time_wait_action(const TimeWaitRecord& r, const Segment& seg, bool listening);

/// Records by 4-tuple (hashed with the layer's key), in expiry order.
class TimeWaitTable {
 public:
  TimeWaitTable(std::size_t cap, KeyedTupleHash hash) : cap_(cap), index_(16, hash) {}

  /// Adds a record expiring after every other one. At the cap the oldest
  /// goes first; it is returned through `recycled`.
  void insert(const TimeWaitRecord& r, const std::function<void(const TimeWaitRecord&)>& recycled);
  TimeWaitRecord* find(const FourTuple& t);
  void erase(const FourTuple& t);
  /// A retransmitted FIN: the record now expires last.
  void restart(const FourTuple& t, Instant expires);
  Instant next_expiry() const { return order_.empty() ? Instant::max() : order_.front().expires; }
  /// Removes the oldest record if it expired by now; false when none did.
  bool expire_one(Instant now, TimeWaitRecord& out);
  std::size_t size() const { return order_.size(); }
  template <typename Fn>
  void for_each(Fn&& fn) const {
    for (const TimeWaitRecord& r : order_) fn(r);
  }

 private:
  std::size_t cap_;
  std::list<TimeWaitRecord> order_;  // expiry order: every record lasts the same 2·MSL
  std::unordered_map<FourTuple, std::list<TimeWaitRecord>::iterator, KeyedTupleHash> index_;
};

}  // namespace tapstack::tcp
