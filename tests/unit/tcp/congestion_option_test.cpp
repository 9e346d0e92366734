// TCP_CONGESTION through the TcpLayer: the configured default, a choice made
// before connect or on a listener, and a switch mid-connection, which keeps
// the window as Linux does.
#include "support/tcp_harness.hpp"

namespace tapstack::tcp::testing {
namespace {

TEST(CongestionOption, DefaultComesFromTheSettings) {
  TcpHarness cubic;
  const SocketId a = cubic.established_client();
  EXPECT_EQ(cubic.layer.info(a)->congestion, CongestionAlgorithm::Cubic);
  TcpSettings s;
  s.congestion = CongestionAlgorithm::NewReno;
  TcpHarness reno(s);
  const SocketId b = reno.established_client();
  EXPECT_EQ(reno.layer.info(b)->congestion, CongestionAlgorithm::NewReno);
  EXPECT_EQ(*reno.layer.congestion(b), CongestionAlgorithm::NewReno);
}

TEST(CongestionOption, SetBeforeConnectIsKeptThroughTheHandshake) {
  TcpHarness h;
  const SocketId id = *h.layer.open();
  ASSERT_TRUE(h.set_option(id, [](SocketOptions& o) { o.congestion = CongestionAlgorithm::NewReno; }));
  EXPECT_EQ(*h.layer.congestion(id), CongestionAlgorithm::NewReno);  // no TCB yet
  ASSERT_TRUE(h.layer.bind(id, kLocal, kLocalPort).ok());
  ASSERT_TRUE(h.layer.connect(id, kRemote, kRemotePort, h.now).ok());
  const std::uint32_t iss = h.out().h.seq;
  SegSpec synack{.flags = wire::tcp_flags::Syn | wire::tcp_flags::Ack, .seq = 1000, .ack = iss + 1};
  synack.options.mss = 1460;
  h.in(synack);
  ASSERT_EQ(h.layer.info(id)->state, TcpState::Established);
  EXPECT_EQ(h.layer.info(id)->congestion, CongestionAlgorithm::NewReno);
}

TEST(CongestionOption, AcceptedConnectionsTakeTheListenersChoice) {
  TcpHarness h;
  const SocketId l = *h.layer.open();
  ASSERT_TRUE(h.set_option(l, [](SocketOptions& o) { o.congestion = CongestionAlgorithm::NewReno; }));
  ASSERT_TRUE(h.layer.bind(l, kLocal, kLocalPort).ok());
  ASSERT_TRUE(h.layer.listen(l, 8).ok());
  SegSpec syn{.flags = wire::tcp_flags::Syn, .seq = 5000};
  syn.options.mss = 1460;
  h.in(syn);
  const std::uint32_t iss = h.out().h.seq;
  h.in({.seq = 5001, .ack = iss + 1});
  const auto id = h.layer.accept(l);
  ASSERT_TRUE(id.ok());
  EXPECT_EQ(h.layer.info(*id)->congestion, CongestionAlgorithm::NewReno);
}

TEST(CongestionOption, SwitchingMidConnectionKeepsTheWindow) {
  TcpHarness h;
  const SocketId id = h.established_client();
  const TcpSocketInfo before = *h.layer.info(id);
  ASSERT_TRUE(h.set_option(id, [](SocketOptions& o) { o.congestion = CongestionAlgorithm::NewReno; }));
  const TcpSocketInfo after = *h.layer.info(id);
  EXPECT_EQ(after.congestion, CongestionAlgorithm::NewReno);
  EXPECT_EQ(after.cwnd, before.cwnd);
  EXPECT_EQ(after.ssthresh, before.ssthresh);
  EXPECT_FALSE(h.layer.set_options(SocketId{}, SocketOptions{}, h.now).ok());
}

}  // namespace
}  // namespace tapstack::tcp::testing
