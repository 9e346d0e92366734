// The configuration schema: the one table of every section and key.
//
// Recipe: to add a key
//   1. add the field, with its default, to its section struct in config.hpp
//      (a new section: a new struct, a member of Config, a SectionOf below and
//      an entry in the table);
//   2. add one line to the section's list in build_sections() below:
//        ip.integer("ttl", &IpConfig::ttl, {1, 255}, "what it means"),
//      with boolean(), integer() (integer types and std::chrono durations;
//      duration keys end in _ms and hold milliseconds), text<T>() (a string
//      through a parser returning the T or a Refusal; name T explicitly),
//      optional_text<T>() ("none" or a left-out key gives nullopt) or custom();
//   3. if it constrains another key, add a Rule in build_rules();
//   4. add it, commented, to config/tapstack.toml (a unit test checks that the
//      shipped file has every key and equals the defaults of config.hpp).
// Unknown keys, wrong types, ranges, positions and --set overrides are handled
// for every key by config.cpp.
#include "config/schema.hpp"

#include <array>
#include <cstdio>
#include <limits>
#include <type_traits>

#include "config/schema_builders.hpp"

namespace tapstack::config::schema {
namespace {

using wire::Ipv4Address;
using wire::Ipv4Cidr;
using wire::MacAddress;

constexpr std::size_t kMaxInterfaceName = 15;  // IFNAMSIZ - 1 (Linux)
constexpr std::size_t kMaxSocketPath = 107;    // sizeof(sockaddr_un::sun_path) - 1
constexpr std::size_t kMaxGroupName = 32;      // useradd/groupadd's limit

bool is_space(char c) { return c == ' ' || (c >= '\t' && c <= '\r'); }

// Linux's dev_valid_name(): 1..15 bytes, not "." or "..", no '/', ':' or space.
Parsed<std::string> parse_interface_name(std::string_view text) {
  if (text.empty() || text.size() > kMaxInterfaceName) return Refusal{"is not 1 to 15 bytes long"};
  if (text == "." || text == "..") return Refusal{"is not a valid interface name"};
  for (char c : text) {
    if (c == '/' || c == ':' || is_space(c)) return Refusal{"contains '/', ':' or a space"};
  }
  return std::string(text);
}

Parsed<std::optional<MacAddress>> parse_mac(std::string_view text) {
  if (text == "auto") return std::optional<MacAddress>{};
  const auto mac = MacAddress::parse(text);
  if (!mac) return Refusal{"is not a MAC address"};
  // The group bit (IEEE 802-2014 §8.2) would make every frame we send multicast.
  if (mac->is_multicast()) return Refusal{"is a multicast MAC address"};
  if (mac->is_zero()) return Refusal{"is the all-zero MAC address"};
  return std::optional<MacAddress>{*mac};
}

// A unicast host address: not 0/8's 0.0.0.0, loopback, multicast or 240/4
// (reserved, RFC 1112 §4, and the limited broadcast).
bool is_host_address(Ipv4Address address) {
  return !address.is_unspecified() && !address.is_loopback() && !address.is_multicast() &&
         (address.value() >> 28) != 0xf;
}

Parsed<Ipv4Address> parse_host_address(std::string_view text) {
  const auto address = Ipv4Address::parse(text);
  if (!address) return Refusal{"is not an IPv4 address"};
  if (!is_host_address(*address)) return Refusal{"is not a unicast address"};
  return *address;
}

// An address of the subnet that is not its network or broadcast address
// (RFC 1122 §3.2.1.3); /31 and /32 have neither (RFC 3021).
Parsed<Ipv4Cidr> parse_host_cidr(std::string_view text) {
  const auto cidr = Ipv4Cidr::parse(text);
  if (!cidr) return Refusal{"is not an IPv4 address with a prefix length"};
  if (cidr->prefix_len == 0) return Refusal{"has prefix length 0"};
  if (!is_host_address(cidr->address)) return Refusal{"is not a unicast address"};
  if (cidr->prefix_len <= 30 && cidr->address == cidr->network()) {
    return Refusal{"is the subnet's network address"};
  }
  if (cidr->prefix_len <= 30 && cidr->address == cidr->subnet_broadcast()) {
    return Refusal{"is the subnet's broadcast address"};
  }
  return *cidr;
}

Parsed<std::string> parse_socket_path(std::string_view text) {
  if (text.empty() || text.front() != '/') return Refusal{"is not an absolute path"};
  if (text.size() > kMaxSocketPath) return Refusal{"is longer than 107 bytes"};
  if (text.find('\0') != std::string_view::npos) return Refusal{"contains a NUL byte"};
  return std::string(text);
}

// [capture] file: "" (none) or an absolute path.
Parsed<std::string> parse_capture_path(std::string_view text) {
  if (text.empty()) return std::string();
  if (text.front() != '/') return Refusal{"is not an absolute path"};
  if (text.find('\0') != std::string_view::npos) return Refusal{"contains a NUL byte"};
  return std::string(text);
}

Parsed<std::string> parse_group(std::string_view text) {
  if (text.size() > kMaxGroupName) return Refusal{"is longer than 32 bytes"};
  for (char c : text) {
    if (c == ':' || is_space(c)) return Refusal{"contains ':' or a space"};
  }
  return std::string(text);
}

constexpr std::array kLevels{LogLevel::Trace, LogLevel::Debug, LogLevel::Info,
                             LogLevel::Warn,  LogLevel::Error, LogLevel::Off};

Parsed<LogLevel> parse_level(std::string_view text) {
  for (auto level : kLevels) {
    if (to_string(level) == text) return level;
  }
  return Refusal{"is not a log level"};
}

// [tcp] congestion: the config spells NewReno "newreno"; TCP_CONGESTION says "reno", as Linux.
Parsed<tcp::CongestionAlgorithm> parse_congestion(std::string_view text) {
  if (text == "cubic") return tcp::CongestionAlgorithm::Cubic;
  if (text == "newreno") return tcp::CongestionAlgorithm::NewReno;
  return Refusal{"is not a congestion control algorithm"};
}

Parsed<tcp::EcnMode> parse_ecn(std::string_view text) {
  if (text == "off") return tcp::EcnMode::Off;
  if (text == "passive") return tcp::EcnMode::Passive;
  if (text == "on") return tcp::EcnMode::On;
  return Refusal{"is not an ECN mode"};
}

// "0660", "660" or "0o660": octal digits only, as chmod(1) takes them.
std::optional<std::int64_t> parse_octal(std::string_view text) {
  if (text.substr(0, 2) == "0o") text.remove_prefix(2);
  if (text.empty() || text.size() > 8) return std::nullopt;
  std::int64_t value = 0;
  for (char c : text) {
    if (c < '0' || c > '7') return std::nullopt;
    value = value * 8 + (c - '0');
  }
  return value;
}

std::optional<Problem> apply_mode(const Value& value, RpcConfig& rpc) {
  std::int64_t mode = value.integer;
  if (value.type == Type::String) {
    const auto parsed = parse_octal(value.string);
    if (!parsed) return value.written + " is not an octal number";
    mode = *parsed;
  } else if (value.type != Type::Integer) {
    return "expected an integer or a string, got " + std::string(describe(value.type));
  }
  if (mode < 0 || mode > 0777) return value.written + " is out of range";
  rpc.mode = static_cast<std::uint32_t>(mode);
  return std::nullopt;
}

// "10.0.0.1" or "10.0.0.1:5353".
Parsed<DnsServer> parse_dns_server(std::string_view text) {
  DnsServer server;
  const auto colon = text.find(':');
  if (colon != std::string_view::npos) {
    const auto port_text = text.substr(colon + 1);
    unsigned port = 0;
    for (char c : port_text) {
      if (c < '0' || c > '9') return Refusal{"has a port that is not a number"};
      if (port <= 65535) port = port * 10 + static_cast<unsigned>(c - '0');
    }
    if (port_text.empty() || port == 0 || port > 65535) return Refusal{"has a port outside 1..65535"};
    server.port = static_cast<std::uint16_t>(port);
    text = text.substr(0, colon);
  }
  const auto address = parse_host_address(text);
  if (const auto* refusal = std::get_if<Refusal>(&address)) return *refusal;
  server.address = std::get<Ipv4Address>(address);
  return server;
}

// An /etc/hosts line: "10.0.0.1 gateway.test gw".
Parsed<HostsEntry> parse_hosts_line(std::string_view text) {
  std::vector<std::string> words;
  std::size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && is_space(text[i])) ++i;
    const std::size_t start = i;
    while (i < text.size() && !is_space(text[i])) ++i;
    if (i > start) words.emplace_back(text.substr(start, i - start));
  }
  if (words.size() < 2) return Refusal{"is not \"ADDRESS NAME...\""};
  const auto address = Ipv4Address::parse(words.front());
  if (!address) return Refusal{"does not start with an IPv4 address"};
  for (std::size_t w = 1; w < words.size(); ++w) {
    if (words[w].size() > 253) return Refusal{"has a name longer than 253 bytes"};
  }
  return HostsEntry{*address, {words.begin() + 1, words.end()}};
}

