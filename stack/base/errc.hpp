#pragma once
// The stack's error codes. to_errno() is the errno table of socket errors
// (the RPC layer, the client library and the preload shim all use it);
// dns::to_errno() beside DnsError is the only other one, for name lookups.
#include <system_error>

namespace tapstack {

enum class Errc {
  Ok = 0,
  WouldBlock,
  InvalidArgument,
  InvalidState,
  AddressInUse,
  AddressNotAvailable,
  NotConnected,
  AlreadyConnected,
  InProgress,
  ConnectionRefused,
  ConnectionReset,
  ConnectionAborted,
  TimedOut,
  HostUnreachable,
  NetworkUnreachable,
  MessageTooLong,
  NoBufferSpace,
  NoPorts,
  NotSupported,
  Shutdown,
  BadDescriptor,
  PermissionDenied,
  TooManySockets,
};

const std::error_category& stack_category() noexcept;

inline std::error_code make_error_code(Errc e) noexcept {
  return {static_cast<int>(e), stack_category()};
}

/// The errno a Linux program expects for this error.
int to_errno(Errc e) noexcept;

/// Short human text ("connection refused").
const char* describe(Errc e) noexcept;

}  // namespace tapstack

template <>
struct std::is_error_code_enum<tapstack::Errc> : std::true_type {};
