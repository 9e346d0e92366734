#pragma once
// The parts of the stack the RPC server works with, handed over by App.
namespace tapstack {
class Stack;
namespace tcp {
class TcpLayer;
}
namespace net {
class UdpLayer;
}
namespace dns {
class Resolver;
}
}  // namespace tapstack

namespace tapstack::daemon {

struct StackHandles {
  Stack& stack;
  tcp::TcpLayer& tcp;
  net::UdpLayer& udp;
  dns::Resolver& resolver;
};

}  // namespace tapstack::daemon
