#include "stack/dns/resolver.hpp"
#include "stack/tcp/tcp_layer.hpp"

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

#include "unit/dns/dns_test_util.hpp"
#include "unit/udp/fake_ipv4.hpp"

namespace tapstack::dns {
namespace {

using Buffer = std::vector<std::uint8_t>;
using tapstack::testing::FakeIpv4;
using tapstack::testing::kOurAddress;
using tapstack::testing::packet_info;
using testing::ResponseBuilder;

constexpr wire::Ipv4Address kServer1{10, 0, 0, 53};
constexpr wire::Ipv4Address kServer2{10, 0, 0, 54};
constexpr wire::Ipv4Address kAddress{93, 184, 216, 34};

/// A query the resolver sent, as the server sees it.
struct SentQuery {
  std::uint16_t src_port = 0;
  wire::Ipv4Address server;
  std::uint16_t server_port = 0;
  Message message;
  std::uint16_t id() const { return message.header.id; }
  std::string name() const { return message.questions.at(0).name; }
};

class ResolverTest : public ::testing::Test {
 protected:
  ResolverTest() { settings.servers = {{kServer1, 53}, {kServer2, 53}}; }

  Resolver& resolver() {
    if (!resolver_) resolver_.emplace(udp, tcp, rng, settings);
    return *resolver_;
  }
  QueryId resolve(const std::string& name) {
    const auto id = resolver().resolve(name, now);
    EXPECT_TRUE(id.ok());
    return *id;
  }
  SentQuery sent(std::size_t index) const {
    const auto& out = ip.sent.at(index);
    const auto udp_parsed = wire::parse_udp(out.payload, out.src, out.dst);
    EXPECT_EQ(udp_parsed.status, wire::UdpParseStatus::Ok);
    SentQuery q;
    q.src_port = udp_parsed.repr.src_port;
    q.server = out.dst;
    q.server_port = udp_parsed.repr.dst_port;
    EXPECT_EQ(parse_message(udp_parsed.repr.payload, q.message), ParseError::Ok);
    return q;
  }
  SentQuery last() const { return sent(ip.sent.size() - 1); }
  /// Injects `payload` as a datagram to the query's port, then hands the
  /// resulting socket events to the resolver.
  net::TransportProtocol::Delivery reply(const SentQuery& q, const Buffer& payload,
                                         std::optional<wire::Ipv4Address> from = {},
                                         std::uint16_t from_port = 53) {
    const auto src = from.value_or(q.server);
    const auto datagram = wire::build_udp(src, kOurAddress, from_port, q.src_port, payload);
    const auto delivery = udp.on_ipv4_packet(packet_info(src, kOurAddress), datagram, now);
    deliver();
    return delivery;
  }
  void deliver() {
    for (const auto& e : events.drain()) EXPECT_TRUE(resolver().on_event(e, now));
  }
  ResolveResult only_result() {
    auto results = resolver().drain_results();
    EXPECT_EQ(results.size(), 1u);
    return results.empty() ? ResolveResult{} : results[0];
  }
  void advance_to(Instant t) {
    now = t;
    resolver().poll(now);
  }

  FakeIpv4 ip;
  SeededRng rng{7};
  EventQueue events;
  net::UdpLayer udp{ip, rng, events, net::UdpSettings{}};
  tcp::TcpLayer tcp{ip, rng, events, tcp::TcpSettings{}};
  ResolverSettings settings;
  Instant now{std::chrono::seconds{1000}};

