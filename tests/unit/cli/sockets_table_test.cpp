// `tapstack sockets`: the table a person reads beside `ss -ti`.
#include "client/cli/sockets_table.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace tapstack::cli {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

nlohmann::json tcp_row(int id, const char* state, const char* local, const char* remote, int pid) {
  return {{"id", id},           {"state", state},        {"local", local},
          {"remote", remote},   {"owner_pid", pid},      {"recv_queued", 0},
          {"send_queued", 0},   {"accept_queued", 1},    {"backlog", 16},
          {"snd_una", 1},       {"snd_nxt", 1},          {"rcv_nxt", 78},
          {"snd_wnd", 64256},   {"rcv_wnd", 65535},      {"mss", 1460},
          {"congestion", "cubic"}, {"min_rtt_us", 380},
          {"cwnd", 14600},      {"ssthresh", 2147483647}, {"srtt_us", 404},
          {"rttvar_us", 202},   {"rto_us", 200000},      {"retransmits", 0},
          {"bytes_sent", 5},    {"bytes_received", 77}};
}

nlohmann::json doc() {
  nlohmann::json time_wait = tcp_row(0, "TIME-WAIT", "10.0.0.2:13", "10.0.0.1:40000", 0);
  time_wait["time_wait_left_us"] = 59'812'345;
  return {{"tcp",
           {tcp_row(5, "ESTABLISHED", "10.0.0.2:8080", "10.0.0.1:50000", 4242), time_wait,
            tcp_row(2, "LISTEN", "0.0.0.0:13", "0.0.0.0:0", 0),
            tcp_row(4, "LISTEN", "0.0.0.0:8080", "0.0.0.0:0", 4242)}},
          {"udp",
           {{{"id", 3}, {"local", "10.0.0.2:40001"}, {"remote", "0.0.0.0:0"}, {"owner_pid", 0},
             {"queued_bytes", 0}}}}};
}

std::vector<std::string> lines_of(const std::string& s) {
  std::vector<std::string> out;
  std::size_t start = 0;
  for (std::size_t nl; (nl = s.find('\n', start)) != std::string::npos; start = nl + 1) {
    out.push_back(s.substr(start, nl - start));
  }
  return out;
}

TEST(SocketsTable, IdColumnAndSortedByStateThenLocalAddress) {
  const auto lines = lines_of(sockets_table(doc(), {}));
  ASSERT_EQ(lines.size(), 6u);
  EXPECT_THAT(lines[0], HasSubstr("Id    Proto State"));
  EXPECT_THAT(lines[1], HasSubstr("2     tcp   LISTEN       0.0.0.0:13"));
  EXPECT_THAT(lines[2], HasSubstr("4     tcp   LISTEN       0.0.0.0:8080"));
  EXPECT_THAT(lines[3], HasSubstr("5     tcp   ESTABLISHED"));
  EXPECT_THAT(lines[4], HasSubstr("-     tcp   TIME-WAIT"));
  EXPECT_THAT(lines[5], HasSubstr("3     udp   UNCONN"));
}

TEST(SocketsTable, ListenersAsSsShowsThem) {
  const auto lines = lines_of(sockets_table(doc(), {}));
  EXPECT_THAT(lines[1], HasSubstr("0.0.0.0:*"));  // nobody's peer
  EXPECT_THAT(lines[1], HasSubstr("       1       16  tapstackd"));  // ready / backlog, a service
  EXPECT_THAT(lines[4], HasSubstr("  -"));  // closed by its application
  EXPECT_THAT(lines[3], HasSubstr("  4242"));
}

TEST(SocketsTable, InternalsInTheTraceUnits) {
  const std::string table = sockets_table(doc(), {.internals = true});
  EXPECT_THAT(table, HasSubstr("cubic cwnd 14600 ssthresh inf"));
  EXPECT_THAT(table, HasSubstr("srtt 0.404 ms rttvar 0.202 ms rto 200.000 ms minrtt 0.380 ms"));
  EXPECT_THAT(table, HasSubstr("ssthresh inf"));
  EXPECT_THAT(table, Not(HasSubstr("2147483647")));
  EXPECT_THAT(table, HasSubstr("timer time-wait 59812.345 ms left"));
  // A listener has no connection internals: one line each, no zeros.
  const auto lines = lines_of(table);
  EXPECT_THAT(lines[2], HasSubstr("LISTEN       0.0.0.0:8080"));
  EXPECT_THAT(lines[3], HasSubstr("ESTABLISHED"));
}

TEST(SocketsTable, TimestampsShownOnlyWhenNegotiated) {
  nlohmann::json d = doc();
  EXPECT_THAT(sockets_table(d, {.internals = true}), Not(HasSubstr(" ts ")));
  d["tcp"][0]["timestamps"] = true;
  d["tcp"][0]["ts_recent"] = 123456;
  EXPECT_THAT(sockets_table(d, {.internals = true}), HasSubstr("rcvd 77 ts ts_recent 123456"));
}

TEST(SocketsTable, EcnShownOnlyWhenNegotiated) {
  nlohmann::json d = doc();
  EXPECT_THAT(sockets_table(d, {.internals = true}), Not(HasSubstr(" ecn ")));
  d["tcp"][0]["ecn"] = true;
  d["tcp"][0]["ecn_ce_received"] = 5;
  d["tcp"][0]["ecn_reductions"] = 2;
  d["tcp"][0]["ecn_cwr_sent"] = 2;
  EXPECT_THAT(sockets_table(d, {.internals = true}), HasSubstr("rcvd 77 ecn ce 5 reductions 2 cwr 2"));
}

TEST(SocketsTable, SsFilters) {
  const std::string listening = sockets_table(doc(), {.tcp = true, .listening = true});
  EXPECT_THAT(listening, HasSubstr("LISTEN"));
  EXPECT_THAT(listening, Not(HasSubstr("ESTABLISHED")));
  EXPECT_THAT(listening, Not(HasSubstr("udp")));
  const std::string udp = sockets_table(doc(), {.udp = true});
  EXPECT_THAT(udp, Not(HasSubstr("tcp ")));
  EXPECT_THAT(udp, HasSubstr("UNCONN"));
  EXPECT_THAT(sockets_table(doc(), {.listening = true, .all = true}), HasSubstr("ESTABLISHED"));
}

}  // namespace
}  // namespace tapstack::cli
