// The built-in services (echo, discard, daytime, chargen) on host B, used by
// a client on host A over the simulated link.
#include <gtest/gtest.h>

#include <optional>
#include <string>

#include "sim/sim_network.hpp"
#include "stack/services/tcp_services.hpp"

namespace tapstack::sim {
namespace {

using services::ServiceSettings;
using services::TcpServices;

constexpr Instant kLimit = Instant{} + 600s;

struct ServicesFixture {
  explicit ServicesFixture(LinkConfig link = {}, ServiceSettings settings = {})
      : net(link, link, tcp::TcpSettings{}, 21),
        svc(net.b().tcp(), settings, [] { return std::string("Tuesday, February 22, 1982 17:37:43-PST"); }) {}

  /// Runs the network, feeding B's events to the services.
  bool run(const std::function<bool()>& done, const std::function<void()>& step) {
    return net.run_until(kLimit, done, [&] {
      for (const auto& e : net.b().events().drain()) svc.on_event(e, net.now());
      svc.poll(net.now());
      (void)net.a().events().drain();
      step();
    });
  }

  SocketId connect(std::uint16_t port) {
    const SocketId id = *net.a().tcp().open();
    EXPECT_TRUE(net.a().tcp().connect(id, net.b().addr(), port, net.now()).ok());
    return id;
  }

  /// Reads what is available; sets eof at end of stream.
  void read(SocketId id, std::string& into, bool& eof) {
    std::uint8_t buf[4096];
    for (;;) {
      auto r = net.a().tcp().recv(id, buf, net.now());
      if (!r) return;
      if (*r == 0) {
        eof = true;
        return;
      }
      into.append(reinterpret_cast<const char*>(buf), *r);
    }
  }