 private:
  std::optional<Resolver> resolver_;
};

TEST_F(ResolverTest, ResolvesAnARecord) {
  const QueryId id = resolve("Example.COM");
  ASSERT_EQ(ip.sent.size(), 1u);
  const auto q = last();
  EXPECT_EQ(q.server, kServer1);
  EXPECT_EQ(q.server_port, 53);
  EXPECT_TRUE(q.message.header.recursion_desired);
  EXPECT_EQ(q.name(), "example.com");
  EXPECT_EQ(resolver().next_deadline(), now + 2s);
  reply(q, ResponseBuilder(q.id(), "example.com").a("example.com", kAddress, 300).build());
  const auto r = only_result();
  EXPECT_EQ(r.id, id);
  EXPECT_EQ(r.name, "Example.COM");
  EXPECT_EQ(r.error, DnsError::Ok);
  EXPECT_EQ(r.addresses, std::vector<wire::Ipv4Address>{kAddress});
  EXPECT_EQ(r.canonical_name, "example.com");
  EXPECT_EQ(r.ttl, 300u);
  EXPECT_EQ(r.source, AnswerSource::Server);
  EXPECT_TRUE(udp.list().empty());  // the query's socket is closed
  EXPECT_EQ(resolver().next_deadline(), Instant::max());
}

TEST_F(ResolverTest, EachQueryHasItsOwnRandomPortAndId) {
  resolve("a.example");
  resolve("b.example");
  resolve("c.example");
  const auto a = sent(0), b = sent(1), c = sent(2);
  EXPECT_NE(a.src_port, b.src_port);
  EXPECT_NE(b.src_port, c.src_port);
  EXPECT_FALSE(a.id() == b.id() && b.id() == c.id());
  EXPECT_EQ(udp.list().size(), 3u);
  EXPECT_EQ(resolver().in_flight(), 3u);
}

TEST_F(ResolverTest, IgnoresWrongIdWrongQuestionAndWrongServer) {
  resolve("example.com");
  const auto q = last();
  const auto good = ResponseBuilder(q.id(), "example.com").a("example.com", kAddress, 60).build();
  reply(q, ResponseBuilder(static_cast<std::uint16_t>(q.id() + 1), "example.com")
               .a("example.com", wire::Ipv4Address{6, 6, 6, 6}, 60)
               .build());
  reply(q, ResponseBuilder(q.id(), "evil.com").a("evil.com", wire::Ipv4Address{6, 6, 6, 6}, 60)
               .build());
  reply(q, ResponseBuilder(q.id(), "example.com").question_type(28).build());
  // From another host, or from the right host but another port: the connected
  // socket refuses them (and the IPv4 layer answers port unreachable).
  EXPECT_EQ(reply(q, good, kServer2), net::TransportProtocol::Delivery::NoListener);
  EXPECT_EQ(reply(q, good, kServer1, 5353), net::TransportProtocol::Delivery::NoListener);
  EXPECT_TRUE(resolver().drain_results().empty());
  EXPECT_EQ(resolver().counters().wrong_id, 1u);
  EXPECT_EQ(resolver().counters().wrong_question, 2u);
  reply(q, good);
  EXPECT_EQ(only_result().addresses, std::vector<wire::Ipv4Address>{kAddress});
}

TEST_F(ResolverTest, FollowsCnameChainInOneAnswer) {
  resolve("www.example.com");
  const auto q = last();
  reply(q, ResponseBuilder(q.id(), "www.example.com")
               .cname("www.example.com", "web.example.net", 600)
               .cname("web.example.net", "edge.cdn.example", 120)
               .a("edge.cdn.example", kAddress, 300)
               .build());
  const auto r = only_result();
  EXPECT_EQ(r.error, DnsError::Ok);
  EXPECT_EQ(r.canonical_name, "edge.cdn.example");
  EXPECT_EQ(r.ttl, 120u);  // the smallest along the chain
  EXPECT_EQ(ip.sent.size(), 1u);
}

TEST_F(ResolverTest, QueriesTheCnameTargetWhenItsAddressIsMissing) {
  resolve("www.example.com");
  const auto first = last();
  reply(first, ResponseBuilder(first.id(), "www.example.com")
                   .cname("www.example.com", "Target.Example.NET", 100)
                   .build());
  EXPECT_TRUE(resolver().drain_results().empty());
  ASSERT_EQ(ip.sent.size(), 2u);
  const auto second = last();
  EXPECT_EQ(second.name(), "target.example.net");
  EXPECT_NE(second.src_port, first.src_port);
  reply(second, ResponseBuilder(second.id(), "target.example.net")
                    .a("target.example.net", kAddress, 500)
                    .build());
  const auto r = only_result();
  EXPECT_EQ(r.error, DnsError::Ok);
  EXPECT_EQ(r.name, "www.example.com");
  EXPECT_EQ(r.canonical_name, "target.example.net");
  EXPECT_EQ(r.ttl, 100u);
}

TEST_F(ResolverTest, CnameLoopsAreBounded) {
  settings.max_cname_hops = 3;
  resolve("a.example");
  const auto q = last();
  reply(q, ResponseBuilder(q.id(), "a.example")
               .cname("a.example", "b.example", 60)
               .cname("b.example", "a.example", 60)
               .build());
  EXPECT_EQ(only_result().error, DnsError::TooManyCnames);
}

TEST_F(ResolverTest, CnameHopsCountAcrossQueries) {
  settings.max_cname_hops = 2;
  resolve("a.example");
  for (const char* target : {"b.example", "c.example"}) {
    const auto q = last();
    reply(q, ResponseBuilder(q.id(), q.name()).cname(q.name(), target, 60).build());
  }
  const auto q = last();
  reply(q, ResponseBuilder(q.id(), q.name()).cname(q.name(), "d.example", 60).build());
  EXPECT_EQ(only_result().error, DnsError::TooManyCnames);
  EXPECT_EQ(ip.sent.size(), 3u);
}

TEST_F(ResolverTest, NxdomainIsCachedForTheSoaMinimum) {
  resolve("nosuch.example.com");
  auto q = last();
  reply(q, ResponseBuilder(q.id(), "nosuch.example.com", 0x8183).soa("example.com", 900, 60)
               .build());
  EXPECT_EQ(only_result().error, DnsError::NoSuchName);
  now += 59s;
  resolve("NOSUCH.example.com.");
  auto r = only_result();
  EXPECT_EQ(r.error, DnsError::NoSuchName);
  EXPECT_EQ(r.source, AnswerSource::Cache);
  EXPECT_EQ(ip.sent.size(), 1u);
  now += 1s;  // min(SOA TTL 900, MINIMUM 60) has passed
  resolve("nosuch.example.com");
  EXPECT_EQ(ip.sent.size(), 2u);
}

TEST_F(ResolverTest, NxdomainWithoutSoaIsNotCached) {
  resolve("nosuch.example");
  auto q = last();
  reply(q, ResponseBuilder(q.id(), "nosuch.example", 0x8183).build());
  EXPECT_EQ(only_result().error, DnsError::NoSuchName);
  resolve("nosuch.example");
  EXPECT_EQ(ip.sent.size(), 2u);
}

TEST_F(ResolverTest, NoDataIsNoAddressAndCached) {
  resolve("v6only.example");
  auto q = last();
  reply(q, ResponseBuilder(q.id(), "v6only.example").soa("example", 300, 120).build());
  EXPECT_EQ(only_result().error, DnsError::NoAddress);
  resolve("v6only.example");
  EXPECT_EQ(only_result().source, AnswerSource::Cache);
}

TEST_F(ResolverTest, PositiveAnswersExpireWithTheirTtl) {
  resolve("example.com");
  auto q = last();
  reply(q, ResponseBuilder(q.id(), "example.com").a("example.com", kAddress, 30).build());
  (void)only_result();
  now += 10s;
  resolve("example.com");
  auto r = only_result();
  EXPECT_EQ(r.source, AnswerSource::Cache);
  EXPECT_EQ(r.ttl, 20u);
  EXPECT_EQ(r.addresses, std::vector<wire::Ipv4Address>{kAddress});
  now += 20s;
  resolve("example.com");
  EXPECT_TRUE(resolver().drain_results().empty());
  EXPECT_EQ(ip.sent.size(), 2u);
}

TEST_F(ResolverTest, ZeroTtlIsNotCached) {
  resolve("example.com");
  auto q = last();
  reply(q, ResponseBuilder(q.id(), "example.com").a("example.com", kAddress, 0).build());
  (void)only_result();
  resolve("example.com");
  EXPECT_EQ(ip.sent.size(), 2u);
}

TEST_F(ResolverTest, TimesOutAfterEveryAttemptAtEveryServer) {
  const Instant start = now;
  resolve("slow.example");
  for (int i = 1; i < 4; ++i) {
    EXPECT_EQ(resolver().next_deadline(), now + 2s);
    advance_to(now + 1999ms);
    EXPECT_EQ(ip.sent.size(), static_cast<std::size_t>(i));
    advance_to(now + 1ms);
    ASSERT_EQ(ip.sent.size(), static_cast<std::size_t>(i + 1));
    EXPECT_EQ(last().server, i % 2 == 0 ? kServer1 : kServer2);  // alternates servers
    EXPECT_NE(last().src_port, sent(ip.sent.size() - 2).src_port);
  }
  EXPECT_TRUE(resolver().drain_results().empty());
  advance_to(start + 8s);
  const auto r = only_result();
  EXPECT_EQ(r.error, DnsError::TimedOut);
  EXPECT_EQ(ip.sent.size(), 4u);  // attempts (2) x servers (2)
  EXPECT_EQ(resolver().counters().timeouts, 4u);
  EXPECT_TRUE(udp.list().empty());
}

TEST_F(ResolverTest, LateAnswerToAnEarlierAttemptIsRefused) {
  resolve("example.com");
  const auto first = last();
  advance_to(now + 2s);
  EXPECT_EQ(reply(first, ResponseBuilder(first.id(), "example.com").a("example.com", kAddress, 9)
                             .build()),
            net::TransportProtocol::Delivery::NoListener);  // its socket is gone
  EXPECT_TRUE(resolver().drain_results().empty());
}

TEST_F(ResolverTest, ServerFailureAndRefusedMoveToTheNextServer) {
  resolve("example.com");
  auto q = last();
  reply(q, ResponseBuilder(q.id(), "example.com", 0x8182).build());  // SERVFAIL
  ASSERT_EQ(ip.sent.size(), 2u);
  q = last();
  EXPECT_EQ(q.server, kServer2);
  reply(q, ResponseBuilder(q.id(), "example.com", 0x8185).build());  // REFUSED
  q = last();
  EXPECT_EQ(q.server, kServer1);
  reply(q, ResponseBuilder(q.id(), "example.com", 0x8182).build());
  q = last();
  reply(q, ResponseBuilder(q.id(), "example.com", 0x8185).build());
  EXPECT_EQ(only_result().error, DnsError::Refused);  // the last attempt's error
  EXPECT_EQ(ip.sent.size(), 4u);
}

TEST_F(ResolverTest, PortUnreachableMovesToTheNextServer) {
  resolve("example.com");
  const auto q = last();
  const auto header = wire::build_udp(kOurAddress, kServer1, q.src_port, 53, {});
  net::IcmpErrorInfo e;
  e.kind = net::IcmpErrorInfo::Kind::PortUnreachable;
  e.original_src = kOurAddress;
  e.original_dst = kServer1;
  e.transport_header = header;
  udp.on_icmp_error(e, now);
  deliver();
  ASSERT_EQ(ip.sent.size(), 2u);
  EXPECT_EQ(last().server, kServer2);
}

// The exchange over TCP itself is in resolver_tcp_test.cpp.
TEST_F(ResolverTest, TruncatedAnswerOpensATcpConnectionToTheSameServer) {
  resolve("big.example");
  auto q = last();
  reply(q, ResponseBuilder(q.id(), "big.example", 0x8380).build());  // TC set
  EXPECT_TRUE(resolver().drain_results().empty());
  EXPECT_EQ(resolver().counters().tcp_retries, 1u);
  ASSERT_EQ(ip.sent.back().protocol, net::IpProtocol::Tcp);
  EXPECT_EQ(ip.sent.back().dst, kServer1);
  EXPECT_TRUE(udp.list().empty());  // the UDP socket is done
}

TEST_F(ResolverTest, MalformedResponseWithOurIdTriesTheNextServer) {
  settings.attempts = 1;
  resolve("example.com");
  const auto q = last();
  const auto valid = ResponseBuilder(q.id(), "example.com").a("example.com", kAddress, 9).build();
  reply(q, Buffer(valid.begin(), valid.end() - 1));
  EXPECT_EQ(resolver().counters().malformed, 1u);
  const auto second = last();
  EXPECT_EQ(second.server, kServer2);
  const auto again =
      ResponseBuilder(second.id(), "example.com").a("example.com", kAddress, 9).build();
  reply(second, Buffer(again.begin(), again.begin() + 20));
  EXPECT_EQ(only_result().error, DnsError::Malformed);
}

TEST_F(ResolverTest, EveryPrefixOfAResponseIsHandledSafely) {
  settings.attempts = 1000;  // keep the lookup alive while prefixes arrive
  resolve("www.example.com");
  for (std::size_t n = 0;; ++n) {
    const auto q = last();
    const auto valid = ResponseBuilder(q.id(), "www.example.com")
                           .cname("www.example.com", "example.com", 60)
                           .a("example.com", kAddress, 60)
                           .build();
    if (n == valid.size()) {
      reply(q, valid);
      break;
    }
    reply(q, Buffer(valid.begin(), valid.begin() + static_cast<std::ptrdiff_t>(n)));
    EXPECT_TRUE(resolver().drain_results().empty()) << n;
  }
  EXPECT_EQ(only_result().error, DnsError::Ok);
}

TEST_F(ResolverTest, StaticHostsAndLiteralsNeedNoQuery) {
  settings.hosts = {{"Gateway.LAN", {wire::Ipv4Address{10, 0, 0, 1}}}};
  resolve("gateway.lan.");
  auto r = only_result();
  EXPECT_EQ(r.error, DnsError::Ok);
  EXPECT_EQ(r.source, AnswerSource::Hosts);
  EXPECT_EQ(r.addresses, std::vector<wire::Ipv4Address>{wire::Ipv4Address(10, 0, 0, 1)});
  resolve("10.1.2.3");
  r = only_result();
  EXPECT_EQ(r.source, AnswerSource::Literal);
  EXPECT_EQ(r.addresses, std::vector<wire::Ipv4Address>{wire::Ipv4Address(10, 1, 2, 3)});
  EXPECT_TRUE(ip.sent.empty());
}

TEST_F(ResolverTest, InvalidNamesAreRejectedBeforeQuerying) {
  for (const std::string& name : {std::string{}, std::string("a..b"), std::string(64, 'x') + ".com",
                                 std::string("bad name.com"), std::string("-x.com")}) {
    resolve(name);
    const auto r = only_result();
    EXPECT_EQ(r.error, DnsError::InvalidName) << name;
    EXPECT_FALSE(r.detail.empty());
  }
  EXPECT_TRUE(ip.sent.empty());
}

TEST_F(ResolverTest, NoServersConfigured) {
  settings.servers.clear();
  resolve("example.com");
  EXPECT_EQ(only_result().error, DnsError::NoServers);
}

TEST_F(ResolverTest, SendFailureEndsWithNetworkError) {
  ip.fail_with = Errc::NetworkUnreachable;
  resolve("example.com");
  EXPECT_EQ(only_result().error, DnsError::NetworkError);
  EXPECT_TRUE(udp.list().empty());
}

TEST_F(ResolverTest, LimitsLookupsInFlight) {
  settings.max_queries = 2;
  resolve("a.example");
  resolve("b.example");
  EXPECT_EQ(resolver().resolve("c.example", now).error(), Errc::NoBufferSpace);
}

TEST_F(ResolverTest, IgnoresOtherSockets) {
  const auto other = *udp.open();
  EXPECT_FALSE(resolver().on_event({net::IpProtocol::Udp, other, SocketEventKind::Readable}, now));
  EXPECT_FALSE(resolver().on_event({net::IpProtocol::Tcp, other, SocketEventKind::Readable}, now));
}

}  // namespace
}  // namespace tapstack::dns
