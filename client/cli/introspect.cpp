// status, sockets, arp, stats: the daemon's JSON as tables (or as is with --json).
#include <cstdio>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <string>

#include "client/cli/cli.hpp"
#include "client/cli/impair.hpp"
#include "tapstack/tapstack.h"

namespace tapstack::cli {
namespace {

using nlohmann::json;

std::string text(const json& v) { return v.is_string() ? v.get<std::string>() : v.dump(); }

void print_status(const json& d) {
  std::printf("tapstackd %s (pid %s), up %s s\n", text(d["version"]).c_str(),
              text(d["pid"]).c_str(), text(d["uptime_s"]).c_str());
  const auto& i = d["interface"];
  std::printf("  address %s  gateway %s  mac %s  mtu %s\n", text(i["address"]).c_str(),
              text(i["gateway"]).c_str(), text(i["mac"]).c_str(), text(i["mtu"]).c_str());
  std::printf("  sessions %s  client sockets %s  tcp %s  udp %s\n", text(d["sessions"]).c_str(),
              text(d["sockets"]).c_str(), text(d["tcp_sockets"]).c_str(),
              text(d["udp_sockets"]).c_str());
  if (!d.contains("impair")) return;
  if (d["impair"].value("active", false)) {
    print_impairment(d["impair"]);
  } else {
    std::printf("  impairment off\n");
  }
}

void print_sockets(const json& d, bool internals) {
  std::printf("%-5s %-12s %-21s %-21s %8s %8s %7s\n", "Proto", "State", "Local", "Peer", "Recv-Q",
              "Send-Q", "Pid");
  for (const auto& s : d["tcp"]) {
    std::printf("%-5s %-12s %-21s %-21s %8s %8s %7s\n", "tcp", text(s["state"]).c_str(),
                text(s["local"]).c_str(), text(s["remote"]).c_str(), text(s["recv_queued"]).c_str(),
                text(s["send_queued"]).c_str(), text(s["owner_pid"]).c_str());
    if (internals) {
      std::printf(
          "      snd_una %s snd_nxt %s rcv_nxt %s snd_wnd %s rcv_wnd %s mss %s cwnd %s "
          "ssthresh %s\n      srtt %sus rttvar %sus rto %sus retrans %s sent %s rcvd %s\n",
          text(s["snd_una"]).c_str(), text(s["snd_nxt"]).c_str(), text(s["rcv_nxt"]).c_str(),
          text(s["snd_wnd"]).c_str(), text(s["rcv_wnd"]).c_str(), text(s["mss"]).c_str(),
          text(s["cwnd"]).c_str(), text(s["ssthresh"]).c_str(), text(s["srtt_us"]).c_str(),
          text(s["rttvar_us"]).c_str(), text(s["rto_us"]).c_str(), text(s["retransmits"]).c_str(),
          text(s["bytes_sent"]).c_str(), text(s["bytes_received"]).c_str());
    }
  }
  for (const auto& s : d["udp"]) {
    std::printf("%-5s %-12s %-21s %-21s %8s %8s %7s\n", "udp", "-", text(s["local"]).c_str(),
                text(s["remote"]).c_str(), text(s["queued_bytes"]).c_str(), "0",
                text(s["owner_pid"]).c_str());
  }
}

void print_arp(const json& d) {
  std::printf("%-16s %-18s %s\n", "Address", "HWaddress", "State");
  for (const auto& e : d["entries"]) {
    std::printf("%-16s %-18s %s\n", text(e["address"]).c_str(), text(e["mac"]).c_str(),
                text(e["state"]).c_str());
  }
}

void print_counters(const json& d) {
  for (const auto& [layer, counters] : d.items()) {
    std::printf("%s:\n", layer.c_str());
    if (!counters.is_object()) continue;
    for (const auto& [name, value] : counters.items()) {
      std::printf("    %-32s %s\n", name.c_str(), text(value).c_str());
    }
  }
}

}  // namespace

int cmd_introspect(const std::string& what, bool as_json, bool internals) {
  char* raw = nullptr;
  if (ts_introspect(what.c_str(), &raw) != 0) {
    print_error(what);
    return kFailed;
  }
  const std::string body = raw;
  std::free(raw);
  if (as_json) {
    std::printf("%s\n", body.c_str());
    return kOk;
  }
  const json doc = json::parse(body, nullptr, false);
  if (doc.is_discarded()) {
    std::fprintf(stderr, "tapstack: the daemon sent malformed JSON\n");
    return kFailed;
  }
  if (what == "status") print_status(doc);
  if (what == "sockets") print_sockets(doc, internals);
  if (what == "arp") print_arp(doc);
  if (what == "counters") print_counters(doc);
  return kOk;
}

}  // namespace tapstack::cli
