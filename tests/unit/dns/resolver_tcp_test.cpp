// The resolver's retry over TCP after a truncated UDP answer (RFC 7766 §5).
// The server is a second TcpLayer; pump() carries segments between the two
// layers by hand and plays the server's side of the exchange.
#include <gtest/gtest.h>

#include <array>
#include <optional>
#include <vector>

#include "stack/dns/resolver.hpp"
#include "stack/tcp/tcp_layer.hpp"
#include "stack/wire/udp.hpp"
#include "unit/dns/dns_test_util.hpp"
#include "unit/udp/fake_ipv4.hpp"

namespace tapstack::dns {
namespace {

using Buffer = std::vector<std::uint8_t>;
using tapstack::testing::packet_info;
using testing::ResponseBuilder;

constexpr wire::Ipv4Address kClient{10, 0, 0, 2};
constexpr wire::Ipv4Address kServer{10, 0, 0, 53};

/// An IPv4 output that only records what its transport sends.
class Host final : public net::Ipv4Output {
 public:
  explicit Host(wire::Ipv4Address address) : address_(address) {}
  Result<void> send_ipv4(wire::Ipv4Address src, wire::Ipv4Address dst, net::IpProtocol protocol,
                         Bytes payload, const net::Ipv4SendOptions&) override {
    sent.push_back({src, dst, protocol, {payload.begin(), payload.end()}});
    return {};
  }
  std::size_t path_mtu(wire::Ipv4Address) const override { return 1500; }
  std::size_t link_mtu() const override { return 1500; }
  void note_path_mtu(wire::Ipv4Address, std::size_t) override {}
  wire::Ipv4Address local_address() const override { return address_; }
  bool is_local_address(wire::Ipv4Address a) const override { return a == address_; }

  std::vector<tapstack::testing::SentIpv4> sent;

 private:
  wire::Ipv4Address address_;
};

/// How the TCP server behaves once it has read a query.
enum class ServerMode { Answer, CloseHalfway };

class ResolverTcpTest : public ::testing::Test {
 protected:
  ResolverTcpTest() {
    settings.servers = {{kServer, 53}};
    settings.attempts = 1;
  }

  Resolver& resolver() {
    if (!resolver_) resolver_.emplace(udp, tcp, rng, settings);
    return *resolver_;
  }
  void listen() {
    listener = *server_tcp.open();
    ASSERT_TRUE(server_tcp.bind(*listener, kServer, 53).ok());
    ASSERT_TRUE(server_tcp.listen(*listener, 4).ok());
  }
  /// Answers the resolver's UDP query with TC set and an empty answer.
  void answer_truncated_over_udp() {
    ASSERT_FALSE(client.sent.empty());
    const auto out = client.sent.back();
    client.sent.pop_back();
    ASSERT_EQ(out.protocol, net::IpProtocol::Udp);
    const auto query = wire::parse_udp(out.payload, out.src, out.dst);
    ASSERT_EQ(query.status, wire::UdpParseStatus::Ok);
    Message m;
    ASSERT_EQ(parse_message(query.repr.payload, m), ParseError::Ok);
    const auto tc = ResponseBuilder(m.header.id, m.questions.at(0).name, 0x8380).build();
    const auto datagram = wire::build_udp(kServer, kClient, 53, query.repr.src_port, tc);
    (void)udp.on_ipv4_packet(packet_info(kServer, kClient), datagram, now);
    deliver();
  }
  /// Carries segments both ways and runs both ends until nothing moves.
  void pump() {
    for (int round = 0; round < 200; ++round) {
      // Both directions carry every round: no short-circuit.
      const bool client_moved = carry(client, server_tcp, kClient);
      const bool server_moved = carry(server, tcp, kServer);
      const bool moved = client_moved || server_moved;
      deliver();
      serve();
      if (!moved && client.sent.empty() && server.sent.empty()) return;
    }
    FAIL() << "the exchange did not settle";
  }
  void deliver() {
    for (const auto& e : events.drain()) resolver().on_event(e, now);
  }

  /// The DNS server: accepts, reads one length-prefixed query, answers it
  /// with `addresses` A records (far more than 512 bytes), then closes.
  void serve() {
    for (const auto& e : server_events.drain()) {
      if (e.kind == SocketEventKind::AcceptReady) {
        if (auto c = server_tcp.accept(*listener)) connection = *c;
      }
    }
    if (!connection) return;
    std::array<std::uint8_t, 4096> buf{};
    while (auto n = server_tcp.recv(connection, buf, now)) {
      if (*n == 0) break;
      received.insert(received.end(), buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(*n));
    }
    if (answered || received.size() < 2 || received.size() < 2u + load_be16(received, 0)) return;
    Message m;
    ASSERT_EQ(parse_message(Bytes{received}.subspan(2), m), ParseError::Ok);
    ResponseBuilder response(m.header.id, m.questions.at(0).name);
    for (std::uint8_t i = 1; i <= addresses; ++i) {
      response.a(m.questions.at(0).name, wire::Ipv4Address{192, 0, 2, i}, 60);
    }
    const Buffer body = response.build();
    Buffer framed{static_cast<std::uint8_t>(body.size() >> 8),
                  static_cast<std::uint8_t>(body.size() & 0xff)};
    framed.insert(framed.end(), body.begin(), body.end());
    if (mode == ServerMode::CloseHalfway) framed.resize(framed.size() / 2);
    ASSERT_EQ(*server_tcp.send(connection, framed, now), framed.size());
    ASSERT_TRUE(server_tcp.close(connection, now).ok());
    answered = true;
  }

