#include "stack/dns/error.hpp"

#include <cerrno>

namespace tapstack::dns {

const char* describe(DnsError e) {
  switch (e) {
    case DnsError::Ok: return "ok";
    case DnsError::InvalidName: return "invalid host name";
    case DnsError::NoSuchName: return "no such name (NXDOMAIN)";
    case DnsError::NoAddress: return "name has no IPv4 address";
    case DnsError::ServerFailure: return "DNS server failure";
    case DnsError::Refused: return "DNS server refused the query";
    case DnsError::TimedOut: return "DNS query timed out";
    case DnsError::Unreachable: return "DNS server unreachable";
    case DnsError::Malformed: return "malformed DNS response";
    case DnsError::Truncated: return "truncated answer, and the retry over TCP failed";
    case DnsError::TooManyCnames: return "CNAME chain too long";
    case DnsError::NoServers: return "no DNS server configured";
    case DnsError::NetworkError: return "could not send the DNS query";
  }
  return "unknown DNS error";
}

int to_errno(DnsError e) noexcept {
  switch (e) {
    case DnsError::Ok: return 0;
    case DnsError::InvalidName: return EINVAL;
    case DnsError::NoSuchName: return ENOENT;
    case DnsError::NoAddress: return ENODATA;
    case DnsError::ServerFailure: return EREMOTEIO;
    case DnsError::TimedOut: return ETIMEDOUT;
    case DnsError::Unreachable: return EHOSTUNREACH;
    case DnsError::Refused: return ECONNREFUSED;
    case DnsError::Malformed: return EBADMSG;
    case DnsError::Truncated: return EMSGSIZE;
    case DnsError::TooManyCnames: return ELOOP;
    case DnsError::NoServers: return EDESTADDRREQ;
    case DnsError::NetworkError: return ENETUNREACH;
  }
  return EIO;
}

}  // namespace tapstack::dns
