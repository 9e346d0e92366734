// Each TCP mechanism shows up as its trace event, under the virtual clock.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "stack/trace_format.hpp"
#include "support/tcp_harness.hpp"

namespace tapstack::tcp::testing {
namespace {

using namespace wire::tcp_flags;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

constexpr std::uint32_t kIrs = 1000;

/// Human lines of the recorded events of one kind.
std::vector<std::string> lines(const TcpHarness& h, TraceKind kind) {
  std::vector<std::string> out;
  for (const auto& e : h.trace.events) {
    if (e.kind == kind) out.push_back(format_trace_line(e));
  }
  return out;
}

/// The reason of every SegmentOut, with its number ("RTO retransmit #1").
std::vector<std::string> out_reasons(const TcpHarness& h) {
  std::vector<std::string> out;
  for (const auto& e : h.trace.events) {
    if (e.kind == TraceKind::SegmentOut) out.push_back(segment_reason(e));
  }
  return out;
}

bool has_reason(const TcpHarness& h, TraceKind kind, const std::string& reason) {
  for (const auto& e : h.trace.events) {
    if (e.kind == kind && reason == e.reason) return true;
  }
  return false;
}

MATCHER_P(Contains, s, "a line containing \"" + std::string(s) + "\"") {
  for (const auto& line : arg) {
    if (line.find(s) != std::string::npos) return true;
  }
  return false;
}

TEST(TraceHandshake, ActiveOpenStatesAndSegments) {
  TcpHarness h;
  h.established_client(kIrs);
  EXPECT_THAT(lines(h, TraceKind::StateChange),
              ElementsAre(HasSubstr("CLOSED → SYN-SENT: connect(): sending SYN"),
                          HasSubstr("SYN-SENT → ESTABLISHED: SYN-ACK acked our SYN")));
  const auto out = lines(h, TraceKind::SegmentOut);
  ASSERT_EQ(out.size(), 2u);
  EXPECT_THAT(out[0], HasSubstr("10.0.0.2:80 > 10.0.0.1:40000"));
  EXPECT_THAT(out[0], HasSubstr("[S]   seq 0 win"));
  EXPECT_THAT(out[0], HasSubstr("<mss 1460,wscale"));
  EXPECT_THAT(out[0], HasSubstr("sackOK,TS val "));  // timestamps offered (RFC 7323)
  EXPECT_THAT(out[0], HasSubstr(" ecr 0>"));
  EXPECT_THAT(out[0], HasSubstr(": SYN"));
  EXPECT_THAT(out[1], HasSubstr("[.]   seq 1 ack 1 win"));
  EXPECT_THAT(out[1], HasSubstr("ACK of SYN-ACK"));
  const auto in = lines(h, TraceKind::SegmentIn);
  ASSERT_EQ(in.size(), 1u);
  EXPECT_THAT(in[0], HasSubstr("10.0.0.2:80 < 10.0.0.1:40000"));
  EXPECT_THAT(in[0], HasSubstr("[S.]  seq 0 ack 1 win 65535 len 0 <mss 1460,wscale 7>"));
}

// A SYN without ACK carries no acknowledgment number worth relating to anything.
TEST(TraceHandshake, SynJsonHasNoRelativeAck) {
  TcpHarness h;
  h.established_client(kIrs);
  const auto syn = std::find_if(h.trace.events.begin(), h.trace.events.end(),
                                [](const TraceEvent& e) { return e.kind == TraceKind::SegmentOut; });
  ASSERT_NE(syn, h.trace.events.end());
  EXPECT_THAT(format_trace_json(*syn), HasSubstr("\"ack_rel\":null"));
}

TEST(TraceHandshake, PassiveOpenStates) {
  TcpHarness h;
  h.established_server(5000);
  EXPECT_THAT(lines(h, TraceKind::StateChange),
              ElementsAre(HasSubstr("CLOSED → SYN-RECEIVED: SYN received on a listening port"),
                          HasSubstr("SYN-RECEIVED → ESTABLISHED: ACK acked our SYN-ACK")));
  EXPECT_THAT(lines(h, TraceKind::SegmentIn), Contains("[S]   seq 0 win 65535 len 0"));
  EXPECT_THAT(out_reasons(h), ElementsAre("SYN-ACK"));
}

TEST(TraceSegments, RelativeAndAbsoluteNumbers) {
  TcpHarness h;
  const SocketId id = h.established_client(kIrs);
  ASSERT_TRUE(h.write(id, "hello").ok());
  const TraceEvent& e = h.trace.events.back();
  ASSERT_EQ(e.kind, TraceKind::SegmentOut);
  EXPECT_THAT(format_trace_line(e), HasSubstr("[P.]  seq 1:6 ack 1 win"));
  EXPECT_THAT(format_trace_line(e, {.absolute = true}),
              HasSubstr("seq " + std::to_string(h.iss + 1) + ":" + std::to_string(h.iss + 6) +
                        " ack " + std::to_string(kIrs + 1)));
  const std::string json = format_trace_json(e);
  EXPECT_THAT(json, HasSubstr("\"kind\":\"seg-out\""));
  EXPECT_THAT(json, HasSubstr("\"seq\":" + std::to_string(h.iss + 1) + ",\"seq_rel\":1"));
  EXPECT_THAT(json, HasSubstr("\"ack_rel\":1"));
  EXPECT_THAT(json, HasSubstr("\"local\":\"10.0.0.2:80\",\"remote\":\"10.0.0.1:40000\""));
  EXPECT_THAT(json, HasSubstr("\"len\":5"));
}

TEST(TraceSegments, SackBlocksAreRelative) {
  TcpHarness h;
  const SocketId id = *h.layer.open();
  ASSERT_TRUE(h.layer.bind(id, kLocal, kLocalPort).ok());
  ASSERT_TRUE(h.layer.connect(id, kRemote, kRemotePort, h.now).ok());
  h.iss = h.out().h.seq;
  SegSpec synack{.flags = Syn | Ack, .seq = kIrs, .ack = h.iss + 1};
  synack.options.sack_permitted = true;
  h.in(synack);
  h.in({.seq = kIrs + 101, .ack = h.iss + 1, .payload = std::string(100, 'x')});
  const auto out = lines(h, TraceKind::SegmentOut);
  EXPECT_THAT(out.back(), HasSubstr("<sack 101:201>"));
  EXPECT_THAT(out.back(), HasSubstr("dup ACK for out-of-order data"));
}

TEST(TraceRtt, SampleCarriesEstimates) {
  TcpHarness h;
  const SocketId id = h.established_client(kIrs);
  ASSERT_TRUE(h.write(id, "x").ok());
  h.advance(50ms);
  h.in({.seq = kIrs + 1, .ack = h.iss + 2});
  const TraceEvent* sample = nullptr;
  for (const auto& e : h.trace.events) {
    if (e.kind == TraceKind::RttSample) sample = &e;
  }
  ASSERT_NE(sample, nullptr);
  EXPECT_EQ(sample->a, 50'000);
  EXPECT_THAT(format_trace_line(*sample), HasSubstr("sample 50.000 ms srtt"));
}

TEST(TraceRetransmit, RtoRetransmitIsNumbered) {
  TcpHarness h;
  const SocketId id = h.established_client(kIrs);
  ASSERT_TRUE(h.write(id, "x").ok());
  h.advance(1s);
  h.advance(2s);
  EXPECT_THAT(out_reasons(h), Contains("RTO retransmit #1"));
  EXPECT_THAT(out_reasons(h), Contains("RTO retransmit #2"));
  EXPECT_TRUE(has_reason(h, TraceKind::Retransmit, "RTO retransmit"));
  EXPECT_THAT(lines(h, TraceKind::CongestionChange), Contains("ssthresh inf → "));
  EXPECT_THAT(lines(h, TraceKind::CongestionChange),
              Contains("RTO: ssthresh = 0.7·cwnd, cwnd = loss window"));
  // Each retransmit line says the RTO in force: doubled on each expiry (RFC 6298 §5.5).
  std::vector<const TraceEvent*> rexmits;
  for (const auto& e : h.trace.events) {
    if (e.kind == TraceKind::Retransmit) rexmits.push_back(&e);
  }
  ASSERT_GE(rexmits.size(), 2u);
  EXPECT_GT(rexmits[0]->d, 0);
  const auto ms = [](std::int64_t us) { return std::to_string(us / 1000) + ".000 ms"; };
  for (std::size_t i = 0; i < rexmits.size(); ++i) {
    if (i > 0) {
      EXPECT_EQ(rexmits[i]->d, 2 * rexmits[i - 1]->d);
    }
    EXPECT_THAT(format_trace_line(*rexmits[i]),
                HasSubstr("retries " + std::to_string(i + 1) + " rto " + ms(rexmits[i]->d)));
  }
  EXPECT_THAT(format_trace_json(*rexmits[1]), HasSubstr("\"rto_us\":" + std::to_string(rexmits[1]->d)));
}

TEST(TraceRetransmit, SynRetransmit) {
  TcpHarness h;
  const SocketId id = *h.layer.open();
  ASSERT_TRUE(h.layer.connect(id, kRemote, kRemotePort, h.now).ok());
  h.advance(1s);
  EXPECT_THAT(out_reasons(h), ElementsAre("SYN", "SYN retransmit #1"));
}

TEST(TraceRetransmit, FastRetransmitAfterThreeDupAcks) {
  TcpHarness h;
  const SocketId id = h.established_client(kIrs);
  ASSERT_TRUE(h.write(id, std::string(1460 * 6, 'd')).ok());
  // The first ACK carries the scaled window (a window change, not a duplicate).
  for (int i = 0; i < 4; ++i) h.in({.seq = kIrs + 1, .ack = h.iss + 1});
  EXPECT_THAT(out_reasons(h), Contains("fast retransmit"));
  EXPECT_THAT(lines(h, TraceKind::CongestionChange),
              Contains("3 dup ACKs: fast retransmit, fast recovery"));
}

TEST(TraceCongestion, SlowStartGrowth) {
  TcpHarness h;
  const SocketId id = h.established_client(kIrs);
  ASSERT_TRUE(h.write(id, std::string(14600, 'd')).ok());  // the whole initial window
  h.in({.seq = kIrs + 1, .ack = h.iss + 1461});
  EXPECT_THAT(lines(h, TraceKind::CongestionChange), Contains("cwnd 14600 → 16060: slow start"));
  // ssthresh is printed only where it changes.
  for (const auto& line : lines(h, TraceKind::CongestionChange)) {
    EXPECT_THAT(line, ::testing::Not(HasSubstr("ssthresh")));
  }
}

// RFC 7661: one small segment in flight does not test a larger window.
TEST(TraceCongestion, NoGrowthWhenNotCwndLimited) {
  TcpHarness h;
  const SocketId id = h.established_client(kIrs);
  ASSERT_TRUE(h.write(id, std::string(1460, 'd')).ok());
  h.in({.seq = kIrs + 1, .ack = h.iss + 1461});
  EXPECT_THAT(lines(h, TraceKind::CongestionChange), IsEmpty());
}

TEST(TraceWindow, ZeroWindowProbe) {
  TcpHarness h;
  const SocketId id = h.established_client(kIrs);
  h.in({.seq = kIrs + 1, .ack = h.iss + 1, .window = 0});
  EXPECT_THAT(lines(h, TraceKind::WindowUpdate), Contains("peer closed its window"));
  ASSERT_TRUE(h.write(id, "data").ok());
  h.advance(2s);
  EXPECT_TRUE(has_reason(h, TraceKind::ZeroWindowProbe, "persist timer: peer's window is zero"));
  EXPECT_THAT(out_reasons(h), Contains("zero-window probe #1"));
  h.in({.seq = kIrs + 1, .ack = h.iss + 1, .window = 100});
  EXPECT_THAT(lines(h, TraceKind::WindowUpdate), Contains("peer reopened its window"));
}

TEST(TraceNagle, HoldAndRelease) {
  TcpHarness h;
  const SocketId id = h.established_client(kIrs);
  ASSERT_TRUE(h.write(id, "a").ok());
  ASSERT_TRUE(h.write(id, "b").ok());
  EXPECT_THAT(lines(h, TraceKind::NagleHold), ElementsAre(HasSubstr("holding 1 bytes, 1 in flight")));
  h.in({.seq = kIrs + 1, .ack = h.iss + 2});
  EXPECT_THAT(lines(h, TraceKind::NagleRelease),
              ElementsAre(HasSubstr("sending 1 bytes: the earlier small segment was acked")));
}

TEST(TraceDelayedAck, ArmedThenFired) {
  TcpHarness h;
  h.established_server(5000);
  h.in({.seq = 5001, .ack = h.iss + 1, .payload = "hi"});
  EXPECT_THAT(lines(h, TraceKind::DelayedAck),
              ElementsAre(HasSubstr("2 bytes unacked: delaying the ACK: timer armed")));
  h.advance(40ms);
  EXPECT_TRUE(has_reason(h, TraceKind::DelayedAck, "timer fired: sending the delayed ACK"));
  EXPECT_EQ(out_reasons(h).back(), "delayed ACK");
}

TEST(TraceDelayedAck, SecondFullSegmentAcksAtOnce) {
  TcpHarness h;
  h.established_server(5000);
  h.in({.seq = 5001, .ack = h.iss + 1, .payload = std::string(1460, 'x')});
  h.in({.seq = 5001 + 1460, .ack = h.iss + 1, .payload = std::string(1460, 'x')});
  EXPECT_TRUE(has_reason(h, TraceKind::DelayedAck, "two full-sized segments unacked: ACK now"));
  EXPECT_EQ(out_reasons(h).back(), "ACK every second full-sized segment");
}

TEST(TraceClose, FourWayCloseAndTimeWait) {
  TcpHarness h;
  const SocketId id = h.established_client(kIrs);
  ASSERT_TRUE(h.layer.shutdown_send(id, h.now).ok());
  h.in({.seq = kIrs + 1, .ack = h.iss + 2});
  h.in({.flags = Fin | Ack, .seq = kIrs + 1, .ack = h.iss + 2});
  EXPECT_THAT(lines(h, TraceKind::StateChange),
              ::testing::IsSupersetOf({HasSubstr("ESTABLISHED → FIN-WAIT-1: close(): sending FIN"),
                                       HasSubstr("FIN-WAIT-1 → FIN-WAIT-2: our FIN acked"),
                                       HasSubstr("FIN-WAIT-2 → TIME-WAIT: peer's FIN received")}));
  EXPECT_THAT(lines(h, TraceKind::TimeWaitEnter), ElementsAre(HasSubstr("expires at 60.000000")));
  EXPECT_THAT(out_reasons(h), Contains("ACK of the peer's FIN"));
  h.advance(60s);
  EXPECT_TRUE(has_reason(h, TraceKind::TimeWaitExpire, "2MSL timer expired"));
  EXPECT_THAT(lines(h, TraceKind::StateChange), Contains("TIME-WAIT → CLOSED"));
}

TEST(TraceDrop, OutOfWindowSegment) {
  TcpHarness h;
  h.established_client(kIrs);
  h.in({.seq = kIrs + 1'000'000, .ack = h.iss + 1, .payload = "late"});
  EXPECT_THAT(lines(h, TraceKind::Drop),
              ElementsAre(HasSubstr("sequence number outside the receive window")));
  EXPECT_EQ(out_reasons(h).back(), "ACK for a dropped segment");
}

TEST(TraceDrop, NoConnectionAnsweredWithRst) {
  TcpHarness h;
  h.in({.flags = Syn, .seq = 7});
  EXPECT_THAT(lines(h, TraceKind::Drop), ElementsAre(HasSubstr("no connection or listener")));
  EXPECT_THAT(out_reasons(h), ElementsAre("RST: no connection"));
}

TEST(TraceDrop, SynInEstablishedDrawsChallengeAck) {
  TcpHarness h;
  h.established_client(kIrs);
  h.in({.flags = Syn, .seq = kIrs + 5});
  EXPECT_THAT(lines(h, TraceKind::Drop), Contains("SYN in a synchronized state (RFC 5961 §4)"));
  EXPECT_EQ(out_reasons(h).back(), "challenge ACK");
}

TEST(TraceSynCookie, CookieSynAckIsLabelled) {
  TcpSettings s;
  s.syn_backlog = 0;
  TcpHarness h(s);
  const SocketId l = *h.layer.open();
  ASSERT_TRUE(h.layer.bind(l, kLocal, kLocalPort).ok());
  ASSERT_TRUE(h.layer.listen(l, 8).ok());
  h.in({.flags = Syn, .seq = 100});
  EXPECT_THAT(out_reasons(h), ElementsAre("SYN-ACK (SYN cookie)"));
}

TEST(TraceFormat, JsonEscapesAndStates) {
  TraceEvent e = make_trace_event(TraceKind::StateChange, SocketId{3}, Instant{} + 1500us,
                                  "a \"quoted\"\nreason");
  e.a = static_cast<std::int64_t>(TcpState::SynSent);
  e.b = static_cast<std::int64_t>(TcpState::Established);
  EXPECT_EQ(format_trace_json(e),
            "{\"t_us\":1500,\"socket\":3,\"kind\":\"state\",\"from\":\"SYN-SENT\","
            "\"to\":\"ESTABLISHED\",\"reason\":\"a \\\"quoted\\\"\\u000areason\"}");
  EXPECT_THAT(format_trace_line(e), HasSubstr("0.001500 #3"));
}

}  // namespace
}  // namespace tapstack::tcp::testing
