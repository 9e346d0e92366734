// RpcServer::introspect: the JSON documents behind `tapstack status`,
// `sockets`, `arp` and `stats` (shapes in docs/rpc.md).
#include <unistd.h>

#include <nlohmann/json.hpp>

#include "daemon/impair_link.hpp"
#include "daemon/rpc_server.hpp"
#include "daemon/stack_driver.hpp"
#include "stack/dns/resolver.hpp"
#include "stack/net/udp_layer.hpp"
#include "stack/stack.hpp"
#include "stack/tcp/tcp_layer.hpp"

namespace tapstack::daemon {
namespace {

using nlohmann::json;

json counters_of(const auto& counters) {
  json out = json::object();
  counters.for_each([&](std::string_view name, std::uint64_t value) { out[std::string(name)] = value; });
  return out;
}

json tcp_socket(const tcp::TcpSocketInfo& s) {
  return json{{"id", s.id.value},
              {"state", tcp::state_name(s.state)},
              {"local", s.local_addr.to_string() + ":" + std::to_string(s.local_port)},
              {"remote", s.remote_addr.to_string() + ":" + std::to_string(s.remote_port)},
              {"snd_una", s.snd_una_rel},
              {"snd_nxt", s.snd_nxt_rel},
              {"rcv_nxt", s.rcv_nxt_rel},
              {"snd_wnd", s.snd_wnd},
              {"rcv_wnd", s.rcv_wnd},
              {"snd_wscale", s.snd_wscale},
              {"rcv_wscale", s.rcv_wscale},
              {"mss", s.mss},
              {"congestion", tcp::congestion_name(s.congestion)},
              {"cwnd", s.cwnd},
              {"ssthresh", s.ssthresh},
              {"srtt_us", s.srtt.count()},
              {"rttvar_us", s.rttvar.count()},
              {"rto_us", s.rto.count()},
              {"min_rtt_us", s.min_rtt.count()},
              {"retransmits", s.retransmits},
              {"bytes_sent", s.bytes_sent},
              {"bytes_received", s.bytes_received},
              {"bytes_acked", s.bytes_acked},
              {"segs_in", s.segs_in},
              {"segs_out", s.segs_out},
              {"keepalive_probes", s.keepalive_probes},
              {"user_timeout_ms", std::chrono::duration_cast<std::chrono::milliseconds>(s.user_timeout).count()},
              {"timestamps", s.timestamps},
              {"ts_recent", s.ts_recent},
              {"ecn", s.ecn},
              {"ecn_ce_received", s.ecn_ce_received},
              {"ecn_reductions", s.ecn_reductions},
              {"ecn_cwr_sent", s.ecn_cwr_sent},
              {"send_queued", s.send_queued},
              {"recv_queued", s.recv_queued},
              {"backlog", s.backlog},
              {"accept_queued", s.accept_queued},
              {"error", describe(s.error)}};
}

/// The built-in services that run, as "echo/tcp" ([services] in the config).
json services_of(const ServiceSettings& s) {
  json out = json::array();
  for (const auto& [on, name] : {std::pair{s.echo, "echo/tcp"}, std::pair{s.discard, "discard/tcp"},
                                 std::pair{s.daytime, "daytime/tcp"},
                                 std::pair{s.chargen, "chargen/tcp"},
                                 std::pair{s.udp_echo, "echo/udp"}}) {
    if (on) out.push_back(name);
  }
  return out;
}

json udp_socket(const net::UdpSocketInfo& s) {
  return json{{"id", s.id.value},
              {"local", s.local_address.to_string() + ":" + std::to_string(s.local_port)},
              {"remote", s.remote_address.to_string() + ":" + std::to_string(s.remote_port)},
              {"queued_datagrams", s.queued_datagrams},
              {"queued_bytes", s.queued_bytes},
              {"rx_datagrams", s.rx_datagrams},
              {"tx_datagrams", s.tx_datagrams},
              {"drops", s.drops}};
}

}  // namespace

std::string RpcServer::introspect(rpc::MessageType type) const {
  json doc = json::object();
  const Stack& stack = stack_.stack;
  switch (type) {
    case rpc::MessageType::Status: {
      const auto& cfg = stack.config();
      const auto up = std::chrono::steady_clock::now() - started_;
      doc = json{{"version", TAPSTACK_VERSION},
                 {"pid", ::getpid()},
                 {"uptime_s", std::chrono::duration_cast<std::chrono::seconds>(up).count()},
                 {"interface",
                  {{"name", stack_.interface},
                   {"offload", stack_.offload},
                   {"mac", cfg.mac.to_string()},
                   {"address", cfg.address.to_string()},
                   {"gateway", cfg.gateway ? cfg.gateway->to_string() : ""},
                   {"mtu", cfg.mtu}}},
                 {"sessions", sessions_.size()},
                 {"sockets", bridges_.size()},
                 {"tcp_sockets", stack_.tcp.list().size()},
                 {"udp_sockets", stack_.udp.list().size()},
                 {"services", services_of(cfg.services)}};
      if (stack_.impairment) doc["impair"] = impairment_json(*stack_.impairment);
      break;
    }
    case rpc::MessageType::Sockets: {
      json tcp = json::array();
      for (const auto& s : stack_.tcp.list()) {
        json row = tcp_socket(s);
        const auto owner = owners_.find(key_of(net::IpProtocol::Tcp, s.id));
        row["owner_pid"] = owner == owners_.end() ? 0 : owner->second;
        if (s.time_wait_expires) {
          row["time_wait_left_us"] = (*s.time_wait_expires - driver_.now()).count();
        }
        if (s.keepalive_expires) {
          row["keepalive_left_us"] = (*s.keepalive_expires - driver_.now()).count();
        }
        tcp.push_back(std::move(row));
      }
      json udp = json::array();
      for (const auto& s : stack_.udp.list()) {
        json row = udp_socket(s);
        const auto owner = owners_.find(key_of(net::IpProtocol::Udp, s.id));
        row["owner_pid"] = owner == owners_.end() ? 0 : owner->second;
        udp.push_back(std::move(row));
      }
      doc = json{{"tcp", std::move(tcp)}, {"udp", std::move(udp)}};
      break;
    }
    case rpc::MessageType::Arp: {
      json entries = json::array();
      for (const auto& e : stack.arp().entries()) {
        entries.push_back(json{{"address", e.ip.to_string()},
                               {"mac", e.mac.to_string()},
                               {"state", net::to_string(e.state)}});
      }
      doc = json{{"entries", std::move(entries)}};
      break;
    }
    case rpc::MessageType::Counters: {
      // "ip.rx_packets" → {"ip": {"rx_packets": n}}
      for (const auto& [name, value] : stack.counters()) {
        const auto dot = name.find('.');
        if (dot == std::string::npos) {
          doc["stack"][name] = value;
        } else {
          doc[name.substr(0, dot)][name.substr(dot + 1)] = value;
        }
      }
      doc["tcp"] = counters_of(stack_.tcp.counters());
      doc["udp"] = counters_of(stack_.udp.counters());
      doc["dns"] = counters_of(stack_.resolver.counters());
      break;
    }
    default:
      break;
  }
  return doc.dump();
}

}  // namespace tapstack::daemon