// A key whose value is an array of strings, each converted by `parse`.
template <class S, class T>
Key string_list(const SectionOf<S>& section, std::string_view name, std::vector<T> S::*field,
                Parser<T> parse, std::string allowed, std::string_view doc) {
  return section.custom(name, std::move(allowed), doc,
                        [field, parse](const Value& value, S& out) -> std::optional<Problem> {
                          if (value.type != Type::Array) {
                            return "expected an array of strings, got " +
                                   std::string(describe(value.type));
                          }
                          std::vector<T> items;
                          for (const auto& item : value.items) {
                            if (item.type != Type::String) {
                              return "expected an array of strings, found " +
                                     std::string(describe(item.type));
                            }
                            auto parsed = parse(item.string);
                            if (auto* refusal = std::get_if<Refusal>(&parsed)) {
                              return item.written + " " + refusal->why;
                            }
                            items.push_back(std::get<T>(std::move(parsed)));
                          }
                          out.*field = std::move(items);
                          return std::nullopt;
                        },
                        same_field(field));
}

// [impair]: Same for a field of one direction.
template <class T>
Same<ImpairConfig> same_direction_field(ImpairDirectionConfig ImpairConfig::*direction,
                                        T ImpairDirectionConfig::*field) {
  return [direction, field](const ImpairConfig& a, const ImpairConfig& b) {
    return (a.*direction).*field == (b.*direction).*field;
  };
}

