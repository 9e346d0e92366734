#pragma once
// The parts of the stack the RPC server works with, handed over by App.
#include <string>

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
namespace link {
class Impairment;
}
}  // namespace tapstack

namespace tapstack::daemon {

struct StackHandles {
  Stack& stack;
  tcp::TcpLayer& tcp;
  net::UdpLayer& udp;
  dns::Resolver& resolver;
  link::Impairment* impairment = nullptr;  // the link impairment model (`tapstack impair`)
  std::string interface;                   // the TAP's name (`tapstack status`)
  bool offload = false;                    // the TAP cuts and checksums for the stack
};

}  // namespace tapstack::daemon
