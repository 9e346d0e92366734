#include "client/cli/sockets_table.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <string_view>
#include <tuple>
#include <vector>

namespace tapstack::cli {
namespace {

using nlohmann::json;

/// RFC 5681 §3.1's "arbitrarily high" initial ssthresh, as the stack keeps it.
constexpr std::int64_t kInfiniteSsthresh = 0x7fffffff;

constexpr std::array<std::string_view, 11> kStateOrder = {
    "LISTEN",     "SYN-SENT",   "SYN-RECEIVED", "ESTABLISHED", "FIN-WAIT-1", "FIN-WAIT-2",
    "CLOSE-WAIT", "CLOSING",    "LAST-ACK",     "TIME-WAIT",   "CLOSED"};

std::string text(const json& v) { return v.is_string() ? v.get<std::string>() : v.dump(); }
std::int64_t number(const json& v) { return v.is_number() ? v.get<std::int64_t>() : 0; }

/// Microseconds as the trace shows them: milliseconds with three decimals.
std::string millis(std::int64_t micros) {
  char buf[48];
  std::snprintf(buf, sizeof buf, "%lld.%03lld ms", static_cast<long long>(micros / 1000),
                static_cast<long long>(micros % 1000));
  return buf;
}

/// "a.b.c.d:port" as one number, for sorting.
std::uint64_t address_key(const std::string& endpoint) {
  const auto colon = endpoint.rfind(':');
  in_addr a{};
  if (colon == std::string::npos || inet_pton(AF_INET, endpoint.substr(0, colon).c_str(), &a) != 1) {
    return 0;
  }
  return (std::uint64_t{ntohl(a.s_addr)} << 16) | std::stoul(endpoint.substr(colon + 1));
}

/// A peer nobody is connected to, as ss shows it: "0.0.0.0:*".
std::string peer_of(const json& s) {
  const std::string remote = text(s["remote"]);
  return remote == "0.0.0.0:0" ? "0.0.0.0:*" : remote;
}

/// "PID/name" for a client's socket, "tapstackd" for a built-in service's,
/// "-" for a connection its application has closed (it has no id any more).
std::string process_of(const json& s) {
  const std::int64_t pid = number(s["owner_pid"]);
  if (pid == 0) return number(s["id"]) == 0 ? "-" : "tapstackd";
  std::string name;
  std::ifstream comm("/proc/" + std::to_string(pid) + "/comm");
  std::getline(comm, name);
  return std::to_string(pid) + (name.empty() ? "" : "/" + name);
}

struct Row {
  std::size_t state_rank;
  std::uint64_t local_key;
  std::string line;
};

std::string row_line(const std::string& id, const char* proto, const std::string& state,
                     const json& s, const std::string& recv_q, const std::string& send_q) {
  char buf[256];
  std::snprintf(buf, sizeof buf, "%-5s %-5s %-12s %-21s %-21s %8s %8s  %s\n", id.c_str(), proto,
                state.c_str(), text(s["local"]).c_str(), peer_of(s).c_str(), recv_q.c_str(),
                send_q.c_str(), process_of(s).c_str());
  return buf;
}

std::string ssthresh_text(const json& v) {
  return number(v) >= kInfiniteSsthresh ? "inf" : text(v);
}

/// RFC 7323 timestamps, when negotiated: the flag ss shows, and the TSval echoed.
std::string timestamps_text(const json& s) {
  if (!s.value("timestamps", false)) return "";
  return " ts ts_recent " + text(s["ts_recent"]);
}

/// RFC 3168 ECN, when negotiated: ss's flag, then CE marks received and the
/// sender's reductions for ECE and CWRs sent.
std::string ecn_text(const json& s) {
  if (!s.value("ecn", false)) return "";
  return " ecn ce " + text(s.value("ecn_ce_received", json(0))) + " reductions " +
         text(s.value("ecn_reductions", json(0))) + " cwr " +
         text(s.value("ecn_cwr_sent", json(0)));
}

/// The keep-alive timer while it runs (ss's timer:(keepalive,…,probes)),
/// and TCP_USER_TIMEOUT when set.
std::string options_text(const json& s) {
  std::string out;
  if (s.contains("keepalive_left_us")) {
    out += " timer:(keepalive," + millis(number(s["keepalive_left_us"])) + "," +
           text(s.value("keepalive_probes", json(0))) + ")";
  }
  if (s.value("user_timeout_ms", 0) != 0) out += " user_timeout:" + text(s["user_timeout_ms"]) + "ms";
  return out;
}

/// ss -ti's second line, in the trace's words and units.
std::string internals(const json& s, const std::string& state) {
  if (state == "LISTEN") return "";
  if (state == "TIME-WAIT") {
    return s.contains("time_wait_left_us")
               ? "      timer time-wait " + millis(number(s["time_wait_left_us"])) + " left\n"
               : "";
  }
  return "      snd_una " + text(s["snd_una"]) + " snd_nxt " + text(s["snd_nxt"]) + " rcv_nxt " +
         text(s["rcv_nxt"]) + " snd_wnd " + text(s["snd_wnd"]) + " rcv_wnd " + text(s["rcv_wnd"]) +
         " mss " + text(s["mss"]) + "\n      " + text(s["congestion"]) + " cwnd " +
         text(s["cwnd"]) + " ssthresh " + ssthresh_text(s["ssthresh"]) + " srtt " +
         millis(number(s["srtt_us"])) + " rttvar " + millis(number(s["rttvar_us"])) +
         " rto " + millis(number(s["rto_us"])) + " minrtt " + millis(number(s["min_rtt_us"])) +
         " retrans " + text(s["retransmits"]) + " sent " + text(s["bytes_sent"]) + " rcvd " +
         text(s["bytes_received"]) + timestamps_text(s) + ecn_text(s) + options_text(s) + "\n";
}

std::size_t rank_of(const std::string& state) {
  return static_cast<std::size_t>(std::find(kStateOrder.begin(), kStateOrder.end(), state) -
                                  kStateOrder.begin());
}

bool shown(bool listening, const SocketsView& v) { return v.all || !v.listening || listening; }

std::string id_of(const json& s) { return number(s["id"]) == 0 ? "-" : text(s["id"]); }

}  // namespace

std::string sockets_table(const json& doc, const SocketsView& view) {
  std::vector<Row> rows;
  const bool both = view.tcp == view.udp;
  if (both || view.tcp) {
    for (const auto& s : doc["tcp"]) {
      const std::string state = text(s["state"]);
      const bool listener = state == "LISTEN";
      if (!shown(listener, view)) continue;
      // A listener's queues, as ss shows them: connections ready / backlog.
      std::string line = row_line(id_of(s), "tcp", state, s,
                                  text(listener ? s["accept_queued"] : s["recv_queued"]),
                                  text(listener ? s["backlog"] : s["send_queued"]));
      if (view.internals) line += internals(s, state);
      rows.push_back({rank_of(state), address_key(text(s["local"])), line});
    }
  }
  if (both || view.udp) {
    for (const auto& s : doc["udp"]) {
      const bool unconnected = text(s["remote"]) == "0.0.0.0:0";
      if (!shown(unconnected, view)) continue;
      rows.push_back({kStateOrder.size() + 1, address_key(text(s["local"])),
                      row_line(id_of(s), "udp", unconnected ? "UNCONN" : "ESTAB", s,
                               text(s["queued_bytes"]), "0")});
    }
  }
  std::stable_sort(rows.begin(), rows.end(), [](const Row& a, const Row& b) {
    return std::tie(a.state_rank, a.local_key) < std::tie(b.state_rank, b.local_key);
  });
  char header[160];
  std::snprintf(header, sizeof header, "%-5s %-5s %-12s %-21s %-21s %8s %8s  %s\n", "Id", "Proto",
                "State", "Local", "Peer", "Recv-Q", "Send-Q", "PID/Program");
  std::string out = header;
  for (const auto& r : rows) out += r.line;
  return out;
}

}  // namespace tapstack::cli