// [impair]: a probability of one direction, in percent, integer or float.
Key impair_percent(const SectionOf<ImpairConfig>& impair, std::string_view name,
                   ImpairDirectionConfig ImpairConfig::*direction,
                   double ImpairDirectionConfig::*field, std::string_view doc) {
  return impair.custom(
      name, "0..100 (percent, may have a fraction)", doc,
      [direction, field](const Value& value, ImpairConfig& c) -> std::optional<Problem> {
        double percent = 0;
        if (value.type == Type::Integer) {
          percent = static_cast<double>(value.integer);
        } else if (value.type == Type::Float) {
          percent = value.number;
        } else {
          return "expected a number, got " + std::string(describe(value.type));
        }
        if (!(percent >= 0 && percent <= 100)) return value.written + " is out of range";
        (c.*direction).*field = percent;
        return std::nullopt;
      },
      same_direction_field(direction, field));
}

// [impair]: an integer (or millisecond duration) of one direction.
template <class T>
Key impair_integer(const SectionOf<ImpairConfig>& impair, std::string_view name,
                   ImpairDirectionConfig ImpairConfig::*direction, T ImpairDirectionConfig::*field,
                   Range range, std::string_view doc) {
  return impair.custom(
      name, to_string(range), doc,
      [direction, field, range](const Value& value, ImpairConfig& c) -> std::optional<Problem> {
        if (auto problem = expect_type(value, Type::Integer)) return problem;
        if (value.integer < range.min || value.integer > range.max) {
          return value.written + " is out of range";
        }
        if constexpr (std::is_integral_v<T>) {
          (c.*direction).*field = static_cast<T>(value.integer);
        } else {
          (c.*direction).*field = T{value.integer};
        }
        return std::nullopt;
      },
      same_direction_field(direction, field));
}