  ResolveResult only_result() {
    auto results = resolver().drain_results();
    EXPECT_EQ(results.size(), 1u);
    return results.empty() ? ResolveResult{} : results[0];
  }

  Host client{kClient};
  Host server{kServer};
  SeededRng rng{7};
  SeededRng server_rng{8};
  EventQueue events;
  EventQueue server_events;
  net::UdpLayer udp{client, rng, events, net::UdpSettings{}};
  tcp::TcpLayer tcp{client, rng, events, tcp::TcpSettings{}};
  tcp::TcpLayer server_tcp{server, server_rng, server_events, tcp::TcpSettings{}};
  ResolverSettings settings;
  Instant now{std::chrono::seconds{1000}};
  std::optional<SocketId> listener;
  SocketId connection;
  Buffer received;
  bool answered = false;
  std::uint8_t addresses = 60;
  ServerMode mode = ServerMode::Answer;

 private:
  /// Moves `from`'s TCP segments into `to`; true if there were any.
  bool carry(Host& from, tcp::TcpLayer& to, wire::Ipv4Address src) {
    bool moved = false;
    std::vector<tapstack::testing::SentIpv4> keep;
    for (auto& p : std::exchange(from.sent, {})) {
      if (p.protocol != net::IpProtocol::Tcp) {
        keep.push_back(std::move(p));
        continue;
      }
      (void)to.on_ipv4_packet(packet_info(src, p.dst), p.payload, now);
      moved = true;
    }
    from.sent = std::move(keep);
    return moved;
  }

  std::optional<Resolver> resolver_;
};

TEST_F(ResolverTcpTest, TruncatedAnswerIsAskedAgainOverTcp) {
  listen();
  ASSERT_TRUE(resolver().resolve("big.example", now).ok());
  answer_truncated_over_udp();
  EXPECT_EQ(resolver().counters().tcp_retries, 1u);
  EXPECT_EQ(resolver().next_deadline(), now + settings.timeout);
  pump();
  const auto r = only_result();
  EXPECT_EQ(r.error, DnsError::Ok);
  ASSERT_EQ(r.addresses.size(), 60u);
  EXPECT_EQ(r.addresses.front(), (wire::Ipv4Address{192, 0, 2, 1}));
  EXPECT_EQ(r.addresses.back(), (wire::Ipv4Address{192, 0, 2, 60}));
  EXPECT_EQ(resolver().in_flight(), 0u);
  EXPECT_GT(load_be16(received, 0), 0u);
  EXPECT_EQ(received.size(), 2u + load_be16(received, 0));  // exactly one framed query
}

TEST_F(ResolverTcpTest, TheAnswerOverTcpIsCached) {
  listen();
  ASSERT_TRUE(resolver().resolve("big.example", now).ok());
  answer_truncated_over_udp();
  pump();
  EXPECT_EQ(only_result().error, DnsError::Ok);
  ASSERT_TRUE(resolver().resolve("big.example", now).ok());
  const auto again = only_result();
  EXPECT_EQ(again.source, AnswerSource::Cache);
  EXPECT_EQ(again.addresses.size(), 60u);
}

TEST_F(ResolverTcpTest, NoTcpListenerMeansTruncatedError) {
  ASSERT_TRUE(resolver().resolve("big.example", now).ok());
  answer_truncated_over_udp();
  pump();  // the server's layer answers the SYN with RST
  const auto r = only_result();
  EXPECT_EQ(r.error, DnsError::Truncated);
  EXPECT_STREQ(describe(r.error), "truncated answer, and the retry over TCP failed");
}

TEST_F(ResolverTcpTest, ConnectionClosedMidResponseFails) {
  listen();
  mode = ServerMode::CloseHalfway;
  ASSERT_TRUE(resolver().resolve("big.example", now).ok());
  answer_truncated_over_udp();
  pump();
  EXPECT_EQ(only_result().error, DnsError::Truncated);
  EXPECT_EQ(resolver().in_flight(), 0u);
}

TEST_F(ResolverTcpTest, SilentTcpServerTimesOut) {
  listen();
  ASSERT_TRUE(resolver().resolve("big.example", now).ok());
  answer_truncated_over_udp();
  server.sent.clear();
  client.sent.clear();  // the SYN is lost and nothing answers
  now += settings.timeout;
  resolver().poll(now);
  EXPECT_EQ(only_result().error, DnsError::TimedOut);
}

}  // namespace
}  // namespace tapstack::dns
