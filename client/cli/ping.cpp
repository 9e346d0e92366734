// ping and resolve through the stack.
#include <arpa/inet.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <thread>

#include "client/cli/cli.hpp"
#include "tapstack/tapstack.h"

namespace tapstack::cli {
namespace {

volatile std::sig_atomic_t interrupted = 0;

std::string dotted(unsigned host_order) {
  in_addr a{htonl(host_order)};
  char buf[INET_ADDRSTRLEN];
  return inet_ntop(AF_INET, &a, buf, sizeof buf);
}

/// The resolver's reasons (docs/rpc.md), in the words of the stack's resolver.
const char* dns_failure(int error) {
  switch (error) {
    case ENOENT: return "no such name (NXDOMAIN)";
    case ENODATA: return "name has no IPv4 address";
    case ETIMEDOUT: return "DNS query timed out";
    case EHOSTUNREACH: return "DNS server unreachable";
    case ECONNREFUSED: return "DNS server refused the query";
    case EREMOTEIO: return "DNS server failure";
    case EBADMSG: return "malformed DNS response";
    case EMSGSIZE: return "truncated answer, and the retry over TCP failed";
    case ELOOP: return "CNAME chain too long";
    case EINVAL: return "invalid host name";
    case EDESTADDRREQ: return "no DNS server configured (see [dns] servers)";
    default: return std::strerror(error);
  }
}

void print_dns_failure(const std::string& name) {
  std::fprintf(stderr, "tapstack: %s: %s\n", name.c_str(), dns_failure(errno));
}

/// iputils' line for a request ARP could not deliver; "From" is the stack.
void print_unreachable(unsigned seq, bool json) {
  static const std::string from = [] {
    std::string address = interface_field("address");
    return address.substr(0, address.find('/'));
  }();
  std::printf(json ? "{\"from\":\"%s\",\"icmp_seq\":%u,\"error\":\"Destination Host Unreachable\"}\n"
                   : "From %s icmp_seq=%u Destination Host Unreachable\n",
              from.c_str(), seq);
  std::fflush(stdout);
}

}  // namespace

bool lookup(const std::string& host, unsigned& address) {
  in_addr a{};
  if (inet_pton(AF_INET, host.c_str(), &a) == 1) {
    address = ntohl(a.s_addr);
    return true;
  }
  if (ts_resolve(host.c_str(), &a, 1) != 1) {
    if (errno == 0) errno = ENODATA;
    print_dns_failure("cannot resolve " + host);
    return false;
  }
  address = ntohl(a.s_addr);
  return true;
}

int cmd_resolve(const std::string& name, bool json) {
  in_addr addresses[32];
  const int n = ts_resolve(name.c_str(), addresses, 32);
  if (n < 0) {
    print_dns_failure(name);
    return kFailed;
  }
  if (json) std::printf("{\"name\":\"%s\",\"addresses\":[", name.c_str());
  for (int i = 0; i < n; ++i) {
    char buf[INET_ADDRSTRLEN];
    inet_ntop(AF_INET, &addresses[i], buf, sizeof buf);
    if (json) {
      std::printf("%s\"%s\"", i ? "," : "", buf);
    } else {
      std::printf("%s\t%s\n", name.c_str(), buf);
    }
  }
  if (json) std::printf("]}\n");
  return n > 0 ? kOk : kFailed;
}

int cmd_ping(const std::string& host, int count, double interval, int size, double timeout,
             bool json) {
  unsigned address = 0;
  if (!lookup(host, address)) return kFailed;
  std::signal(SIGINT, [](int) { interrupted = 1; });
  if (!json) std::printf("PING %s (%s) %d data bytes\n", host.c_str(), dotted(address).c_str(), size);
  int sent = 0;
  int received = 0;
  bool closed = false;  // the daemon went away
  double min = 1e18, max = 0, sum = 0, sum2 = 0;
  const auto start = std::chrono::steady_clock::now();
  for (std::uint16_t seq = 1; !interrupted && (count == 0 || sent < count); ++seq) {
    if (sent > 0) std::this_thread::sleep_for(std::chrono::duration<double>(interval));
    if (interrupted) break;
    ++sent;
    ts_ping_result r{};
    const auto timeout_ms = static_cast<std::uint32_t>(timeout * 1000);
    if (ts_ping(in_addr{htonl(address)}, seq, static_cast<std::uint16_t>(size), timeout_ms, &r) != 0) {
      if (errno == ETIMEDOUT) continue;  // like ping: silence, counted as loss
      if (errno == ENETDOWN) {           // libtapstack: the session ended; statistics first
        closed = true;
        break;
      }
      if (errno == EHOSTUNREACH) {  // ARP gave up on the next hop, as iputils says it
        print_unreachable(seq, json);
        continue;
      }
      print_error("ping " + dotted(address));
      if (errno != ENETUNREACH) return kFailed;
      continue;
    }
    ++received;
    const double ms = r.rtt_us / 1000.0;
    min = std::min(min, ms);
    max = std::max(max, ms);
    sum += ms;
    sum2 += ms * ms;
    std::printf(json ? "{\"bytes\":%u,\"from\":\"%s\",\"icmp_seq\":%u,\"ttl\":%u,\"time_ms\":%.3f}\n"
                     : "%u bytes from %s: icmp_seq=%u ttl=%u time=%.3f ms\n",
                r.size + 8u, dotted(ntohl(r.from.s_addr)).c_str(), r.sequence, r.ttl, ms);
    std::fflush(stdout);
  }
  const auto elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::steady_clock::now() - start);
  const int loss = sent ? (sent - received) * 100 / sent : 0;
  const double avg = received > 0 ? sum / received : 0;
  const double mdev = received > 0 ? std::sqrt(std::max(0.0, sum2 / received - avg * avg)) : 0;
  if (json) {
    std::printf("{\"host\":\"%s\",\"transmitted\":%d,\"received\":%d,\"loss_percent\":%d,"
                "\"time_ms\":%lld",
                dotted(address).c_str(), sent, received, loss, static_cast<long long>(elapsed.count()));
    if (received > 0) {
      std::printf(",\"rtt_ms\":{\"min\":%.3f,\"avg\":%.3f,\"max\":%.3f,\"mdev\":%.3f}", min, avg,
                  max, mdev);
    }
    std::printf("}\n");
    return received > 0 ? kOk : kFailed;
  }
  std::printf("\n--- %s ping statistics ---\n", host.c_str());
  std::printf("%d packets transmitted, %d received, %d%% packet loss, time %lldms\n", sent,
              received, loss, static_cast<long long>(elapsed.count()));
  if (received > 0) {
    std::printf("rtt min/avg/max/mdev = %.3f/%.3f/%.3f/%.3f ms\n", min, avg, max, mdev);
  }
  if (closed) return daemon_closed();
  return received > 0 ? kOk : kFailed;
}

}  // namespace tapstack::cli
