#pragma once
// How a name resolution ended.
#include <cstdint>

namespace tapstack::dns {

enum class DnsError : std::uint8_t {
  Ok,
  InvalidName,    // rejected before any query (see ResolveResult::detail)
  NoSuchName,     // NXDOMAIN (RCODE 3)
  NoAddress,      // the name exists but has no A record (NODATA)
  ServerFailure,  // SERVFAIL, FORMERR, NOTIMP or an unknown RCODE
  Refused,        // RCODE 5
  TimedOut,       // no answer after every attempt at every server
  Unreachable,    // the server's port or host is unreachable (ICMP)
  Malformed,      // the response could not be parsed
  Truncated,      // TC set over UDP, and the retry over TCP failed
  TooManyCnames,  // CNAME chain longer than the configured limit
  NoServers,      // no server configured and no static or cached answer
  NetworkError,   // the query could not be sent (no port, no route)
};

/// Human text for a result ("no such name", ...).
const char* describe(DnsError e);

/// One errno per DnsError, so clients can tell them apart (docs/rpc.md).
int to_errno(DnsError e) noexcept;

}  // namespace tapstack::dns
