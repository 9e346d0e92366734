#pragma once
// The daemon's configuration as a validated value. parse_config/load_config
// turn TOML into it (config.cpp); every key, its default and what is allowed
// is documented in config/tapstack.toml, the shipped default.
#include <chrono>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "stack/tcp/tcp_types.hpp"
#include "stack/wire/address.hpp"

namespace tapstack::config {

struct InterfaceConfig {
  std::string name = "tap0";
  bool attach = false;                          // use an existing TAP instead of creating one
  std::optional<wire::MacAddress> mac;          // nullopt: "auto" (random, locally administered)
  std::uint32_t mtu = 1500;                     // 576..9000
  wire::Ipv4Cidr address{wire::Ipv4Address{10, 0, 0, 2}, 24};
  // gateway and host_address are nullopt when left out of the file or "none".
  std::optional<wire::Ipv4Address> gateway = wire::Ipv4Address{10, 0, 0, 1};  // nullopt: none
  // Given to the host side of the TAP; nullopt: leave the host side alone.
  std::optional<wire::Ipv4Cidr> host_address = wire::Ipv4Cidr{wire::Ipv4Address{10, 0, 0, 1}, 24};
  // Receive offload: the TAP hands over TSO super-frames with a virtio-net header.
  bool offload = true;

  friend bool operator==(const InterfaceConfig&, const InterfaceConfig&) = default;
};

struct RpcConfig {
  std::string socket = "/run/tapstack/tapstackd.sock";
  std::uint32_t mode = 0660;
  std::string group = "tapstack";  // empty: leave the group alone
  std::chrono::milliseconds hello_timeout{5'000};  // connect → Hello, or the session ends
  std::chrono::milliseconds idle_timeout{60'000};  // a session owning nothing, between requests
  std::uint32_t sessions_total = 256;      // sessions of ordinary uids, all together
  std::uint32_t sessions_per_uid = 64;     // sessions of one ordinary uid
  std::uint32_t sockets_per_session = 1024;
  std::uint32_t sockets_total = 16384;     // every session's sockets together

  friend bool operator==(const RpcConfig&, const RpcConfig&) = default;
};

enum class LogLevel { Trace, Debug, Info, Warn, Error, Off };

struct LogConfig {
  LogLevel level = LogLevel::Info;

  friend bool operator==(const LogConfig&, const LogConfig&) = default;
};

struct ArpConfig {
  std::chrono::milliseconds reachable_time{30'000};  // reachable → stale
  std::chrono::milliseconds stale_time{60'000};      // stale → removed
  std::chrono::milliseconds retry_interval{1'000};   // between requests while incomplete
  std::uint32_t max_retries = 3;                     // requests before giving up
  std::uint32_t queue_per_entry = 16;                // packets held while resolving
  std::uint32_t max_entries = 1024;

  friend bool operator==(const ArpConfig&, const ArpConfig&) = default;
};

struct IpConfig {
  std::uint8_t ttl = 64;
  std::chrono::milliseconds reassembly_timeout{30'000};
  std::uint32_t reassembly_max_datagrams = 64;       // in progress at once
  std::uint32_t reassembly_max_bytes = 4 * 1024 * 1024;  // held across all of them

  friend bool operator==(const IpConfig&, const IpConfig&) = default;
};

struct IcmpConfig {
  std::uint32_t error_rate_per_second = 100;  // token bucket for generated ICMP errors
  std::uint32_t error_burst = 50;

  friend bool operator==(const IcmpConfig&, const IcmpConfig&) = default;
};

struct ServicesConfig {
  bool echo = false;      // TCP 7,  RFC 862
  bool discard = false;   // TCP 9,  RFC 863
  bool daytime = false;   // TCP 13, RFC 867
  bool chargen = false;   // TCP 19, RFC 864
  bool udp_echo = false;  // UDP 7,  RFC 862
  std::uint32_t max_connections = 256;  // TCP services' connections together; more are reset

  friend bool operator==(const ServicesConfig&, const ServicesConfig&) = default;
};

struct TcpConfig {
  std::uint32_t send_buffer = 256 * 1024;  // bytes per connection
  std::uint32_t recv_buffer = 256 * 1024;
  std::chrono::milliseconds rto_min{200};      // RFC 6298 §2.4 says 1 s; Linux uses 200 ms
  std::chrono::milliseconds rto_max{60'000};   // RFC 6298 §2.5
  std::chrono::milliseconds rto_initial{1'000};  // RFC 6298 §2.1
  std::uint32_t max_retries = 15;      // retransmissions before ETIMEDOUT (Linux tcp_retries2)
  std::uint32_t max_syn_retries = 6;   // Linux tcp_syn_retries
  std::chrono::milliseconds msl{30'000};  // TIME-WAIT lasts 2*MSL
  std::uint32_t time_wait_max = 65'536;    // TIME-WAIT records; at the cap the oldest is recycled
  std::uint32_t max_sockets = 65'534;      // sockets and connections together
  std::uint32_t local_reserve = 1'024;     // of max_sockets, kept for local sockets
  bool nagle = true;                       // RFC 896; TCP_NODELAY turns it off per socket
  bool delayed_ack = true;                 // RFC 1122 §4.2.3.2
  std::chrono::milliseconds delayed_ack_timeout{40};
  std::uint32_t syn_backlog = 128;         // half-open connections per listener before SYN cookies
  bool syn_cookies = true;                 // RFC 4987
  bool window_scaling = true;              // RFC 7323
  bool timestamps = true;                  // RFC 7323 §3: TSopt, PAWS, RTTM
  tcp::CongestionAlgorithm congestion = tcp::CongestionAlgorithm::Cubic;  // TCP_CONGESTION per socket
  tcp::EcnMode ecn = tcp::EcnMode::Passive;  // RFC 3168; passive: only when the peer asks (Linux)
  // Keep-alive (RFC 1122 §4.2.3.6) for sockets with SO_KEEPALIVE; Linux's
  // defaults, per socket: TCP_KEEPIDLE, TCP_KEEPINTVL, TCP_KEEPCNT.
  std::chrono::seconds keepalive_idle{7'200};
  std::chrono::seconds keepalive_interval{75};
  std::uint32_t keepalive_count = 9;
  std::uint16_t ephemeral_low = 32768;     // local ports for connect() and bind(port 0)
  std::uint16_t ephemeral_high = 60999;

  friend bool operator==(const TcpConfig&, const TcpConfig&) = default;
};

struct UdpConfig {
  std::uint16_t ephemeral_low = 32768;
  std::uint16_t ephemeral_high = 60999;
  std::uint32_t recv_queue_datagrams = 256;  // per socket; more are dropped and counted
  std::uint32_t recv_queue_bytes = 256 * 1024;

  friend bool operator==(const UdpConfig&, const UdpConfig&) = default;
};

/// A DNS server: address and port.
struct DnsServer {
  wire::Ipv4Address address;
  std::uint16_t port = 53;
  friend bool operator==(const DnsServer&, const DnsServer&) = default;
};

/// One /etc/hosts-style line: an address and the names it answers for.
struct HostsEntry {
  wire::Ipv4Address address;
  std::vector<std::string> names;
  friend bool operator==(const HostsEntry&, const HostsEntry&) = default;
};

struct DnsConfig {
  std::vector<DnsServer> servers;          // empty: only literals and hosts resolve
  std::chrono::milliseconds timeout{2'000};  // per attempt, as resolv.conf's timeout
  std::uint32_t attempts = 2;              // rounds through the servers, as resolv.conf's attempts
  std::uint32_t cache_size = 256;          // answers kept (TTLs honoured)
  std::vector<HostsEntry> hosts;           // static entries, answered without a query

  friend bool operator==(const DnsConfig&, const DnsConfig&) = default;
};

/// One direction of [impair]: what the daemon does to frames on their way
/// to the stack (in_*) or from it (out_*). Probabilities are in percent.
struct ImpairDirectionConfig {
  double loss = 0;       // frames dropped
  double duplicate = 0;  // frames delivered twice
  double reorder = 0;    // frames held back by reorder_hold_ms
  double corrupt = 0;    // frames with one bit flipped after the Ethernet header
  std::chrono::milliseconds delay{0};
  std::chrono::milliseconds jitter{0};  // a uniform extra delay up to this
  std::uint64_t rate = 0;               // bytes per second; 0: unlimited

  friend bool operator==(const ImpairDirectionConfig&, const ImpairDirectionConfig&) = default;
};

/// [impair]: link impairment between the TAP and the stack, off by default;
/// `tapstack impair` changes it at run time.
struct ImpairConfig {
  std::uint64_t seed = 1;  // the same seed and traffic give the same decisions
  ImpairDirectionConfig in;
  ImpairDirectionConfig out;
  std::chrono::milliseconds reorder_hold{10};
  std::uint64_t rate_burst = 0;              // token bucket depth in bytes; 0: one frame
  std::chrono::milliseconds rate_queue{100};  // the rate limiter drops frames that would wait longer

  friend bool operator==(const ImpairConfig&, const ImpairConfig&) = default;
};

/// [capture]: a pcapng file of every frame, written from start (`tapstack
/// capture` is the live form). Rotates to file.1 … when rotate_mb is reached.
struct CaptureConfig {
  std::string file;            // "": no capture file
  std::uint64_t rotate_mb = 0;  // MiB per file; 0: never rotate
  std::uint32_t count = 4;      // files kept when rotating, the current one included

  friend bool operator==(const CaptureConfig&, const CaptureConfig&) = default;
};

struct Config {
  std::string source;  // the file it came from, for messages
  InterfaceConfig interface;
  RpcConfig rpc;
  LogConfig log;
  ArpConfig arp;
  IpConfig ip;
  IcmpConfig icmp;
  TcpConfig tcp;
  UdpConfig udp;
  DnsConfig dns;
  ServicesConfig services;
  ImpairConfig impair;
  CaptureConfig capture;

  friend bool operator==(const Config&, const Config&) = default;
};

/// One problem found in a configuration, already worded for a person:
/// "tapstack.toml:12:7: interface.mtu: 70000 is out of range; allowed: 576..9000".
struct ConfigError {
  std::string message;
};

/// Thrown by the loaders; what() joins every ConfigError, one per line.
class ConfigException : public std::runtime_error {
 public:
  explicit ConfigException(std::vector<ConfigError> errors);
  const std::vector<ConfigError>& errors() const { return errors_; }

 private:
  std::vector<ConfigError> errors_;
};

/// A `--set section.key=value` override. `value` is TOML syntax for the value
/// (a bare word that is not valid TOML is taken as a string).
struct Override {
  std::string key;
  std::string value;
};

/// Parses TOML text. `source_name` names it in messages. Overrides are applied
/// on top, with the same validation. Throws ConfigException with every error.
Config parse_config(std::string_view text, std::string_view source_name,
                    const std::vector<Override>& overrides = {});

/// Reads and parses a file (a missing or unreadable file is an error too).
Config load_config(const std::string& path, const std::vector<Override>& overrides = {});

/// Splits "section.key=value" into an Override; throws ConfigException on bad
/// syntax. The key and the value are checked by parse_config/load_config.
Override parse_override(std::string_view text);

std::string_view to_string(LogLevel level);

/// Every key, one a line: "section.key: what it means; allowed: what", for a
/// `--help-config` style listing.
std::string describe_keys();

/// The keys whose values differ between `a` and `b`, as "section.key", in
/// the order of config/tapstack.toml.
std::vector<std::string> changed_keys(const Config& a, const Config& b);

}  // namespace tapstack::config
