#pragma once
// Renders TraceEvents for people (one aligned line per event, sequence
// numbers relative to ISS/IRS by default, as tcpdump/Wireshark show them) and
// for programs (one JSON object per event, relative and absolute numbers).
#include <string>

#include "stack/trace.hpp"

namespace tapstack {

struct TraceFormatOptions {
  bool absolute = false;  // raw sequence numbers instead of relative ones
};

/// One human line, without a trailing newline, e.g.
/// "    0.120345 #3    10.0.0.2:80 > 10.0.0.1:40000    seg-out  [S.] seq 0 ack 1 win 65535 ...".
std::string format_trace_line(const TraceEvent& event, const TraceFormatOptions& options = {});

/// One JSON object, without a trailing newline.
std::string format_trace_json(const TraceEvent& event);

/// Why a segment was sent, with its number where it has one ("RTO retransmit
/// #2", "zero-window probe #1"); empty for ordinary data. Used as a capture
/// comment for SegmentOut events.
std::string segment_reason(const TraceEvent& event);

/// tcpdump-style flags: "S", "S.", "P.", "F.", "R" (ACK is ".").
std::string tcpdump_flags(std::uint8_t flags);

}  // namespace tapstack