  SimNetwork net;
  TcpServices svc;
};

TEST(TcpServices, EchoReturnsEverythingThenCloses) {
  ServicesFixture f(LinkConfig{.loss = 0.02});
  ASSERT_TRUE(f.svc.failures().empty());
  const SocketId c = f.connect(7);
  std::string message;
  for (int i = 0; i < 20000; ++i) message += static_cast<char>('a' + i % 26);
  std::size_t sent = 0;
  bool shut = false, eof = false;
  std::string got;
  ASSERT_TRUE(f.run([&] { return eof; }, [&] {
    auto& t = f.net.a().tcp();
    if (t.info(c)->state == tcp::TcpState::SynSent) return;
    while (sent < message.size()) {
      auto r = t.send(c, Bytes(reinterpret_cast<const std::uint8_t*>(message.data()) + sent, message.size() - sent), f.net.now());
      if (!r) break;
      sent += *r;
    }
    if (sent == message.size() && !shut) shut = t.shutdown_send(c, f.net.now()).ok();
    f.read(c, got, eof);
  }));
  EXPECT_EQ(got, message);
}

// Echo stops reading at its 64 KiB backlog. When that backlog then goes out
// in one piece, no later event comes for the bytes still in the receive
// buffer (the peer has sent everything), so echo must read on by itself.
TEST(TcpServices, EchoReadsOnPastItsBacklogWithoutAnotherEvent) {
  ServicesFixture f;
  const SocketId c = f.connect(7);
  const std::string message(150000, 'e');
  auto& t = f.net.a().tcp();
  std::size_t sent = 0;
  bool shut = false;
  auto send_all = [&] {
    if (t.info(c)->state == tcp::TcpState::SynSent) return;
    while (sent < message.size()) {
      auto r = t.send(c, Bytes(reinterpret_cast<const std::uint8_t*>(message.data()) + sent, message.size() - sent), f.net.now());
      if (!r) break;
      sent += *r;
    }
    if (sent == message.size() && !shut) shut = t.shutdown_send(c, f.net.now()).ok();
  };
  // Phase 1: echo accepts, but hears of no data until all of it (and the
  // FIN) waits in its receive buffer.
  std::optional<SocketEvent> readable;
  auto server_has_everything = [&] {
    for (const auto& s : f.net.b().tcp().list()) {
      if (s.state == tcp::TcpState::CloseWait && s.recv_queued == message.size()) return true;
    }
    return false;
  };
  ASSERT_TRUE(f.net.run_until(kLimit, server_has_everything, [&] {
    for (const auto& e : f.net.b().events().drain()) {
      if (e.kind == SocketEventKind::AcceptReady) f.svc.on_event(e, f.net.now());
      if (e.kind == SocketEventKind::Readable) readable = e;
    }
    (void)f.net.a().events().drain();
    send_all();
  }));
  ASSERT_TRUE(readable.has_value());
  // Phase 2: one Readable event; the whole message must come back.
  f.svc.on_event(*readable, f.net.now());
  std::string got;
  bool eof = false;
  ASSERT_TRUE(f.run([&] { return eof; }, [&] { f.read(c, got, eof); }));
  EXPECT_EQ(got.size(), message.size());
}

TEST(TcpServices, DaytimeSendsOneLineAndClosesFirst) {
  ServicesFixture f;
  const SocketId c = f.connect(13);
  std::string got;
  bool eof = false;
  ASSERT_TRUE(f.run([&] { return eof; }, [&] { f.read(c, got, eof); }));
  EXPECT_EQ(got, "Tuesday, February 22, 1982 17:37:43-PST\r\n");
  // The server closed first (RFC 867), so the client sits in CLOSE-WAIT.
  EXPECT_EQ(f.net.a().tcp().info(c)->state, tcp::TcpState::CloseWait);
}

TEST(TcpServices, ChargenStreamsThePatternUntilThePeerCloses) {
  ServicesFixture f;
  const SocketId c = f.connect(19);
  std::string got;
  bool eof = false;
  ASSERT_TRUE(f.run([&] { return got.size() >= 100000; }, [&] { f.read(c, got, eof); }));
  for (std::size_t line = 0; line * 74 + 74 <= got.size(); ++line) {
    ASSERT_EQ(got.substr(line * 74, 74), services::chargen_line(line)) << "line " << line;
  }
  ASSERT_TRUE(f.net.a().tcp().shutdown_send(c, f.net.now()).ok());
  ASSERT_TRUE(f.run([&] { return eof; }, [&] { f.read(c, got, eof); }));
  EXPECT_EQ(f.svc.connections(), 0u);
}

TEST(TcpServices, DiscardSwallowsData) {
  ServicesFixture f;
  const SocketId c = f.connect(9);
  bool shut = false, eof = false;
  std::string got;
  ASSERT_TRUE(f.run([&] { return eof; }, [&] {
    auto& t = f.net.a().tcp();
    if (t.info(c)->state == tcp::TcpState::SynSent) return;
    if (!shut) {
      const std::string junk(5000, 'j');
      ASSERT_TRUE(t.send(c, Bytes(reinterpret_cast<const std::uint8_t*>(junk.data()), junk.size()), f.net.now()).ok());
      shut = t.shutdown_send(c, f.net.now()).ok();
    }
    f.read(c, got, eof);
  }));
  EXPECT_TRUE(got.empty());
}

// [services] max_connections: connections beyond the cap are reset, the
// others keep working.
TEST(TcpServices, ConnectionsBeyondTheCapAreReset) {
  ServiceSettings settings;
  settings.max_connections = 2;
  ServicesFixture f({}, settings);
  const SocketId clients[] = {f.connect(9), f.connect(9), f.connect(9)};
  auto state = [&](SocketId id) { return f.net.a().tcp().info(id)->state; };
  ASSERT_TRUE(f.run([&] { return state(clients[2]) == tcp::TcpState::Closed; }, [] {}));
  EXPECT_EQ(state(clients[0]), tcp::TcpState::Established);
  EXPECT_EQ(state(clients[1]), tcp::TcpState::Established);
  EXPECT_EQ(f.svc.connections(), 2u);
}

TEST(TcpServices, BusyPortIsReported) {
  SimNetwork net(LinkConfig{}, LinkConfig{}, tcp::TcpSettings{}, 1);
  const SocketId squatter = *net.b().tcp().open();
  ASSERT_TRUE(net.b().tcp().bind(squatter, wire::Ipv4Address::any(), 7).ok());
  TcpServices svc(net.b().tcp(), ServiceSettings{}, [] { return std::string("now"); });
  ASSERT_EQ(svc.failures().size(), 1u);
  EXPECT_EQ(svc.failures()[0].first, TcpServices::Kind::Echo);
  EXPECT_EQ(svc.failures()[0].second, Errc::AddressInUse);
}

}  // namespace
}  // namespace tapstack::sim
