#pragma once
// The RPC messages between tapstackd and its clients (docs/rpc.md is the
// reference). Socket operations are small binary structs; read-only
// introspection (status, sockets, arp, counters) carries a JSON document.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace tapstack::rpc {

/// A socket as a session names it. Handles are per session: a session can
/// only ever name its own sockets. 0 is never a valid handle.
using Handle = std::uint32_t;

enum class MessageType : std::uint16_t {
  Hello = 1,
  Socket = 2,
  Bind = 3,
  Listen = 4,
  Connect = 6,
  Shutdown = 7,
  Close = 8,
  GetSockName = 9,
  GetPeerName = 10,
  SetSockOpt = 11,
  GetSockOpt = 12,
  Resolve = 13,
  Ping = 14,
  Status = 15,
  Sockets = 16,
  Arp = 17,
  Counters = 18,
  Impair = 19,  // show or change the link impairment (docs/rpc.md "Impair")
  TcpInfo = 20,  // a connection's figures for TCP_INFO (docs/rpc.md "TCP_INFO")
  // Watching the stack: the reply carries a stream fd (docs/rpc.md "Trace and capture").
  Trace = 30,    // formatted TCP trace events, one per line
  Capture = 31,  // pcapng of every frame
  Event = 64,  // daemon → client, unsolicited, id 0
};

/// True for the types this version knows.
bool is_known(MessageType type);
/// "connect", "status", … for logs.
const char* to_string(MessageType type);

enum class Protocol : std::uint8_t { Tcp = 6, Udp = 17 };

/// An IPv4 endpoint, address in host order.
struct Endpoint {
  std::uint32_t address = 0;
  std::uint16_t port = 0;
  friend bool operator==(const Endpoint&, const Endpoint&) = default;
};

enum class ShutdownHow : std::uint8_t { Read = 0, Write = 1, Both = 2 };  // SHUT_RD/WR/RDWR

enum class SockOpt : std::uint8_t {
  ReuseAddr = 1,
  KeepAlive = 2,
  RcvBuf = 3,
  SndBuf = 4,
  Error = 5,      // get only; reading clears it, as on Linux
  NoDelay = 6,    // TCP_NODELAY
  Linger = 7,     // value: on/off, value2: seconds
  Broadcast = 8,  // UDP
  Congestion = 9, // TCP_CONGESTION: value 1 NewReno ("reno"), 2 CUBIC (tcp::CongestionAlgorithm)
  KeepIdle = 10,    // TCP_KEEPIDLE, seconds
  KeepIntvl = 11,   // TCP_KEEPINTVL, seconds
  KeepCnt = 12,     // TCP_KEEPCNT
  UserTimeout = 13, // TCP_USER_TIMEOUT, milliseconds; 0: off
  QuickAck = 14,    // TCP_QUICKACK
  Cork = 15,        // TCP_CORK
  MaxSeg = 16,      // TCP_MAXSEG; get: the MSS in use
};
inline constexpr SockOpt kLastSockOpt = SockOpt::MaxSeg;

/// TCP_CONGESTION's value in the RPC: the algorithm's number, named by the
/// client as Linux names it (the stack's tcp::CongestionAlgorithm numbers).
enum class Congestion : std::int32_t { Reno = 1, Cubic = 2 };
/// "reno", "cubic".
const char* congestion_name(Congestion c);
/// The algorithm Linux calls `name`, if the stack has it.
std::optional<Congestion> congestion_from_name(std::string_view name);

// ---- requests (client → daemon) ----

struct HelloRequest {
  std::uint16_t version = 0;
  std::string client;  // program name, for logs
  friend bool operator==(const HelloRequest&, const HelloRequest&) = default;
};
struct SocketRequest {
  Protocol protocol = Protocol::Tcp;
  friend bool operator==(const SocketRequest&, const SocketRequest&) = default;
};
/// Close's arg: answer once SO_LINGER's wait is over (the client waits).
inline constexpr std::uint32_t kCloseWaitLinger = 1;

