// status, sockets, arp, stats: the daemon's JSON as tables (or as is with --json).
#include <cstdio>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <string>

#include "client/cli/cli.hpp"
#include "client/cli/impair.hpp"
#include "client/cli/sockets_table.hpp"
#include "tapstack/tapstack.h"

namespace tapstack::cli {
namespace {

using nlohmann::json;

std::string text(const json& v) { return v.is_string() ? v.get<std::string>() : v.dump(); }

void print_status(const json& d) {
  std::printf("tapstackd %s (pid %s), up %s s\n", text(d["version"]).c_str(),
              text(d["pid"]).c_str(), text(d["uptime_s"]).c_str());
  const auto& i = d["interface"];
  std::printf("  interface %s  address %s  gateway %s  mac %s  mtu %s  offload %s\n",
              text(i["name"]).c_str(), text(i["address"]).c_str(), text(i["gateway"]).c_str(),
              text(i["mac"]).c_str(), text(i["mtu"]).c_str(), i.value("offload", false) ? "on" : "off");
  std::printf("  sessions %s  client sockets %s  tcp %s  udp %s\n", text(d["sessions"]).c_str(),
              text(d["sockets"]).c_str(), text(d["tcp_sockets"]).c_str(),
              text(d["udp_sockets"]).c_str());
  std::string services;
  for (const auto& s : d["services"]) services += " " + text(s);
  std::printf("  services%s\n", services.empty() ? " none" : services.c_str());
  if (!d.contains("impair")) return;
  if (d["impair"].value("active", false)) {
    print_impairment(d["impair"]);
  } else {
    std::printf("  impairment off\n");
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

std::string interface_field(const std::string& key) {
  char* raw = nullptr;
  if (ts_introspect("status", &raw) != 0) return "";
  const auto doc = json::parse(raw, nullptr, false);
  std::free(raw);
  if (doc.is_discarded() || !doc.contains("interface")) return "";
  const auto& value = doc["interface"].value(key, json());
  return value.is_string() ? value.get<std::string>() : "";
}

int cmd_introspect(const std::string& what, bool as_json, const SocketsView& view) {
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
  if (what == "sockets") std::printf("%s", sockets_table(doc, view).c_str());
  if (what == "arp") print_arp(doc);
  if (what == "counters") print_counters(doc);
  return kOk;
}

}  // namespace tapstack::cli
