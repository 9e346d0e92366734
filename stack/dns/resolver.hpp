#pragma once
// A stub resolver (RFC 1035 §7, RFC 1123 §6.1.3) that asks recursive servers
// over the stack's own UDP, and again over TCP when an answer comes back
// truncated (RFC 7766 §5). Sans-I/O: resolve() starts a lookup, on_event()
// and poll() move it along, drain_results() hands out finished lookups.
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "stack/base/result.hpp"
#include "stack/base/rng.hpp"
#include "stack/base/time.hpp"
#include "stack/dns/cache.hpp"
#include "stack/dns/error.hpp"
#include "stack/dns/message.hpp"
#include "stack/dns/tcp_exchange.hpp"
#include "stack/events.hpp"
#include "stack/net/udp_layer.hpp"

namespace tapstack::dns {

struct ServerAddress {
  wire::Ipv4Address address;
  std::uint16_t port = kDnsPort;
};

struct ResolverSettings {
  std::vector<ServerAddress> servers;
  Duration timeout = 2s;  // per attempt, as resolv.conf's timeout
  unsigned attempts = 2;  // rounds through the server list, as resolv.conf's attempts
  /// /etc/hosts-style entries, answered without a query.
  std::map<std::string, std::vector<wire::Ipv4Address>> hosts;
  std::size_t cache_size = 256;
  unsigned max_cname_hops = 8;
  std::size_t max_queries = 64;             // lookups in flight at once
  std::uint32_t max_ttl = 86400;            // cap on positive caching, seconds
  std::uint32_t max_negative_ttl = 10800;   // RFC 2308 §5: one to three hours
};

struct QueryId {
  std::uint32_t value = 0;
  friend constexpr bool operator==(QueryId, QueryId) = default;
};

/// Where an answer came from.
enum class AnswerSource : std::uint8_t { Literal, Hosts, Cache, Server, None };

struct ResolveResult {
  QueryId id;
  std::string name;  // as asked
  DnsError error = DnsError::Ok;
  std::vector<wire::Ipv4Address> addresses;
  std::string canonical_name;  // the end of the CNAME chain
  std::uint32_t ttl = 0;       // seconds the answer may be reused
  AnswerSource source = AnswerSource::None;
  std::string detail;  // why a name is invalid, or a parse error
};

struct ResolverCounters {
  std::uint64_t lookups = 0;
  std::uint64_t cache_hits = 0;
  std::uint64_t hosts_hits = 0;
  std::uint64_t queries_sent = 0;
  std::uint64_t timeouts = 0;
  std::uint64_t responses = 0;          // accepted responses
  std::uint64_t wrong_source = 0;       // not from the server asked
  std::uint64_t wrong_id = 0;
  std::uint64_t wrong_question = 0;     // not a response to our question
  std::uint64_t malformed = 0;
  std::uint64_t tcp_retries = 0;        // truncated over UDP, asked again over TCP

  template <typename F>
  void for_each(F&& f) const {
    f("lookups", lookups);
    f("cache_hits", cache_hits);
    f("hosts_hits", hosts_hits);
    f("queries_sent", queries_sent);
    f("timeouts", timeouts);
    f("responses", responses);
    f("wrong_source", wrong_source);
    f("wrong_id", wrong_id);
    f("wrong_question", wrong_question);
    f("malformed", malformed);
    f("tcp_retries", tcp_retries);
  }
};

/// Owns one UDP socket (or, after a truncated answer, one TCP connection) per
/// lookup in flight; `udp` and `tcp` must outlive it.
class Resolver {
 public:
  Resolver(net::UdpLayer& udp, tcp::TcpLayer& tcp, Rng& rng, ResolverSettings settings);
  ~Resolver();
  Resolver(const Resolver&) = delete;
  Resolver& operator=(const Resolver&) = delete;

  /// Starts a lookup of `name`'s IPv4 addresses. Literal addresses, invalid
  /// names, static hosts and cached answers complete at once (see
  /// drain_results). NoBufferSpace when max_queries are in flight.
  Result<QueryId> resolve(std::string name, Instant now);
  /// Handles a socket event; false when the socket is not one of ours.
  bool on_event(const SocketEvent& event, Instant now);
  /// Retries or fails lookups whose attempt timed out.
  void poll(Instant now);
  Instant next_deadline() const;
  /// Finished lookups since the last call, in completion order.
  std::vector<ResolveResult> drain_results();

  std::size_t in_flight() const { return queries_.size(); }
  const ResolverCounters& counters() const { return counters_; }
  void clear_cache() { cache_.clear(); }

 private:
  struct Query {
    QueryId id;
    std::string name;     // as asked
    std::string key;      // normalized name: the cache key
    std::string current;  // the name asked now (a CNAME target after a hop)
    unsigned cname_hops = 0;
    std::uint32_t ttl = 0;  // minimum TTL along the CNAME chain so far
    std::size_t try_index = 0;
    DnsError last_error = DnsError::TimedOut;
    SocketId socket;
    std::unique_ptr<TcpExchange> over_tcp;  // the retry after a truncated answer
    std::uint16_t dns_id = 0;
    Instant deadline = Instant::max();
    bool done = false;
  };

  bool complete_locally(const std::string& name, QueryId id, Instant now);
  void start_try(Query& q, Instant now);
  bool send_query(Query& q, Instant now);
  void advance(Query& q, Instant now, DnsError why);
  void handle_datagram(Query& q, const net::UdpDatagram& d, Instant now);
  void handle_tcp_event(Query& q, const SocketEvent& event, Instant now);
  void handle_response(Query& q, Bytes data, Instant now);
  void retry_over_tcp(Query& q, Instant now);
  void handle_answer(Query& q, const Message& m, Instant now);
  void finish(Query& q, DnsError error, Instant now, std::vector<wire::Ipv4Address> addresses = {},
              std::string canonical = {});
  void cache_negative(const Query& q, const Message& m, DnsError error, Instant now);
  const ServerAddress& server_for(const Query& q) const;
  void close_sockets(Query& q, Instant now);

  net::UdpLayer& udp_;
  tcp::TcpLayer& tcp_;
  Rng& rng_;
  ResolverSettings settings_;
  Cache cache_;
  std::vector<Query> queries_;
  std::vector<ResolveResult> results_;
  std::uint32_t next_id_ = 1;
  ResolverCounters counters_;
};

}  // namespace tapstack::dns
