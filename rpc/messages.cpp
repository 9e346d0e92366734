#include "rpc/messages.hpp"

namespace tapstack::rpc {

bool is_known(MessageType type) {
  const auto v = static_cast<std::uint16_t>(type);
  return (v >= 1 && v <= 18) || type == MessageType::Impair || type == MessageType::TcpInfo ||
         type == MessageType::Event ||
         type == MessageType::Trace || type == MessageType::Capture;
}

const char* to_string(MessageType type) {
  switch (type) {
    case MessageType::Hello: return "hello";
    case MessageType::Socket: return "socket";
    case MessageType::Bind: return "bind";
    case MessageType::Listen: return "listen";
    case MessageType::Connect: return "connect";
    case MessageType::Shutdown: return "shutdown";
    case MessageType::Close: return "close";
    case MessageType::GetSockName: return "getsockname";
    case MessageType::GetPeerName: return "getpeername";
    case MessageType::SetSockOpt: return "setsockopt";
    case MessageType::GetSockOpt: return "getsockopt";
    case MessageType::Resolve: return "resolve";
    case MessageType::Ping: return "ping";
    case MessageType::Status: return "status";
    case MessageType::Sockets: return "sockets";
    case MessageType::Arp: return "arp";
    case MessageType::Counters: return "counters";
    case MessageType::Trace: return "trace";
    case MessageType::Capture: return "capture";
    case MessageType::Impair: return "impair";
    case MessageType::TcpInfo: return "tcp_info";
    case MessageType::Event: return "event";
  }
  return "unknown";
}

const char* congestion_name(Congestion c) { return c == Congestion::Reno ? "reno" : "cubic"; }

std::optional<Congestion> congestion_from_name(std::string_view name) {
  if (name == "reno") return Congestion::Reno;
  if (name == "cubic") return Congestion::Cubic;
  return std::nullopt;
}

}  // namespace tapstack::rpc
