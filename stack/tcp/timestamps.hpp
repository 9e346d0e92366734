#pragma once
// RFC 7323 timestamps of one connection: the TSval clock (1 ms ticks from a
// per-connection offset, §5.4 and §7.1), whether both SYNs agreed (§3.2),
// TS.Recent and Last.ACK.sent (§4.3), PAWS (§5) and what an echoed
// timestamp measures (§4, and RFC 3522 for spurious retransmissions).
#include <cstdint>
#include <optional>

#include "stack/base/time.hpp"
#include "stack/tcp/segment.hpp"
#include "stack/tcp/seq_num.hpp"
#include "stack/wire/tcp.hpp"

namespace tapstack::tcp {

/// Bytes a TSopt takes in every segment once negotiated (NOP NOP + 10).
inline constexpr std::uint32_t kTimestampOptionBytes = 12;
/// RFC 7323 §5.5: after this long without an update TS.Recent may be a
/// whole sign-bit of clock behind, so PAWS no longer compares with it.
inline constexpr Duration kPawsIdleLimit = 24 * 24h;

class Timestamps {
 public:
  /// The TSval clock's start: a keyed hash of the 4-tuple (§7.1).
  void set_offset(std::uint32_t offset) { offset_ = offset; }
  /// Our SYN offers the option.
  void offer() { state_ = State::Offered; }
  /// The peer's SYN or SYN-ACK arrived: on only if we offer (`ours`) and it
  /// carried a TSopt; TS.Recent starts from it.
  void negotiate(bool ours, const Segment& syn, Instant now);
  bool enabled() const { return state_ == State::On; }
  /// Segments we send carry a TSopt: our SYN's offer, or negotiated.
  bool sending() const { return state_ != State::Off; }

  /// TSval now.
  std::uint32_t clock(Instant now) const;
  /// The option for an outgoing segment; TSecr only with ACK set (§3.2).
  wire::TcpTimestamps option(bool ack, Instant now) const;
  /// A segment with our ACK left; §4.3's Last.ACK.sent.
  void on_ack_sent(SeqNum ack) { last_ack_sent_ = ack; }

  /// §5.3 R1: an old duplicate, not a RST, with a TSval below TS.Recent
  /// while TS.Recent is still valid (§5.5).
  bool paws_rejects(const Segment& seg, Instant now) const;
  /// §4.3 (2): an acceptable segment at or below Last.ACK.sent sets
  /// TS.Recent if its TSval is not older (or TS.Recent has gone stale).
  void on_acceptable(const Segment& seg, Instant now);
  std::uint32_t recent() const { return recent_; }

  /// §4: the round trip the ACK's TSecr measures, if it echoes one of ours.
  std::optional<Duration> rtt(const Segment& seg, Instant now) const;
  /// RFC 3522 §2: the ACK echoes a TSval older than `tsval`.
  bool echo_before(const Segment& seg, std::uint32_t tsval) const;

 private:
  enum class State : std::uint8_t { Off, Offered, On };
  /// The ACK's TSecr, if the option was negotiated and it carries one.
  std::optional<std::uint32_t> echo(const Segment& seg) const;
  bool recent_valid(Instant now) const { return now - recent_at_ < kPawsIdleLimit; }

  State state_ = State::Off;
  std::uint32_t offset_ = 0;
  std::uint32_t recent_ = 0;  // TS.Recent
  Instant recent_at_{};       // when TS.Recent was last set
  SeqNum last_ack_sent_;      // Last.ACK.sent
};

}  // namespace tapstack::tcp