/// Listen, Close, GetSockName, GetPeerName, TcpInfo: the handle and an argument.
struct HandleRequest {
  Handle handle = 0;
  std::uint32_t arg = 0;  // Listen: backlog; Close: kCloseWaitLinger or 0; TcpInfo: layout
  friend bool operator==(const HandleRequest&, const HandleRequest&) = default;
};
/// Bind and Connect.
struct AddressRequest {
  Handle handle = 0;
  Endpoint endpoint;
  bool nonblocking = false;  // Connect: reply InProgress at once
  friend bool operator==(const AddressRequest&, const AddressRequest&) = default;
};
struct ShutdownRequest {
  Handle handle = 0;
  ShutdownHow how = ShutdownHow::Both;
  friend bool operator==(const ShutdownRequest&, const ShutdownRequest&) = default;
};
/// SetSockOpt and GetSockOpt (values ignored for Get).
struct SockOptRequest {
  Handle handle = 0;
  SockOpt option = SockOpt::Error;
  std::int32_t value = 0;
  std::int32_t value2 = 0;
  friend bool operator==(const SockOptRequest&, const SockOptRequest&) = default;
};
struct ResolveRequest {
  std::string name;
  friend bool operator==(const ResolveRequest&, const ResolveRequest&) = default;
};
/// One ICMP echo; the reply comes when the echo reply does or at the timeout.
struct PingRequest {
  std::uint32_t address = 0;
  std::uint16_t sequence = 0;
  std::uint16_t size = 56;  // payload bytes
  std::uint32_t timeout_ms = 1000;
  friend bool operator==(const PingRequest&, const PingRequest&) = default;
};
/// Status, Sockets, Arp, Counters.
struct IntrospectRequest {
  friend bool operator==(const IntrospectRequest&, const IntrospectRequest&) = default;
};

/// What an Impair request does.
enum class ImpairAction : std::uint8_t {
  Show = 0,       // change nothing; the reply has the current settings
  Set = 1,        // change the random impairments named in `fields`
  DropNext = 2,   // drop the next `count` segments matching `match` (and `port`, `socket`)
  DelayNext = 3,  // delay the next `count` matching segments by delay_us
  Clear = 4,      // everything off
};
/// ImpairRequest::fields: which values a Set changes.
enum ImpairField : std::uint16_t {
  kImpairLoss = 1 << 0,
  kImpairDuplicate = 1 << 1,
  kImpairReorder = 1 << 2,
  kImpairCorrupt = 1 << 3,
  kImpairDelay = 1 << 4,
  kImpairJitter = 1 << 5,
  kImpairRate = 1 << 6,
  kImpairSeed = 1 << 7,
};
inline constexpr std::uint16_t kImpairAllFields = 0xff;
inline constexpr std::uint32_t kMillion = 1'000'000;
inline constexpr std::uint32_t kMaxImpairDelayUs = 10'000'000;  // 10 s
/// Show, change or clear the link impairment; the reply is a JsonReply
/// with the settings after the change. Probabilities in parts per million.
struct ImpairRequest {
  ImpairAction action = ImpairAction::Show;
  std::uint8_t directions = 3;  // bit 0: to the stack (in), bit 1: from the stack (out)
  std::uint16_t fields = 0;
  std::uint32_t loss_ppm = 0;
  std::uint32_t duplicate_ppm = 0;
  std::uint32_t reorder_ppm = 0;
  std::uint32_t corrupt_ppm = 0;
  std::uint32_t delay_us = 0;  // Set: fixed delay; DelayNext: the one-shot delay
  std::uint32_t jitter_us = 0;
  std::uint64_t rate = 0;  // bytes per second; 0: unlimited
  std::uint64_t seed = 0;
  std::uint8_t match = 0;  // DropNext/DelayNext: 1 syn-ack, 2 syn, 3 fin, 4 rst, 5 ack, 6 data, 7 any
  std::uint32_t count = 1;
  std::uint16_t port = 0;  // 0: any
  std::uint32_t socket = 0;  // DropNext/DelayNext: only this TCP socket's connection; 0: any
  friend bool operator==(const ImpairRequest&, const ImpairRequest&) = default;
};

/// Trace and Capture: what to watch. Zero fields match everything.
struct WatchRequest {
  std::uint32_t socket = 0;   // Trace: a stack socket id (as `tapstack sockets` shows)
  std::uint32_t address = 0;  // either endpoint's IPv4 address, host order
  std::uint16_t port = 0;     // either endpoint's port
  std::uint8_t flags = 0;     // Trace: kWatchJson, kWatchAbsolute
  std::uint32_t count = 0;    // Capture: end the stream after this many frames (0: never)
  friend bool operator==(const WatchRequest&, const WatchRequest&) = default;
};
inline constexpr std::uint8_t kWatchJson = 1;      // JSON objects instead of lines
inline constexpr std::uint8_t kWatchAbsolute = 2;  // raw sequence numbers in lines

using RequestBody = std::variant<HelloRequest, SocketRequest, HandleRequest, AddressRequest,
                                 ShutdownRequest, SockOptRequest, ResolveRequest, PingRequest,
                                 IntrospectRequest, ImpairRequest, WatchRequest>;

