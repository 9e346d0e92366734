#include "stack/dns/resolver.hpp"

#include <algorithm>
#include <utility>

namespace tapstack::dns {
namespace {

Duration seconds(std::uint32_t s) { return std::chrono::seconds{s}; }

}  // namespace

Resolver::Resolver(net::UdpLayer& udp, tcp::TcpLayer& tcp, Rng& rng, ResolverSettings settings)
    : udp_(udp), tcp_(tcp), rng_(rng), settings_(std::move(settings)), cache_(settings_.cache_size) {
  std::map<std::string, std::vector<wire::Ipv4Address>> hosts;
  for (auto& [name, addresses] : settings_.hosts) hosts[normalize_name(name)] = addresses;
  settings_.hosts = std::move(hosts);
  settings_.attempts = std::max(settings_.attempts, 1u);
}

// A TCP retry still in flight keeps its connection in the TcpLayer, which its
// owner (the Stack) destroys right after the resolver.
Resolver::~Resolver() {
  for (Query& q : queries_) {
    if (q.socket) (void)udp_.close(q.socket);
  }
}

Result<QueryId> Resolver::resolve(std::string name, Instant now) {
  ++counters_.lookups;
  const QueryId id{next_id_++};
  if (complete_locally(name, id, now)) return id;
  if (queries_.size() >= settings_.max_queries) return Errc::NoBufferSpace;
  Query q;
  q.id = id;
  q.key = normalize_name(name);
  q.current = q.key;
  q.name = std::move(name);
  q.ttl = settings_.max_ttl;
  queries_.push_back(std::move(q));
  start_try(queries_.back(), now);
  std::erase_if(queries_, [](const Query& x) { return x.done; });
  return id;
}

bool Resolver::complete_locally(const std::string& name, QueryId id, Instant now) {
  ResolveResult r{id, name, DnsError::Ok, {}, {}, 0, AnswerSource::None, {}};
  if (const auto literal = wire::Ipv4Address::parse(name)) {
    r.addresses = {*literal};
    r.canonical_name = name;
    r.source = AnswerSource::Literal;
  } else if (const NameError e = check_host_name(name); e != NameError::Ok) {
    r.error = DnsError::InvalidName;
    r.detail = describe(e);
  } else if (const auto h = settings_.hosts.find(normalize_name(name));
             h != settings_.hosts.end()) {
    ++counters_.hosts_hits;
    r.addresses = h->second;
    r.canonical_name = h->first;
    r.source = AnswerSource::Hosts;
  } else if (auto c = cache_.get(normalize_name(name), now)) {
    ++counters_.cache_hits;
    r.error = c->error;
    r.addresses = std::move(c->addresses);
    r.canonical_name = std::move(c->canonical_name);
    r.ttl = seconds_left(c->expires, now);
    r.source = AnswerSource::Cache;
  } else if (settings_.servers.empty()) {
    r.error = DnsError::NoServers;
  } else {
    return false;
  }
  results_.push_back(std::move(r));
  return true;
}

const ServerAddress& Resolver::server_for(const Query& q) const {
  return settings_.servers[q.try_index % settings_.servers.size()];
}

void Resolver::close_sockets(Query& q, Instant now) {
  if (q.socket) (void)udp_.close(q.socket);
  q.socket = SocketId{};
  if (q.over_tcp) q.over_tcp->close(now);
  q.over_tcp.reset();
}

bool Resolver::send_query(Query& q, Instant now) {
  // Each attempt gets a fresh socket (a random ephemeral port) and a random
  // ID (RFC 5452 §9.2), so an off-path forger must guess both.
  close_sockets(q, now);
  const auto socket = udp_.open();
  if (!socket) return false;
  q.socket = *socket;
  const ServerAddress& server = server_for(q);
  // Connected: the UDP layer drops datagrams from anyone but the server, and
  // reports an ICMP port unreachable from it.
  if (!udp_.connect(q.socket, server.address, server.port)) return false;
  q.dns_id = static_cast<std::uint16_t>(rng_.next_u32());
  const auto packet = build_query(q.dns_id, q.current);
  if (!udp_.send(q.socket, packet)) return false;
  ++counters_.queries_sent;
  q.deadline = now + settings_.timeout;
  return true;
}

void Resolver::start_try(Query& q, Instant now) {
  const std::size_t tries = std::size_t{settings_.attempts} * settings_.servers.size();
  for (; q.try_index < tries; ++q.try_index) {
    if (send_query(q, now)) return;
    q.last_error = DnsError::NetworkError;
  }
  finish(q, q.last_error, now);  // the error of the last attempt
}

void Resolver::advance(Query& q, Instant now, DnsError why) {
  q.last_error = why;
  ++q.try_index;
  start_try(q, now);
}

void Resolver::finish(Query& q, DnsError error, Instant now,
                      std::vector<wire::Ipv4Address> addresses, std::string canonical) {
  ResolveResult r{q.id, q.name, error, std::move(addresses), std::move(canonical),
                  error == DnsError::Ok ? q.ttl : 0, AnswerSource::Server, {}};
  if (error == DnsError::Ok && r.canonical_name.empty()) r.canonical_name = q.current;
  results_.push_back(std::move(r));
  close_sockets(q, now);
  q.deadline = Instant::max();
  q.done = true;
}

bool Resolver::on_event(const SocketEvent& event, Instant now) {
  if (event.protocol == net::IpProtocol::Tcp) {
    const auto it = std::find_if(queries_.begin(), queries_.end(), [&](const Query& q) {
      return q.over_tcp && q.over_tcp->socket() == event.id;
    });
    if (it == queries_.end()) return false;
    handle_tcp_event(*it, event, now);
    std::erase_if(queries_, [](const Query& x) { return x.done; });
    return true;
  }
  const auto it = std::find_if(queries_.begin(), queries_.end(),
                               [&](const Query& q) { return q.socket == event.id; });
  if (it == queries_.end()) return false;
  Query& q = *it;
  const SocketId socket = q.socket;
  // Drain the socket; stop once the lookup has moved to another socket.
  while (!q.done && q.socket == socket) {
    auto d = udp_.recv_from(socket);
    if (d.error() == Errc::WouldBlock) break;
    if (!d) {
      advance(q, now, DnsError::Unreachable);  // ICMP error from the server
      break;
    }
    handle_datagram(q, *d, now);
  }
  std::erase_if(queries_, [](const Query& x) { return x.done; });
  return true;
}

void Resolver::handle_datagram(Query& q, const net::UdpDatagram& d, Instant now) {
  const ServerAddress& server = server_for(q);
  if (d.from != server.address || d.from_port != server.port) {
    ++counters_.wrong_source;  // the connected socket filters these already
    return;
  }
  if (d.data.size() < kHeaderLen || load_be16(d.data, 0) != q.dns_id) {
    ++counters_.wrong_id;
    return;
  }
  handle_response(q, d.data, now);
}

void Resolver::handle_tcp_event(Query& q, const SocketEvent& event, Instant now) {
  switch (q.over_tcp->on_event(event, now)) {
    case TcpExchange::Status::Pending: return;
    case TcpExchange::Status::Failed: return advance(q, now, DnsError::Truncated);
    case TcpExchange::Status::Done: break;
  }
  const Bytes data = q.over_tcp->response();
  if (data.size() < kHeaderLen || load_be16(data, 0) != q.dns_id) {
    ++counters_.wrong_id;
    return advance(q, now, DnsError::Malformed);  // one response per connection
  }
  handle_response(q, data, now);
}

void Resolver::handle_response(Query& q, Bytes data, Instant now) {
  Message m;
  if (const ParseError e = parse_message(data, m); e != ParseError::Ok) {
    // Our ID from our server: a broken server, so try the next one.
    ++counters_.malformed;
    advance(q, now, DnsError::Malformed);
    return;
  }
  const bool ours = m.header.response && m.header.opcode == 0 && m.questions.size() == 1 &&
                    normalize_name(m.questions[0].name) == q.current &&
                    m.questions[0].type == kTypeA && m.questions[0].klass == kClassIn;
  if (!ours) {
    ++counters_.wrong_question;  // RFC 5452 §9.1: the question must match
    return;
  }
  ++counters_.responses;
  // Over TCP the whole answer fits; TC there would be a broken server, and
  // what it sent is used as is.
  if (m.header.truncated && !q.over_tcp) return retry_over_tcp(q, now);
  switch (static_cast<Rcode>(m.header.rcode)) {
    case Rcode::NoError: return handle_answer(q, m, now);
    case Rcode::NameError:
      cache_negative(q, m, DnsError::NoSuchName, now);
      return finish(q, DnsError::NoSuchName, now);
    case Rcode::Refused: return advance(q, now, DnsError::Refused);
    default: return advance(q, now, DnsError::ServerFailure);
  }
}

// RFC 7766 §5: a truncated UDP answer is asked again over TCP, of the same
// server, with the same ID; the attempt's deadline starts over.
void Resolver::retry_over_tcp(Query& q, Instant now) {
  ++counters_.tcp_retries;
  if (q.socket) (void)udp_.close(q.socket);
  q.socket = SocketId{};
  const ServerAddress& server = server_for(q);
  q.over_tcp = std::make_unique<TcpExchange>(tcp_);
  const auto query = build_query(q.dns_id, q.current);
  if (!q.over_tcp->start(server.address, server.port, query, now)) {
    return advance(q, now, DnsError::Truncated);
  }
  q.deadline = now + settings_.timeout;
}

void Resolver::handle_answer(Query& q, const Message& m, Instant now) {
  // Follow the CNAME chain inside the answer (RFC 1034 §5.3.3), then collect
  // the A records of its end.
  std::string name = q.current;
  while (true) {
    std::vector<wire::Ipv4Address> addresses;
    for (const auto& a : m.addresses) {
      if (normalize_name(a.name) != name) continue;
      addresses.push_back(a.address);
      q.ttl = std::min(q.ttl, a.ttl);
    }
    if (!addresses.empty()) {
      cache_.put(q.key, {DnsError::Ok, addresses, name, now + seconds(q.ttl)}, now);
      return finish(q, DnsError::Ok, now, std::move(addresses), std::move(name));
    }
    const auto cname = std::find_if(m.cnames.begin(), m.cnames.end(), [&](const auto& c) {
      return normalize_name(c.name) == name;
    });
    if (cname == m.cnames.end()) break;
    if (++q.cname_hops > settings_.max_cname_hops) return finish(q, DnsError::TooManyCnames, now);
    q.ttl = std::min(q.ttl, cname->ttl);
    name = normalize_name(cname->target);
  }
  if (name == q.current) {
    cache_negative(q, m, DnsError::NoAddress, now);  // NODATA (RFC 2308 §2.2)
    return finish(q, DnsError::NoAddress, now);
  }
  // The chain ends at a name without its A record here: ask for it.
  if (check_host_name(name) != NameError::Ok) return finish(q, DnsError::Malformed, now);
  q.current = std::move(name);
  q.try_index = 0;
  q.last_error = DnsError::TimedOut;
  start_try(q, now);
}

void Resolver::cache_negative(const Query& q, const Message& m, DnsError error, Instant now) {
  // RFC 2308 §5: the negative TTL is the smaller of the SOA's TTL and its
  // MINIMUM field; without an SOA the answer is not cached.
  if (!m.soa) return;
  const std::uint32_t ttl =
      std::min({m.soa->ttl, m.soa->minimum, settings_.max_negative_ttl, q.ttl});
  cache_.put(q.key, {error, {}, {}, now + seconds(ttl)}, now);
}

void Resolver::poll(Instant now) {
  for (Query& q : queries_) {
    if (q.done || q.deadline > now) continue;
    ++counters_.timeouts;
    advance(q, now, DnsError::TimedOut);
  }
  std::erase_if(queries_, [](const Query& x) { return x.done; });
}

Instant Resolver::next_deadline() const {
  Instant next = Instant::max();
  for (const Query& q : queries_) next = std::min(next, q.deadline);
  return next;
}

std::vector<ResolveResult> Resolver::drain_results() { return std::exchange(results_, {}); }

}  // namespace tapstack::dns
