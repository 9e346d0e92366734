#include <gtest/gtest.h>

#include "support/stack_harness.hpp"

namespace tapstack::test {
namespace {

using wire::ArpOperation;
using wire::ArpPacket;
using wire::MacAddress;

constexpr MacAddress kMovedMac{{0x02, 0, 0, 0, 0, 0x77}};
constexpr MacAddress kSpoofMac{{0x02, 0, 0, 0, 0, 0x66}};

Buffer request_from_peer(wire::Ipv4Address target) {
  return arp_frame({ArpOperation::Request, kPeerMac, kPeerIp, MacAddress{}, target},
                   MacAddress::broadcast());
}

Buffer reply_to_us(const MacAddress& sender_mac, wire::Ipv4Address sender_ip = kPeerIp) {
  return arp_frame({ArpOperation::Reply, sender_mac, sender_ip, kStackMac, kStackIp}, kStackMac);
}

// A request from kPeerIp to a third host: no business of ours but the merge.
Buffer request_to_other(const MacAddress& sender_mac) {
  return arp_frame({ArpOperation::Request, sender_mac, kPeerIp, MacAddress{}, wire::Ipv4Address{10, 0, 0, 9}},
                   MacAddress::broadcast());
}

// RFC 5227 §3 announcement: sender and target address are both the sender's.
Buffer gratuitous(const MacAddress& mac, wire::Ipv4Address ip = kPeerIp) {
  return arp_frame({ArpOperation::Request, mac, ip, MacAddress{}, ip}, MacAddress::broadcast());
}

// kPeerIp resolved by a request of ours and its reply: a reachable entry.
void resolve_peer(StackHarness& h) {
  ASSERT_TRUE(h.stack.ipv4().send_ipv4(wire::Ipv4Address::any(), kPeerIp, net::IpProtocol::Udp,
                                       pattern(8), {}));
  h.receive(reply_to_us(kPeerMac));
  h.take_frames();
  ASSERT_EQ(h.stack.arp().entries().at(0).state, net::ArpState::Reachable);
}

TEST(Arp, RepliesToRequestForOurAddressAndLearnsSender) {
  StackHarness h;
  h.receive(request_from_peer(kStackIp));
  const auto frames = h.take_frames();
  ASSERT_EQ(frames.size(), 1u);
  EXPECT_EQ(frames[0].size(), 60u);  // padded to the Ethernet minimum
  const auto eth = wire::EthernetView::parse(frames[0]);
  EXPECT_EQ(eth->destination(), kPeerMac);
  EXPECT_EQ(eth->source(), kStackMac);
  const auto reply = decode_arp_frame(frames[0]);
  ASSERT_TRUE(reply);
  EXPECT_EQ(reply->operation, ArpOperation::Reply);
  EXPECT_EQ(reply->sender_mac, kStackMac);
  EXPECT_EQ(reply->sender_ip, kStackIp);
  EXPECT_EQ(reply->target_mac, kPeerMac);
  EXPECT_EQ(reply->target_ip, kPeerIp);
  ASSERT_EQ(h.stack.arp().entries().size(), 1u);
  const auto e = h.stack.arp().entries()[0];
  EXPECT_EQ(e.ip, kPeerIp);
  EXPECT_EQ(e.mac, kPeerMac);
  // As Linux: the request shows the sender exists, not that it hears us.
  EXPECT_EQ(e.state, net::ArpState::Stale);
  EXPECT_EQ(e.expires, h.now + std::chrono::seconds{60});
  EXPECT_EQ(h.counter("arp.entries_learned"), 1u);
  EXPECT_EQ(h.counter("arp.tx_replies"), 1u);
}

TEST(Arp, RequestForAnotherHostIsNotAnsweredNorLearned) {
  StackHarness h;
  h.receive(request_from_peer(wire::Ipv4Address{10, 0, 0, 9}));
  EXPECT_TRUE(h.take_frames().empty());
  EXPECT_TRUE(h.stack.arp().entries().empty());
}

TEST(Arp, MergeFlagUpdatesExistingEntryFromAnyPacket) {
  StackHarness h;
  h.learn(kPeerIp, kPeerMac);
  h.advance(std::chrono::seconds{1});  // past the lock on a fresh MAC
  // RFC 826: a known sender updates its entry even when the packet is not for us.
  h.receive(request_to_other(kMovedMac));
  EXPECT_TRUE(h.take_frames().empty());
  EXPECT_EQ(*h.stack.arp().lookup(kPeerIp), kMovedMac);
  EXPECT_EQ(h.counter("arp.entries_updated"), 1u);
  EXPECT_EQ(h.counter("arp.mac_changes"), 1u);
}

TEST(Arp, UnsolicitedReplyCreatesNoEntry) {
  StackHarness h;
  h.receive(reply_to_us(kPeerMac));
  EXPECT_TRUE(h.take_frames().empty());
  EXPECT_TRUE(h.stack.arp().entries().empty());
  EXPECT_EQ(h.counter("arp.rx_not_learned"), 1u);
}

TEST(Arp, RequestFromOffLinkSenderIsAnsweredButNotLearned) {
  StackHarness h;  // 10.0.0.2/24: we would reach 192.0.2.7 through the gateway only
  h.receive(arp_frame({ArpOperation::Request, kPeerMac, kRemoteIp, MacAddress{}, kStackIp},
                      MacAddress::broadcast()));
  ASSERT_EQ(h.take_frames().size(), 1u);
  EXPECT_TRUE(h.stack.arp().entries().empty());
  EXPECT_EQ(h.counter("arp.rx_not_learned"), 1u);
}

TEST(Arp, MacChangeOfReachableEntryWaitsOutTheLock) {
  StackHarness h;
  resolve_peer(h);
  h.receive(request_to_other(kSpoofMac));
  h.receive(reply_to_us(kSpoofMac));
  EXPECT_EQ(*h.stack.arp().lookup(kPeerIp), kPeerMac);
  EXPECT_EQ(h.counter("arp.mac_changes_refused"), 2u);
  h.advance(std::chrono::milliseconds{999});
  h.receive(request_to_other(kSpoofMac));
  EXPECT_EQ(*h.stack.arp().lookup(kPeerIp), kPeerMac);
  h.advance(std::chrono::milliseconds{1});
  h.receive(request_to_other(kMovedMac));
  EXPECT_EQ(*h.stack.arp().lookup(kPeerIp), kMovedMac);
  EXPECT_EQ(h.stack.arp().entries()[0].state, net::ArpState::Stale);  // unconfirmed
  EXPECT_EQ(h.counter("arp.mac_changes"), 1u);
  EXPECT_EQ(h.counter("arp.mac_changes_refused"), 3u);
}

TEST(Arp, OwnerConfirmingItsMacKeepsSpooferOut) {
  StackHarness h;
  resolve_peer(h);
  for (int i = 0; i < 10; ++i) {
    h.advance(std::chrono::milliseconds{600});
    h.receive(request_to_other(kSpoofMac));
    h.receive(request_to_other(kPeerMac));  // the owner's own traffic confirms it
  }
  EXPECT_EQ(*h.stack.arp().lookup(kPeerIp), kPeerMac);
  EXPECT_EQ(h.stack.arp().entries()[0].state, net::ArpState::Reachable);  // never demoted
  EXPECT_EQ(h.counter("arp.mac_changes"), 0u);
  EXPECT_EQ(h.counter("arp.mac_changes_refused"), 10u);
}

TEST(Arp, GratuitousArpMovesKnownEntryOncePerLock) {
  StackHarness h;
  h.learn(kPeerIp, kPeerMac);
  h.advance(std::chrono::seconds{5});
  h.receive(gratuitous(kMovedMac));  // failover: the address moved to another NIC
  EXPECT_TRUE(h.take_frames().empty());
  EXPECT_EQ(*h.stack.arp().lookup(kPeerIp), kMovedMac);
  h.receive(gratuitous(kSpoofMac));  // a second move at once is refused
  EXPECT_EQ(*h.stack.arp().lookup(kPeerIp), kMovedMac);
  h.receive(gratuitous(kMovedMac, wire::Ipv4Address{10, 0, 0, 9}));  // unknown: not learnt
  EXPECT_EQ(h.stack.arp().entries().size(), 1u);
  EXPECT_EQ(h.counter("arp.mac_changes"), 1u);
  EXPECT_EQ(h.counter("arp.mac_changes_refused"), 1u);
}

TEST(Arp, GratuitousArpOnStart) {
  StackHarness h;
  ASSERT_TRUE(h.stack.start(h.now).ok());
  const auto frames = h.take_frames();
  ASSERT_EQ(frames.size(), 1u);
  EXPECT_TRUE(wire::EthernetView::parse(frames[0])->destination().is_broadcast());
  const auto p = decode_arp_frame(frames[0]);
  ASSERT_TRUE(p);
  EXPECT_EQ(p->operation, ArpOperation::Request);
  EXPECT_EQ(p->sender_ip, kStackIp);
  EXPECT_EQ(p->target_ip, kStackIp);
  EXPECT_EQ(p->sender_mac, kStackMac);
}

TEST(Arp, ConflictingSenderAndBadSenderAreDropped) {
  StackHarness h;
  h.receive(arp_frame({ArpOperation::Request, kPeerMac, kStackIp, MacAddress{}, kStackIp},
                      MacAddress::broadcast()));
  EXPECT_EQ(h.counter("arp.rx_address_conflicts"), 1u);
  h.receive(arp_frame({ArpOperation::Request, MacAddress::broadcast(), kPeerIp, MacAddress{}, kStackIp},
                      MacAddress::broadcast()));
  EXPECT_EQ(h.counter("arp.rx_dropped_bad_sender"), 1u);
  EXPECT_TRUE(h.take_frames().empty());
  EXPECT_TRUE(h.stack.arp().entries().empty());
}

TEST(Arp, MalformedIsCounted) {
  StackHarness h;
  Buffer runt(10, 0);
  h.receive(ethernet_frame(MacAddress::broadcast(), kPeerMac, 0x0806, runt));
  EXPECT_EQ(h.counter("arp.rx_dropped_malformed"), 1u);
}

TEST(Arp, EntryGoesStaleThenExpires) {
  StackConfig c = default_config();
  c.arp.reachable_time = std::chrono::seconds{30};
  c.arp.stale_time = std::chrono::seconds{60};
  StackHarness h(c);
  resolve_peer(h);
  EXPECT_EQ(h.stack.next_deadline(), h.now + std::chrono::seconds{30});
  h.advance(std::chrono::seconds{29});
  EXPECT_EQ(h.stack.arp().entries()[0].state, net::ArpState::Reachable);
  h.advance(std::chrono::seconds{1});
  EXPECT_EQ(h.stack.arp().entries()[0].state, net::ArpState::Stale);
  EXPECT_TRUE(h.stack.arp().lookup(kPeerIp));  // stale entries are still used
  h.advance(std::chrono::seconds{60});
  EXPECT_TRUE(h.stack.arp().entries().empty());
  EXPECT_EQ(h.counter("arp.entries_expired"), 1u);
  EXPECT_EQ(h.stack.next_deadline(), Instant::max());
}

TEST(Arp, ResolvesThenSendsQueuedDatagrams) {
  StackHarness h;
  FakeTransport udp;
  h.stack.register_transport(net::IpProtocol::Udp, udp);
  const auto payload = pattern(32);
  ASSERT_TRUE(h.stack.ipv4().send_ipv4(wire::Ipv4Address::any(), kPeerIp, net::IpProtocol::Udp, payload, {}));
  ASSERT_TRUE(h.stack.ipv4().send_ipv4(wire::Ipv4Address::any(), kPeerIp, net::IpProtocol::Udp, payload, {}));
  auto frames = h.take_frames();
  ASSERT_EQ(frames.size(), 1u);  // one request, both datagrams wait
  const auto req = decode_arp_frame(frames[0]);
  ASSERT_TRUE(req);
  EXPECT_EQ(req->target_ip, kPeerIp);
  EXPECT_EQ(h.stack.arp().entries()[0].state, net::ArpState::Incomplete);
  h.receive(arp_frame({ArpOperation::Reply, kPeerMac, kPeerIp, kStackMac, kStackIp}, kStackMac));
  frames = h.take_frames();
  ASSERT_EQ(frames.size(), 2u);
  for (const auto& f : frames) {
    const auto ip = decode_ipv4_frame(f);
    ASSERT_TRUE(ip);
    EXPECT_EQ(ip->eth.destination, kPeerMac);
    EXPECT_EQ(ip->payload, payload);
  }
  EXPECT_TRUE(udp.errors.empty());
  EXPECT_EQ(h.stack.arp().entries()[0].state, net::ArpState::Reachable);
  EXPECT_EQ(h.counter("arp.mac_changes"), 0u);  // an answer, not a change
}

TEST(Arp, RetriesThenReportsHostUnreachable) {
  StackConfig c = default_config();
  c.arp.retry_interval = std::chrono::seconds{1};
  c.arp.max_retries = 3;
  StackHarness h(c);
  FakeTransport tcp;
  h.stack.register_transport(net::IpProtocol::Tcp, tcp);
  const auto segment = pattern(20, 7);
  ASSERT_TRUE(h.stack.ipv4().send_ipv4(wire::Ipv4Address::any(), kPeerIp, net::IpProtocol::Tcp, segment, {}));
  EXPECT_EQ(h.take_frames().size(), 1u);
  EXPECT_EQ(h.stack.next_deadline(), h.now + std::chrono::seconds{1});
  h.advance(std::chrono::seconds{1});
  EXPECT_EQ(h.take_frames().size(), 1u);
  h.advance(std::chrono::seconds{1});
  EXPECT_EQ(h.take_frames().size(), 1u);
  EXPECT_TRUE(tcp.errors.empty());
  h.advance(std::chrono::seconds{1});
  EXPECT_TRUE(h.take_frames().empty());
  ASSERT_EQ(tcp.errors.size(), 1u);
  const auto& e = tcp.errors[0];
  EXPECT_EQ(e.info.kind, net::IcmpErrorInfo::Kind::HostUnreachable);
  EXPECT_EQ(e.info.original_dst, kPeerIp);
  EXPECT_EQ(e.info.original_src, kStackIp);
  EXPECT_EQ(e.info.protocol, net::IpProtocol::Tcp);
  EXPECT_EQ(e.transport_header, segment);
  EXPECT_EQ(to_errno(Errc::HostUnreachable), EHOSTUNREACH);
  EXPECT_TRUE(h.stack.arp().entries().empty());
  EXPECT_EQ(h.counter("arp.resolution_failures"), 1u);
  EXPECT_EQ(h.counter("arp.tx_requests"), 3u);
}

TEST(Arp, PendingQueueIsBounded) {
  StackConfig c = default_config();
  c.arp.queue_per_entry = 2;
  StackHarness h(c);
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(h.stack.ipv4().send_ipv4(wire::Ipv4Address::any(), kPeerIp, net::IpProtocol::Udp,
                                         pattern(8, static_cast<std::uint8_t>(i)), {}));
  }
  EXPECT_EQ(h.counter("arp.queue_dropped_overflow"), 3u);
  h.take_frames();
  h.receive(arp_frame({ArpOperation::Reply, kPeerMac, kPeerIp, kStackMac, kStackIp}, kStackMac));
  const auto frames = h.take_frames();
  ASSERT_EQ(frames.size(), 2u);
  EXPECT_EQ(decode_ipv4_frame(frames[0])->payload, pattern(8, 3));  // the newest are kept
}

TEST(Arp, TableIsBoundedByEvictingResolvedEntries) {
  StackConfig c = default_config();
  c.arp.max_entries = 4;
  StackHarness h(c);
  for (std::uint8_t i = 10; i < 20; ++i) {
    h.learn(wire::Ipv4Address{10, 0, 0, i}, MacAddress{{0x02, 0, 0, 0, 1, i}});
  }
  EXPECT_EQ(h.stack.arp().entries().size(), 4u);
  EXPECT_EQ(h.counter("arp.entries_evicted"), 6u);
}


// A SYN flood from spoofed on-link sources makes the stack resolve address
// after address that nobody answers for. Those incomplete entries may take
// only half the table: they never push out the neighbours that did answer,
// or the real clients' replies would wait for ARP in a table that has no
// room left (tests/e2e/tcp_syn_flood_test.sh). A new resolution still gets
// a place, at the expense of the oldest unanswered one.
TEST(Arp, UnansweredResolutionsCannotEvictResolvedNeighbours) {
  StackConfig c = default_config();
  c.arp.max_entries = 8;
  StackHarness h(c);
  resolve_peer(h);
  for (std::uint8_t i = 10; i < 16; ++i) {  // six stale neighbours: the table has 7 of 8
    h.learn(wire::Ipv4Address{10, 0, 0, i}, MacAddress{{0x02, 0, 0, 0, 1, i}});
  }
  for (std::uint8_t i = 100; i < 120; ++i) {
    ASSERT_TRUE(h.stack.ipv4().send_ipv4(wire::Ipv4Address::any(), wire::Ipv4Address{10, 0, 0, i},
                                         net::IpProtocol::Udp, pattern(8), {}));
  }
  std::size_t incomplete = 0;
  for (const auto& e : h.stack.arp().entries()) incomplete += e.state == net::ArpState::Incomplete;
  // The free place, then three stale neighbours (the oldest first); the
  // reachable peer stays.
  EXPECT_EQ(h.stack.arp().entries().size(), 8u);
  EXPECT_EQ(incomplete, 4u);
  EXPECT_EQ(h.stack.arp().lookup(kPeerIp), kPeerMac);
  h.take_frames();
  ASSERT_TRUE(h.stack.ipv4().send_ipv4(wire::Ipv4Address::any(), kPeerIp, net::IpProtocol::Udp,
                                       pattern(8), {}));
  const auto frames = h.take_frames();
  ASSERT_EQ(frames.size(), 1u);
  EXPECT_EQ(wire::EthernetView::parse(frames[0])->destination(), kPeerMac);
  // The newest resolution is among those kept; its answer completes it.
  const wire::Ipv4Address newest{10, 0, 0, 119};
  EXPECT_TRUE(h.stack.arp().resolving(newest));
  h.receive(arp_frame({ArpOperation::Reply, kMovedMac, newest, kStackMac, kStackIp}, kStackMac));
  EXPECT_EQ(h.stack.arp().lookup(newest), kMovedMac);
  EXPECT_EQ(h.counter("arp.queue_dropped_table_full"), 0u);
}

}  // namespace
}  // namespace tapstack::test