/// The [impair] keys of one direction, prefixed "in_" or "out_".
std::vector<Key> impair_direction(const SectionOf<ImpairConfig>& impair, bool in) {
  using D = ImpairDirectionConfig;
  const auto dir = in ? &ImpairConfig::in : &ImpairConfig::out;
  constexpr Range kMs{0, 10'000};
  constexpr Range kRate{0, 10'000'000'000};
  return {
      impair_percent(impair, in ? "in_loss" : "out_loss", dir, &D::loss, "percent of frames dropped"),
      impair_percent(impair, in ? "in_duplicate" : "out_duplicate", dir, &D::duplicate,
                     "percent of frames delivered twice"),
      impair_percent(impair, in ? "in_reorder" : "out_reorder", dir, &D::reorder,
                     "percent of frames held back by reorder_hold_ms, so later ones pass"),
      impair_percent(impair, in ? "in_corrupt" : "out_corrupt", dir, &D::corrupt,
                     "percent of frames with one bit flipped after the Ethernet header"),
      impair_integer(impair, in ? "in_delay_ms" : "out_delay_ms", dir, &D::delay, kMs,
                     "delay added to every frame"),
      impair_integer(impair, in ? "in_jitter_ms" : "out_jitter_ms", dir, &D::jitter, kMs,
                     "a uniform random extra delay up to this"),
      impair_integer(impair, in ? "in_rate" : "out_rate", dir, &D::rate, kRate,
                     "rate limit in bytes per second (token bucket); 0: unlimited"),
  };
}

std::vector<Key> impair_keys() {
  const SectionOf impair{&Config::impair};
  std::vector<Key> keys = {
      impair.integer("seed", &ImpairConfig::seed, {0, std::numeric_limits<std::int64_t>::max()},
                     "seeds the random decisions; the same seed and traffic replay the same run"),
  };
  for (bool in : {true, false}) {
    for (auto& key : impair_direction(impair, in)) keys.push_back(std::move(key));
  }
  keys.push_back(impair.integer("reorder_hold_ms", &ImpairConfig::reorder_hold, {1, 10'000},
                                "how long a reordered frame is held back"));
  keys.push_back(impair.integer("rate_burst", &ImpairConfig::rate_burst, {0, 16 * 1024 * 1024},
                                "the rate limiter's bucket depth in bytes; 0: one frame"));
  keys.push_back(impair.integer("rate_queue_ms", &ImpairConfig::rate_queue, {1, 60'000},
                                "the rate limiter drops a frame that would wait longer than this"));
  return keys;
}

std::vector<Section> build_sections() {
  const SectionOf interface{&Config::interface};
  const SectionOf rpc{&Config::rpc};
  const SectionOf log{&Config::log};
  const SectionOf arp{&Config::arp};
  const SectionOf ip{&Config::ip};
  const SectionOf icmp{&Config::icmp};
  const SectionOf services{&Config::services};
  const SectionOf tcp{&Config::tcp};
  const SectionOf udp{&Config::udp};
  const SectionOf dns{&Config::dns};
  const SectionOf capture{&Config::capture};
  using If = InterfaceConfig;
  return {
      {"interface",
       {
           interface.text<std::string>("name", &If::name, parse_interface_name,
                                       "1 to 15 bytes without '/', ':' or spaces",
                                       "the TAP interface's name"),
           interface.boolean("attach", &If::attach,
                             "true: use a TAP that already exists instead of creating one"),
           interface.text<std::optional<MacAddress>>(
               "mac", &If::mac, parse_mac, "\"auto\" or a unicast MAC such as \"02:00:00:00:00:01\"",
               "the stack's MAC address; auto: random, locally administered"),
           interface.integer("mtu", &If::mtu, {576, 9000}, "the link's MTU in bytes"),
           interface.text<Ipv4Cidr>("address", &If::address, parse_host_cidr,
                                    "a unicast address with its prefix, such as \"10.0.0.2/24\"",
                                    "the stack's own address and subnet"),
           interface.optional_text<Ipv4Address>(
               "gateway", &If::gateway, parse_host_address,
               "a unicast address inside the subnet, such as \"10.0.0.1\"",
               "where traffic beyond the subnet goes; left out: no gateway"),
           interface.optional_text<Ipv4Cidr>(
               "host_address", &If::host_address, parse_host_cidr,
               "an address with its prefix in the same subnet, such as \"10.0.0.1/24\"",
               "given to the host side of the TAP; left out: leave the host side alone"),
           interface.boolean("offload", &If::offload,
                             "true: receive TSO super-frames and trusted checksums from the TAP "
                             "(IFF_VNET_HDR); off on an attached TAP created without it"),
       }},
      {"rpc",
       {
           rpc.text<std::string>("socket", &RpcConfig::socket, parse_socket_path,
                                 "an absolute path of at most 107 bytes",
                                 "the control socket clients connect to"),
           rpc.custom("mode", "0o0..0o777, as an octal integer (0o660) or a string (\"0660\")",
                      "the control socket's permission bits", apply_mode,
                      same_field(&RpcConfig::mode)),
           rpc.text<std::string>("group", &RpcConfig::group, parse_group,
                                 "a group name of at most 32 bytes, or \"\"",
                                 "the control socket's group; \"\": leave it alone"),
           rpc.integer("hello_timeout_ms", &RpcConfig::hello_timeout, {100, 60'000},
                       "a client that has not said Hello this long after connecting is closed"),
           rpc.integer("idle_timeout_ms", &RpcConfig::idle_timeout, {100, 86'400'000},
                       "a session that owns nothing (no socket, nothing pending, no stream) is "
                       "closed after this long without a request"),
           rpc.integer("sessions_total", &RpcConfig::sessions_total, {1, 65'536},
                       "sessions of ordinary uids, all together (root's and the daemon's own "
                       "uid's 1024 are apart)"),
           rpc.integer("sessions_per_uid", &RpcConfig::sessions_per_uid, {1, 65'536},
                       "sessions of one ordinary uid"),
           rpc.integer("sockets_per_session", &RpcConfig::sockets_per_session, {1, 1'048'576},
                       "sockets one session may hold; more get EMFILE"),
           rpc.integer("sockets_total", &RpcConfig::sockets_total, {1, 1'048'576},
                       "sockets of every session together; more get ENFILE"),
       }},
      {"log",
       {
           log.text<LogLevel>("level", &LogConfig::level, parse_level,
                              "trace, debug, info, warn, error or off", "the least severe level logged"),
       }},
      {"arp",
       {
           arp.integer("reachable_time_ms", &ArpConfig::reachable_time, {1'000, 3'600'000},
                       "how long an answered entry stays reachable (RFC 4861 §6.3.2's idea)"),
           arp.integer("stale_time_ms", &ArpConfig::stale_time, {1'000, 86'400'000},
                       "how long a stale entry is kept before it is removed"),
           arp.integer("retry_interval_ms", &ArpConfig::retry_interval, {100, 60'000},
                       "between requests for an unresolved address (RFC 1122 §2.3.2.1: >= 1000)"),
           arp.integer("max_retries", &ArpConfig::max_retries, {1, 100},
                       "requests sent before the address is unreachable"),
           arp.integer("queue_per_entry", &ArpConfig::queue_per_entry, {1, 1024},
                       "packets held while an address resolves (RFC 1122 §2.3.2.2: >= 1)"),
           arp.integer("max_entries", &ArpConfig::max_entries, {1, 1'048'576},
                       "entries in the ARP cache"),
       }},
      {"ip",
       {
           ip.integer("ttl", &IpConfig::ttl, {1, 255}, "TTL of the datagrams the stack sends"),
           ip.integer("reassembly_timeout_ms", &IpConfig::reassembly_timeout, {1'000, 120'000},
                      "how long fragments wait for the rest (RFC 1122 §3.3.2)"),
           ip.integer("reassembly_max_datagrams", &IpConfig::reassembly_max_datagrams,
                      {1, 65'536}, "datagrams being reassembled at once"),
           ip.integer("reassembly_max_bytes", &IpConfig::reassembly_max_bytes,
                      {65'535, 1'073'741'824}, "fragment bytes held across all of them"),
       }},
      {"icmp",
       {
           icmp.integer("error_rate_per_second", &IcmpConfig::error_rate_per_second,
                        {0, 1'000'000}, "ICMP errors sent per second (RFC 1812 §4.3.2.8); 0: none"),
           icmp.integer("error_burst", &IcmpConfig::error_burst, {0, 1'000'000},
                        "ICMP errors that may be sent at once"),
       }},
      {"tcp",
       {
           tcp.integer("send_buffer", &TcpConfig::send_buffer, {4'096, 64 * 1024 * 1024},
                       "bytes queued for sending per connection"),
           tcp.integer("recv_buffer", &TcpConfig::recv_buffer, {4'096, 64 * 1024 * 1024},
                       "bytes buffered for the reader per connection; sets the window offered"),
           tcp.integer("rto_min_ms", &TcpConfig::rto_min, {10, 10'000},
                       "the least retransmission timeout (RFC 6298 §2.4)"),
           tcp.integer("rto_max_ms", &TcpConfig::rto_max, {1'000, 600'000},
                       "the greatest retransmission timeout (RFC 6298 §2.5)"),
           tcp.integer("rto_initial_ms", &TcpConfig::rto_initial, {100, 60'000},
                       "the timeout before the first RTT sample (RFC 6298 §2.1)"),
           tcp.integer("max_retries", &TcpConfig::max_retries, {1, 100},
                       "retransmissions of one segment before the connection fails (ETIMEDOUT)"),
           tcp.integer("max_syn_retries", &TcpConfig::max_syn_retries, {1, 100},
                       "retransmissions of a SYN before connect fails"),
           tcp.integer("msl_ms", &TcpConfig::msl, {1'000, 240'000},
                       "maximum segment lifetime; TIME-WAIT lasts twice this (RFC 9293 §3.4.2)"),
           tcp.integer("time_wait_max", &TcpConfig::time_wait_max, {0, 1'048'576},
                       "TIME-WAIT records kept (tens of bytes each, no socket); at the cap the oldest is recycled"),
           tcp.integer("max_sockets", &TcpConfig::max_sockets, {16, 65'534},
                       "sockets and connections together, TIME-WAIT records not counted"),
           tcp.integer("local_reserve", &TcpConfig::local_reserve, {0, 65'534},
                       "of max_sockets, kept for sockets programs open: connections from peers cannot take them"),
           tcp.boolean("nagle", &TcpConfig::nagle,
                       "hold small segments while data is unacknowledged (RFC 896); per socket: TCP_NODELAY"),
           tcp.boolean("delayed_ack", &TcpConfig::delayed_ack,
                       "delay ACKs, at least every second full segment (RFC 1122 §4.2.3.2)"),
           tcp.integer("delayed_ack_ms", &TcpConfig::delayed_ack_timeout, {1, 500},
                       "the longest an ACK is delayed"),
           tcp.integer("syn_backlog", &TcpConfig::syn_backlog, {1, 65'535},
                       "half-open connections per listener before SYN cookies"),
           tcp.boolean("syn_cookies", &TcpConfig::syn_cookies,
                       "answer with SYN cookies when the SYN queue is full (RFC 4987)"),
           tcp.boolean("window_scaling", &TcpConfig::window_scaling,
                       "offer the window scale option (RFC 7323)"),
           tcp.boolean("timestamps", &TcpConfig::timestamps,
                       "offer timestamps: PAWS, RTT from echoes, spurious retransmissions undone (RFC 7323, RFC 3522)"),
           tcp.text<tcp::CongestionAlgorithm>(
               "congestion", &TcpConfig::congestion, parse_congestion, "cubic or newreno",
               "congestion control: CUBIC (RFC 9438) with HyStart++ (RFC 9406), or NewReno "
               "(RFC 6582); per socket: TCP_CONGESTION"),
           tcp.text<tcp::EcnMode>(
               "ecn", &TcpConfig::ecn, parse_ecn, "off, passive or on",
               "ECN (RFC 3168): passive agrees when a peer's SYN asks for it, on also asks "
               "in our SYNs"),
           tcp.integer("keepalive_idle", &TcpConfig::keepalive_idle, {1, 32'767},
                       "seconds a connection with SO_KEEPALIVE is idle before the first "
                       "probe (RFC 1122 §4.2.3.6); per socket: TCP_KEEPIDLE"),
           tcp.integer("keepalive_interval", &TcpConfig::keepalive_interval, {1, 32'767},
                       "seconds between unanswered keep-alive probes; per socket: TCP_KEEPINTVL"),
           tcp.integer("keepalive_count", &TcpConfig::keepalive_count, {1, 127},
                       "unanswered probes before the connection fails (ETIMEDOUT); per socket: "
                       "TCP_KEEPCNT"),
           tcp.integer("ephemeral_low", &TcpConfig::ephemeral_low, {1'024, 65'535},
                       "lowest local port picked for connect() and bind to port 0"),
           tcp.integer("ephemeral_high", &TcpConfig::ephemeral_high, {1'024, 65'535},
                       "highest such port"),
       }},
      {"udp",
       {
           udp.integer("ephemeral_low", &UdpConfig::ephemeral_low, {1'024, 65'535},
                       "lowest local port picked for an unbound socket"),
           udp.integer("ephemeral_high", &UdpConfig::ephemeral_high, {1'024, 65'535},
                       "highest such port"),
           udp.integer("recv_queue_datagrams", &UdpConfig::recv_queue_datagrams, {1, 65'536},
                       "datagrams queued per socket; more are dropped and counted"),
           udp.integer("recv_queue_bytes", &UdpConfig::recv_queue_bytes, {65'536, 64 * 1024 * 1024},
                       "bytes queued per socket"),
       }},
      {"dns",
       {
           string_list<DnsConfig, DnsServer>(
               dns, "servers", &DnsConfig::servers, parse_dns_server,
               "an array of \"ADDRESS\" or \"ADDRESS:PORT\" strings",
               "the servers asked, in order; empty: only literals and hosts resolve"),
           dns.integer("timeout_ms", &DnsConfig::timeout, {100, 60'000},
                       "how long one query waits for an answer"),
           dns.integer("attempts", &DnsConfig::attempts, {1, 10},
                       "rounds through the server list before giving up"),
           dns.integer("cache_size", &DnsConfig::cache_size, {0, 1'000'000},
                       "answers cached, each for its TTL"),
           string_list<DnsConfig, HostsEntry>(
               dns, "hosts", &DnsConfig::hosts, parse_hosts_line,
               "an array of \"ADDRESS NAME...\" strings, as lines of /etc/hosts",
               "static names, answered without a query"),
       }},
      {"services",
       {
           services.boolean("echo", &ServicesConfig::echo, "TCP echo on port 7 (RFC 862)"),
           services.boolean("discard", &ServicesConfig::discard, "TCP discard on port 9 (RFC 863)"),
           services.boolean("daytime", &ServicesConfig::daytime, "TCP daytime on port 13 (RFC 867)"),
           services.boolean("chargen", &ServicesConfig::chargen, "TCP chargen on port 19 (RFC 864)"),
           services.boolean("udp_echo", &ServicesConfig::udp_echo, "UDP echo on port 7 (RFC 862)"),
           services.integer("max_connections", &ServicesConfig::max_connections, {1, 65'534},
                            "connections of the TCP services together; beyond, a SYN is reset"),
       }},
      {"impair", impair_keys()},
      {"capture",
       {
           capture.text<std::string>("file", &CaptureConfig::file, parse_capture_path,
                                     "\"\" or an absolute path",
                                     "pcapng of every frame from start; \"\": none"),
           capture.integer("rotate_mb", &CaptureConfig::rotate_mb, {0, 1024 * 1024},
                           "start a new file after this many MiB; 0: never"),
           capture.integer("count", &CaptureConfig::count, {1, 1000},
                           "files kept when rotating (file, file.1, …)"),
       }},
  };
}

std::string subnet_of(const Ipv4Cidr& cidr) {
  return Ipv4Cidr{cidr.network(), cidr.prefix_len}.to_string();
}

std::optional<Problem> check_gateway(const Config& config) {
  const auto& interface = config.interface;
  if (!interface.gateway) return std::nullopt;
  const auto written = quote(interface.gateway->to_string());
  if (!interface.address.contains(*interface.gateway)) {
    return written + " is not inside interface.address's subnet " + subnet_of(interface.address);
  }
  if (*interface.gateway == interface.address.address) return written + " is interface.address";
  if (interface.address.prefix_len <= 30 &&
      (*interface.gateway == interface.address.network() ||
       *interface.gateway == interface.address.subnet_broadcast())) {
    return written + " is the subnet's network or broadcast address";
  }
  return std::nullopt;
}

std::optional<Problem> check_host_address(const Config& config) {
  const auto& interface = config.interface;
  if (!interface.host_address) return std::nullopt;
  const auto written = quote(interface.host_address->to_string());
  if (interface.host_address->prefix_len != interface.address.prefix_len ||
      !interface.address.contains(interface.host_address->address)) {
    return written + " is not in interface.address's subnet " + subnet_of(interface.address);
  }
  if (interface.host_address->address == interface.address.address) {
    return written + " has the same address as interface.address";
  }
  return std::nullopt;
}

std::optional<Problem> check_tcp_ports(const Config& config) {
  if (config.tcp.ephemeral_low > config.tcp.ephemeral_high) {
    return std::to_string(config.tcp.ephemeral_high) + " is below tcp.ephemeral_low " +
           std::to_string(config.tcp.ephemeral_low);
  }
  return std::nullopt;
}

std::optional<Problem> check_local_reserve(const Config& config) {
  if (config.tcp.local_reserve >= config.tcp.max_sockets) {
    return std::to_string(config.tcp.local_reserve) + " leaves no socket of tcp.max_sockets " +
           std::to_string(config.tcp.max_sockets) + " for connections from peers";
  }
  return std::nullopt;
}

std::optional<Problem> check_udp_ports(const Config& config) {
  if (config.udp.ephemeral_low > config.udp.ephemeral_high) {
    return std::to_string(config.udp.ephemeral_high) + " is below udp.ephemeral_low " +
           std::to_string(config.udp.ephemeral_low);
  }
  return std::nullopt;
}

std::optional<Problem> check_rto(const Config& config) {
  const auto& tcp = config.tcp;
  if (tcp.rto_min > tcp.rto_initial || tcp.rto_initial > tcp.rto_max) {
    return std::to_string(tcp.rto_initial.count()) +
           " is not between tcp.rto_min_ms and tcp.rto_max_ms";
  }
  return std::nullopt;
}

std::vector<Rule> build_rules() {
  return {
      {"tcp", "ephemeral_high", "at least tcp.ephemeral_low", check_tcp_ports},
      {"tcp", "rto_initial_ms", "rto_min_ms <= rto_initial_ms <= rto_max_ms", check_rto},
      {"tcp", "local_reserve", "below tcp.max_sockets", check_local_reserve},
      {"udp", "ephemeral_high", "at least udp.ephemeral_low", check_udp_ports},
      {"interface", "gateway", "an address inside interface.address's subnet other than itself",
       check_gateway},
      {"interface", "host_address",
       "an address in interface.address's subnet, same prefix, other than interface.address",
       check_host_address},
  };
}

std::string join_names(const auto& items) {
  std::string out;
  for (const auto& item : items) {
    if (!out.empty()) out += ", ";
    out += item.name;
  }
  return out;
}

}  // namespace

std::string_view describe(Type type) {
  switch (type) {
    case Type::Boolean: return "a boolean";
    case Type::Integer: return "an integer";
    case Type::Float: return "a float";
    case Type::String: return "a string";
    case Type::Array: return "an array";
    case Type::Table: return "a table";
    case Type::Date: return "a date";
    case Type::Time: return "a time";
    case Type::DateTime: return "a date-time";
  }
  return "a value";
}

std::optional<Problem> expect_type(const Value& value, Type type) {
  if (value.type == type) return std::nullopt;
  return "expected " + std::string(describe(type)) + ", got " + std::string(describe(value.type));
}

std::string to_string(Range range) {
  return std::to_string(range.min) + ".." + std::to_string(range.max);
}

const std::vector<Section>& sections() {
  static const std::vector<Section> all = build_sections();
  return all;
}

const std::vector<Rule>& rules() {
  static const std::vector<Rule> all = build_rules();
  return all;
}

const Section* find_section(std::string_view name) {
  for (const auto& section : sections()) {
    if (section.name == name) return &section;
  }
  return nullptr;
}

const Key* find_key(const Section& section, std::string_view name) {
  for (const auto& key : section.keys) {
    if (key.name == name) return &key;
  }
  return nullptr;
}

std::string section_names() { return join_names(sections()); }

std::string key_names(const Section& section) { return join_names(section.keys); }

std::string quote(std::string_view text) {
  std::string out = "\"";
  for (char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (byte < 0x20 || byte == 0x7f) {
      char escaped[8];
      std::snprintf(escaped, sizeof escaped, "\\u%04x", byte);
      out += escaped;
    } else {
      out += c;
    }
  }
  return out + "\"";
}

}  // namespace tapstack::config::schema
