// TIME-WAIT records (RFC 9293 §3.10.7.4, RFC 6191): what answers for a
// connection after close, the cap on records, and slots kept for local sockets.
#include "support/tcp_harness.hpp"

namespace tapstack::tcp::testing {
namespace {

using ::testing::AllOf;
using namespace wire::tcp_flags;

SocketId listen_on(TcpHarness& h) {
  const SocketId l = *h.layer.open();
  EXPECT_TRUE(h.layer.bind(l, kLocal, kLocalPort).ok());
  EXPECT_TRUE(h.layer.listen(l, 64).ok());
  return l;
}

/// A connection from `port` accepted on the listener; h.iss is its ISS.
SocketId accept_from(TcpHarness& h, SocketId l, std::uint16_t port, std::uint32_t irs,
                     std::optional<std::uint32_t> tsval = std::nullopt) {
  SegSpec syn{.flags = Syn, .seq = irs, .src_port = port};
  if (tsval) syn.options.timestamps = wire::TcpTimestamps{*tsval, 0};
  h.in(syn);
  const OutSegment synack = h.out();
  h.iss = synack.h.seq;
  SegSpec ack{.seq = irs + 1, .ack = h.iss + 1, .src_port = port};
  if (tsval) ack.options.timestamps = wire::TcpTimestamps{*tsval + 1, synack.h.options.timestamps->value};
  h.in(ack);
  (void)h.drain();
  auto id = h.layer.accept(l);
  EXPECT_TRUE(id.ok());
  return id.ok() ? *id : SocketId{};
}

/// We close first; the peer acknowledges and sends its FIN: TIME-WAIT.
void close_first(TcpHarness& h, SocketId c, std::uint16_t port, std::uint32_t irs,
                 std::optional<std::uint32_t> tsval = std::nullopt) {
  ASSERT_TRUE(h.layer.close(c, h.now).ok());
  const OutSegment fin = h.out();
  SegSpec peer_fin{.flags = Fin | Ack, .seq = irs + 1, .ack = h.iss + 2, .src_port = port};
  if (tsval) peer_fin.options.timestamps = wire::TcpTimestamps{*tsval, fin.h.options.timestamps->value};
  h.in(peer_fin);
  EXPECT_THAT(h.out(), AllOf(HasFlags(Ack), HasAck(irs + 2)));
}

TEST(TcpTimeWaitRecord, AcksARetransmittedFinAndIsListed) {
  TcpSettings s;
  s.msl = 1s;
  TcpHarness h(s);
  const SocketId l = listen_on(h);
  const SocketId c = accept_from(h, l, 40000, 5000);
  close_first(h, c, 40000, 5000);
  EXPECT_EQ(h.layer.counters().time_wait_records, 1u);
  const auto list = h.layer.list();
  ASSERT_EQ(list.size(), 2u);  // the listener and the record
  EXPECT_EQ(list[1].state, TcpState::TimeWait);
  EXPECT_EQ(list[1].id, SocketId{});
  EXPECT_EQ(list[1].remote_port, 40000);
  h.advance(1500ms);
  h.in({.flags = Fin | Ack, .seq = 5001, .ack = h.iss + 2, .src_port = 40000});
  EXPECT_THAT(h.out(), AllOf(HasFlags(Ack), HasSeq(h.iss + 2), HasAck(5002u)));
  h.in({.seq = 4000, .ack = h.iss + 2, .src_port = 40000});  // below the window: ACK
  EXPECT_THAT(h.out(), AllOf(HasFlags(Ack), HasAck(5002u)));
  h.advance(1999ms);  // restarted by the FIN: 2·MSL from it
  EXPECT_EQ(h.layer.counters().time_wait_records, 1u);
  h.advance(1ms);
  EXPECT_EQ(h.layer.counters().time_wait_records, 0u);
  EXPECT_EQ(h.layer.counters().time_wait_expired, 1u);
  EXPECT_EQ(h.layer.list().size(), 1u);
  h.expect_quiet();
}

TEST(TcpTimeWaitRecord, RstAtRcvNxtDeletesIt) {
  TcpHarness h;
  const SocketId l = listen_on(h);
  close_first(h, accept_from(h, l, 40000, 5000), 40000, 5000);
  h.in({.flags = Rst, .seq = 5002, .src_port = 40000});
  h.expect_quiet();
  EXPECT_EQ(h.layer.counters().time_wait_records, 0u);
}

TEST(TcpTimeWaitRecord, SynWithNewerTimestampReusesTheTuple) {
  TcpHarness h;
  const SocketId l = listen_on(h);
  close_first(h, accept_from(h, l, 40000, 5000, 100), 40000, 5000, 102);
  // RFC 6191: an older TSval is dropped silently, even with a higher ISN...
  SegSpec old{.flags = Syn, .seq = 90000, .src_port = 40000};
  old.options.timestamps = wire::TcpTimestamps{50, 0};
  h.in(old);
  h.expect_quiet();
  // ...a newer one opens a new connection even with a lower ISN.
  SegSpec fresh{.flags = Syn, .seq = 10, .src_port = 40000};
  fresh.options.timestamps = wire::TcpTimestamps{200, 0};
  h.in(fresh);
  EXPECT_THAT(h.out(), AllOf(HasFlags(Syn | Ack), HasAck(11u)));
  EXPECT_EQ(h.layer.counters().syn_accepted_in_time_wait, 1u);
  EXPECT_EQ(h.layer.counters().time_wait_records, 0u);
}

TEST(TcpTimeWaitRecord, AtTheCapTheOldestIsRecycled) {
  TcpSettings s;
  s.time_wait_max = 2;
  TcpHarness h(s);
  const SocketId l = listen_on(h);
  for (std::uint16_t port = 40001; port <= 40003; ++port) {
    close_first(h, accept_from(h, l, port, 5000), port, 5000);
  }
  EXPECT_EQ(h.layer.counters().time_wait_records, 2u);
  EXPECT_EQ(h.layer.counters().time_wait_recycled, 1u);
  // The first connection's record is gone: its FIN now meets the listener.
  h.in({.flags = Fin | Ack, .seq = 5001, .ack = 1, .src_port = 40001});
  EXPECT_THAT(h.out(), HasFlags(Rst));
  h.in({.flags = Fin | Ack, .seq = 5001, .ack = h.iss + 2, .src_port = 40003});
  EXPECT_THAT(h.out(), AllOf(HasFlags(Ack), HasAck(5002u)));
}

TEST(TcpTimeWaitRecord, RecordsHoldNoSocketSlot) {
  TcpSettings s;
  s.max_sockets = 3;
  s.local_reserve = 0;
  TcpHarness h(s);
  const SocketId l = listen_on(h);
  for (std::uint16_t port = 40001; port <= 40010; ++port) {
    close_first(h, accept_from(h, l, port, 5000), port, 5000);
  }
  EXPECT_EQ(h.layer.counters().time_wait_records, 10u);
  EXPECT_TRUE(h.layer.open().ok());
}

TEST(TcpTimeWaitRecord, PeersCannotTakeTheSlotsKeptForLocalSockets) {
  TcpSettings s;
  s.max_sockets = 5;
  s.local_reserve = 2;
  TcpHarness h(s);
  listen_on(h);  // 1 slot
  for (std::uint16_t port = 40001; port <= 40004; ++port) {
    h.in({.flags = Syn, .seq = 5000, .src_port = port});
  }
  EXPECT_EQ(h.ip.sent.size(), 2u);  // two SYN-ACKs; the other SYNs found no slot
  EXPECT_EQ(h.layer.counters().rx_dropped_listen, 2u);
  EXPECT_TRUE(h.layer.open().ok());
  EXPECT_TRUE(h.layer.open().ok());
  EXPECT_EQ(h.layer.open().error(), Errc::TooManySockets);
}

TEST(TcpTimeWaitRecord, BindMaySharePortWithRecordsAndConnectNeedsTimestamps) {
  TcpHarness h;
  const SocketId c = h.established_client(1000);
  ASSERT_TRUE(h.layer.close(c, h.now).ok());
  h.out();
  h.in({.flags = Fin | Ack, .seq = 1001, .ack = h.iss + 2});
  h.out();
  ASSERT_EQ(h.layer.counters().time_wait_records, 1u);
  // As SO_REUSEADDR: the port is held only by a record, so bind succeeds...
  const SocketId again = *h.layer.open();
  ASSERT_TRUE(h.layer.bind(again, kLocal, kLocalPort).ok());
  // ...but without timestamps nothing tells the incarnations apart.
  EXPECT_EQ(h.layer.connect(again, kRemote, kRemotePort, h.now).error(), Errc::AddressInUse);
}

}  // namespace
}  // namespace tapstack::tcp::testing
