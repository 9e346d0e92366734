#include "stack/base/errc.hpp"

#include <cerrno>
#include <string>

namespace tapstack {
namespace {

class StackCategory final : public std::error_category {
 public:
  const char* name() const noexcept override { return "tapstack"; }
  std::string message(int value) const override { return describe(static_cast<Errc>(value)); }
};

}  // namespace

const std::error_category& stack_category() noexcept {
  static const StackCategory category;
  return category;
}

int to_errno(Errc e) noexcept {
  switch (e) {
    case Errc::Ok: return 0;
    case Errc::WouldBlock: return EAGAIN;
    case Errc::InvalidArgument: return EINVAL;
    case Errc::InvalidState: return EINVAL;
    case Errc::AddressInUse: return EADDRINUSE;
    case Errc::AddressNotAvailable: return EADDRNOTAVAIL;
    case Errc::NotConnected: return ENOTCONN;
    case Errc::AlreadyConnected: return EISCONN;
    case Errc::InProgress: return EINPROGRESS;
    case Errc::ConnectionRefused: return ECONNREFUSED;
    case Errc::ConnectionReset: return ECONNRESET;
    case Errc::ConnectionAborted: return ECONNABORTED;
    case Errc::TimedOut: return ETIMEDOUT;
    case Errc::HostUnreachable: return EHOSTUNREACH;
    case Errc::NetworkUnreachable: return ENETUNREACH;
    case Errc::MessageTooLong: return EMSGSIZE;
    case Errc::NoBufferSpace: return ENOBUFS;
    case Errc::NoPorts: return EADDRNOTAVAIL;
    case Errc::NotSupported: return EOPNOTSUPP;
    case Errc::Shutdown: return EPIPE;
    case Errc::BadDescriptor: return EBADF;
    case Errc::PermissionDenied: return EACCES;
    case Errc::TooManySockets: return EMFILE;
  }
  return EIO;
}

const char* describe(Errc e) noexcept {
  switch (e) {
    case Errc::Ok: return "success";
    case Errc::WouldBlock: return "operation would block";
    case Errc::InvalidArgument: return "invalid argument";
    case Errc::InvalidState: return "operation not valid in this socket state";
    case Errc::AddressInUse: return "address already in use";
    case Errc::AddressNotAvailable: return "address not available";
    case Errc::NotConnected: return "socket is not connected";
    case Errc::AlreadyConnected: return "socket is already connected";
    case Errc::InProgress: return "operation in progress";
    case Errc::ConnectionRefused: return "connection refused";
    case Errc::ConnectionReset: return "connection reset by peer";
    case Errc::ConnectionAborted: return "connection aborted";
    case Errc::TimedOut: return "connection timed out";
    case Errc::HostUnreachable: return "no route to host";
    case Errc::NetworkUnreachable: return "network is unreachable";
    case Errc::MessageTooLong: return "message too long";
    case Errc::NoBufferSpace: return "no buffer space available";
    case Errc::NoPorts: return "no free local port";
    case Errc::NotSupported: return "operation not supported";
    case Errc::Shutdown: return "cannot send after shutdown";
    case Errc::BadDescriptor: return "no such socket";
    case Errc::PermissionDenied: return "permission denied";
    case Errc::TooManySockets: return "too many sockets";
  }
  return "unknown error";
}

}  // namespace tapstack
