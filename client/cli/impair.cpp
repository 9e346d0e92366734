#include "client/cli/impair.hpp"

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <vector>

#include "client/cli/cli.hpp"
#include "client/lib/connection.hpp"

namespace tapstack::cli {
namespace {

using nlohmann::json;

const std::vector<std::string> kMatches = {"syn-ack", "syn", "fin", "rst", "ack", "data", "any"};

std::uint32_t ppm(double percent) { return static_cast<std::uint32_t>(std::lround(percent * 10'000)); }

std::uint8_t directions_of(const std::string& dir) {
  if (dir == "in") return 1;
  if (dir == "out") return 2;
  return 3;
}

std::uint8_t match_of(const std::string& name) {
  for (std::size_t i = 0; i < kMatches.size(); ++i) {
    if (kMatches[i] == name) return static_cast<std::uint8_t>(i + 1);
  }
  return 0;
}

/// The Set request for the random impairments given, if any were.
std::optional<rpc::ImpairRequest> set_request(const ImpairOptions& o) {
  rpc::ImpairRequest r;
  r.action = rpc::ImpairAction::Set;
  r.directions = directions_of(o.dir);
  auto percent = [&](const std::optional<double>& v, std::uint16_t field, std::uint32_t& out) {
    if (!v) return;
    r.fields |= field;
    out = ppm(*v);
  };
  percent(o.loss, rpc::kImpairLoss, r.loss_ppm);
  percent(o.dup, rpc::kImpairDuplicate, r.duplicate_ppm);
  percent(o.reorder, rpc::kImpairReorder, r.reorder_ppm);
  percent(o.corrupt, rpc::kImpairCorrupt, r.corrupt_ppm);
  if (o.delay_ms) {
    r.fields |= rpc::kImpairDelay;
    r.delay_us = *o.delay_ms * 1000;
  }
  if (o.jitter_ms) {
    r.fields |= rpc::kImpairJitter;
    r.jitter_us = *o.jitter_ms * 1000;
  }
  if (o.rate) {
    r.fields |= rpc::kImpairRate;
    r.rate = *o.rate;
  }
  if (o.seed) {
    r.fields |= rpc::kImpairSeed;
    r.seed = *o.seed;
  }
  if (r.fields == 0) return std::nullopt;
  return r;
}

/// The requests the options stand for, in order: clear, set, one-shot faults.
std::vector<rpc::ImpairRequest> requests_of(const ImpairOptions& o) {
  std::vector<rpc::ImpairRequest> out;
  if (o.clear) out.push_back({.action = rpc::ImpairAction::Clear});
  if (auto set = set_request(o)) out.push_back(*set);
  if (!o.drop_next.empty()) {
    out.push_back({.action = rpc::ImpairAction::DropNext, .directions = directions_of(o.dir),
                   .match = match_of(o.drop_next), .count = o.count,
                   .port = static_cast<std::uint16_t>(o.port), .socket = o.socket});
  }
  if (o.delay_next_ack_ms) {
    out.push_back({.action = rpc::ImpairAction::DelayNext, .directions = directions_of(o.dir),
                   .delay_us = *o.delay_next_ack_ms * 1000, .match = 5, .count = o.count,
                   .port = static_cast<std::uint16_t>(o.port), .socket = o.socket});
  }
  if (out.empty()) out.push_back({});  // show
  return out;
}

std::string text(const json& v) { return v.is_string() ? v.get<std::string>() : v.dump(); }

std::string percent_text(const json& v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g%%", v.is_number() ? v.get<double>() : 0.0);
  return buf;
}

void print_direction(const char* label, const json& d) {
  const bool limited = d["rate"].is_number() && d["rate"].get<double>() > 0;
  std::printf("  %-22s loss %s  dup %s  reorder %s  corrupt %s  delay %s ms  jitter %s ms  rate %s\n",
              label, percent_text(d["loss"]).c_str(), percent_text(d["duplicate"]).c_str(),
              percent_text(d["reorder"]).c_str(), percent_text(d["corrupt"]).c_str(),
              text(d["delay_ms"]).c_str(), text(d["jitter_ms"]).c_str(),
              limited ? (text(d["rate"]) + " B/s").c_str() : "unlimited");
  std::string line;
  for (const auto& [name, value] : d["counters"].items()) line += " " + name + " " + text(value);
  std::printf("  %-22s%s\n", "", line.c_str());
}

const char* hint_for(int error) {
  switch (error) {
    case EPERM: return " (only root or the daemon's user may change the impairment)";
    case ENOENT: return " (--socket: no TCP socket with that id; see `tapstack sockets`)";
    case ENOTCONN: return " (--socket: that socket has no peer yet)";
    default: return "";
  }
}

}  // namespace

void print_impairment(const json& i) {
  if (!i.is_object()) return;
  std::printf("impairment %s (seed %s)\n", i["active"].get<bool>() ? "on" : "off",
              text(i["seed"]).c_str());
  print_direction("in (to the stack):", i["in"]);
  print_direction("out (from the stack):", i["out"]);
  for (const auto& f : i["faults"]) {
    std::printf("  pending: %s the next %s %s segment(s)", text(f["action"]).c_str(),
                text(f["count"]).c_str(), text(f["match"]).c_str());
    if (f["port"].get<int>() != 0) std::printf(" of port %s", text(f["port"]).c_str());
    if (f.value("socket", 0u) != 0) {
      std::printf(" of socket #%s (%s %s)", text(f["socket"]).c_str(), text(f["local"]).c_str(),
                  text(f["remote"]).c_str());
    }
    if (text(f["action"]) == "delay") std::printf(" by %s ms", text(f["delay_ms"]).c_str());
    std::printf(", direction %s\n", text(f["direction"]).c_str());
  }
}

CLI::App* add_impair_command(CLI::App& app, ImpairOptions& o) {
  auto* cmd = app.add_subcommand(
      "impair", "show or change the link impairment (loss, delay, one-shot faults); alone: show");
  cmd->add_option("--dir", o.dir, "direction: in (to the stack), out, or both")
      ->check(CLI::IsMember({"in", "out", "both"}));
  const auto percent = CLI::Range(0.0, 100.0);
  cmd->add_option("--loss", o.loss, "percent of frames dropped")->check(percent);
  cmd->add_option("--dup", o.dup, "percent of frames duplicated")->check(percent);
  cmd->add_option("--reorder", o.reorder, "percent of frames held back (reordered)")->check(percent);
  cmd->add_option("--corrupt", o.corrupt, "percent of frames with a flipped bit")->check(percent);
  cmd->add_option("--delay", o.delay_ms, "delay in ms")->check(CLI::Range(0u, 10'000u));
  cmd->add_option("--jitter", o.jitter_ms, "random extra delay up to MS")->check(CLI::Range(0u, 10'000u));
  cmd->add_option("--rate", o.rate, "rate limit in bytes/s (0: unlimited)");
  cmd->add_option("--seed", o.seed, "seed for the random decisions");
  cmd->add_option("--drop-next", o.drop_next, "drop the next segment(s) of this kind")
      ->check(CLI::IsMember(kMatches));
  cmd->add_option("--delay-next-ack", o.delay_next_ack_ms, "delay the next pure ACK by MS")
      ->check(CLI::Range(1u, 10'000u));
  cmd->add_option("--count", o.count, "how many segments the one-shot fault applies to")
      ->check(CLI::Range(1u, 1'000'000u));
  auto* port = cmd->add_option("--port", o.port, "only segments from or to this port")
                   ->check(CLI::Range(1u, 65535u));
  cmd->add_option("--socket", o.socket,
                  "only segments of this TCP socket's connection, both ways (an id from "
                  "`tapstack sockets`)")
      ->check(CLI::Range(1u, 0xffffffffu))
      ->excludes(port);
  cmd->add_flag("--clear", o.clear, "switch every impairment off");
  return cmd;
}

int cmd_impair(const ImpairOptions& options, const std::string& socket_path, bool as_json) {
  client::Connection connection;
  std::string message;
  if (const int e = connection.open(client::daemon_path(socket_path), message); e != 0) {
    std::fprintf(stderr, "tapstack: impair: %s\n", message.empty() ? std::strerror(e) : message.c_str());
    return kNoDaemon;
  }
  std::string reply;
  for (const auto& request : requests_of(options)) {
    const auto r = connection.call(rpc::MessageType::Impair, request);
    const int e = r.error != 0 ? r.error : r.reply.error;
    if (e != 0) {
      std::fprintf(stderr, "tapstack: impair: %s%s\n", std::strerror(e), hint_for(e));
      return e == EINVAL ? kUsage : kFailed;
    }
    reply = std::get<rpc::JsonReply>(r.reply.body).json;
  }
  if (as_json) {
    std::printf("%s\n", reply.c_str());
    return kOk;
  }
  const json doc = json::parse(reply, nullptr, false);
  if (doc.is_discarded()) {
    std::fprintf(stderr, "tapstack: the daemon sent malformed JSON\n");
    return kFailed;
  }
  print_impairment(doc);
  return kOk;
}

}  // namespace tapstack::cli