// ---- replies (daemon → client). Every reply carries `error` (0 or an errno);
// the fields after it are only on the wire when error is 0. ----

struct HelloReply {
  std::uint16_t version = 0;
  std::uint32_t daemon_pid = 0;
  std::string daemon_version;
  friend bool operator==(const HelloReply&, const HelloReply&) = default;
};
/// Socket; the data fd travels with the message (SCM_RIGHTS).
struct SocketReply {
  Handle handle = 0;
  friend bool operator==(const SocketReply&, const SocketReply&) = default;
};
/// GetSockName, GetPeerName.
struct EndpointReply {
  Endpoint endpoint;
  friend bool operator==(const EndpointReply&, const EndpointReply&) = default;
};
struct SockOptReply {
  std::int32_t value = 0;
  std::int32_t value2 = 0;
  friend bool operator==(const SockOptReply&, const SockOptReply&) = default;
};
struct ResolveReply {
  std::vector<std::uint32_t> addresses;
  friend bool operator==(const ResolveReply&, const ResolveReply&) = default;
};
struct PingReply {
  std::uint32_t from = 0;
  std::uint16_t sequence = 0;
  std::uint16_t size = 0;
  std::uint8_t ttl = 0;
  std::uint32_t rtt_us = 0;
  friend bool operator==(const PingReply&, const PingReply&) = default;
};
/// TcpInfo's reply: what Linux's struct tcp_info says, for TCP_INFO. The
/// request is a HandleRequest whose arg names the layout the client knows
/// (kTcpInfoVersion); a later layout gets a new number, so a reply is
/// always read field for field as its version says.
inline constexpr std::uint8_t kTcpInfoVersion = 1;
struct TcpInfoReply {
  std::uint8_t version = kTcpInfoVersion;
  std::uint8_t state = 7;        // Linux's numbers: 1 ESTABLISHED … 7 CLOSE … 11 CLOSING
  std::uint8_t ca_state = 0;     // TCP_CA_Open 0, TCP_CA_Recovery 3
  std::uint8_t options = 0;      // TCPI_OPT_TIMESTAMPS 1, _SACK 2, _WSCALE 4
  std::uint8_t snd_wscale = 0;   // ≤ 14
  std::uint8_t rcv_wscale = 0;   // ≤ 14
  std::uint8_t retransmits = 0;  // consecutive timeouts of the segment now in flight
  std::uint8_t probes = 0;       // unanswered keep-alive probes
  std::uint32_t rto_us = 0, rtt_us = 0, rttvar_us = 0, min_rtt_us = 0;
  std::uint32_t snd_mss = 0, rcv_mss = 0, advmss = 0, pmtu = 0;
  std::uint32_t snd_cwnd = 0, snd_ssthresh = 0;  // segments
  std::uint32_t unacked = 0;                     // segments
  std::uint32_t snd_wnd = 0, rcv_wnd = 0;        // bytes
  std::uint32_t total_retrans = 0;
  std::uint32_t notsent_bytes = 0;
  std::uint32_t segs_out = 0, segs_in = 0;
  std::uint64_t bytes_acked = 0, bytes_received = 0, bytes_sent = 0;
  std::uint64_t delivery_rate = 0;  // bytes per second; 0: not known
  friend bool operator==(const TcpInfoReply&, const TcpInfoReply&) = default;
};
inline constexpr std::uint8_t kMaxLinuxTcpState = 11;  // TCP_CLOSING
inline constexpr std::uint8_t kMaxWindowShift = 14;    // RFC 7323 §2.3

/// Status, Sockets, Arp, Counters: a JSON document (see docs/rpc.md).
struct JsonReply {
  std::string json;
  friend bool operator==(const JsonReply&, const JsonReply&) = default;
};
/// Bind, Listen, Connect, Shutdown, Close, SetSockOpt, and every error.
struct EmptyReply {
  friend bool operator==(const EmptyReply&, const EmptyReply&) = default;
};

using ReplyBody = std::variant<EmptyReply, HelloReply, SocketReply, EndpointReply, SockOptReply,
                               ResolveReply, PingReply, JsonReply, TcpInfoReply>;

// ---- events (daemon → client, unsolicited) ----

enum class EventKind : std::uint8_t {
  Connected = 1,  // a non-blocking connect completed
  Error = 2,      // the connection failed or was reset; `error` says how
};
struct EventBody {
  Handle handle = 0;
  EventKind kind = EventKind::Error;
  std::int32_t error = 0;
  friend bool operator==(const EventBody&, const EventBody&) = default;
};

}  // namespace tapstack::rpc
