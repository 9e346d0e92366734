#pragma once
// The RPC framing: one message per SOCK_SEQPACKET packet, a 16-byte header
// then a body (docs/rpc.md, "Framing"). decode() checks everything a hostile
// peer could get wrong and returns a CodecError instead of trusting it.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <variant>
#include <vector>

#include "rpc/messages.hpp"
#include "stack/base/bytes.hpp"

namespace tapstack::rpc {

inline constexpr std::uint16_t kMagic = 0x5453;  // "TS"
/// Bumped on any incompatible change; a Hello with another version is refused.
inline constexpr std::uint8_t kVersion = 2;
inline constexpr std::size_t kHeaderSize = 16;
/// No message is larger; the receiver's buffer is one byte larger so a longer
/// one shows up as truncated (MSG_TRUNC) and is refused, not cut silently.
inline constexpr std::size_t kMaxMessageSize = 64 * 1024;
inline constexpr std::size_t kMaxNameLength = 253;     // a DNS name (RFC 1035 §2.3.4)
inline constexpr std::size_t kMaxClientNameLength = 64;
inline constexpr std::size_t kMaxAddresses = 32;       // in a ResolveReply
inline constexpr std::size_t kMaxPingSize = 65507 - 8;

enum class Direction : std::uint8_t { Request = 0, Reply = 1, Event = 2 };

struct Request {
  MessageType type = MessageType::Hello;
  std::uint32_t id = 0;
  RequestBody body;
  friend bool operator==(const Request&, const Request&) = default;
};

struct Reply {
  MessageType type = MessageType::Hello;
  std::uint32_t id = 0;
  std::int32_t error = 0;  // 0 or a Linux errno
  ReplyBody body;          // EmptyReply whenever error != 0
  friend bool operator==(const Reply&, const Reply&) = default;
};

using Message = std::variant<Request, Reply, EventBody>;

enum class CodecError : std::uint8_t {
  Truncated,       // shorter than the header or than the header says
  TooLarge,        // longer than kMaxMessageSize
  BadMagic,
  BadVersion,      // another protocol version (see peek_version)
  BadDirection,
  UnknownType,
  LengthMismatch,  // body length field disagrees with the packet
  BadBody,         // a field is out of range, or bytes are left over
};

const char* describe(CodecError error);

/// A decoded message or why it could not be decoded.
template <typename T>
class Decoded {
 public:
  Decoded(T value) : v_(std::move(value)) {}          // NOLINT: implicit by design
  Decoded(CodecError error) : v_(error) {}            // NOLINT: implicit by design
  bool ok() const { return v_.index() == 0; }
  T& value() { return std::get<0>(v_); }
  const T& value() const { return std::get<0>(v_); }
  CodecError error() const { return std::get<1>(v_); }

 private:
  std::variant<T, CodecError> v_;
};

std::vector<std::uint8_t> encode(const Request& request);
std::vector<std::uint8_t> encode(const Reply& reply);
std::vector<std::uint8_t> encode(const EventBody& event);

/// Decodes one whole packet. Never reads outside `packet`.
Decoded<Message> decode(Bytes packet);

/// The version byte of a packet with a valid magic, so a client can say
/// "the daemon speaks version N" when decode() reports BadVersion.
std::optional<std::uint8_t> peek_version(Bytes packet);

/// A reply carrying only an error.
inline Reply error_reply(MessageType type, std::uint32_t id, std::int32_t error) {
  return Reply{type, id, error, EmptyReply{}};
}

// ---- UDP data fd framing ----
// Each SOCK_SEQPACKET packet on a UDP socket's data fd is an 8-byte address
// header (address u32, port u16, 2 zero bytes) and then the datagram. From the
// client it names the destination (0.0.0.0:0: the connected peer); from the
// daemon it names the sender.
inline constexpr std::size_t kDatagramHeaderSize = 8;

void encode_datagram_header(MutableBytes out, const Endpoint& endpoint);
/// nullopt when the packet is shorter than the header.
std::optional<Endpoint> decode_datagram_header(Bytes packet);

// ---- listening TCP data fd framing ----
// The daemon accepts for the program: each connection arrives on the
// listener's data fd as a 12-byte record (handle u32, peer address u32, peer
// port u16, 2 zero bytes) with the connection's data fd attached
// (SCM_RIGHTS), so accept() is one recvmsg and no round trip.
inline constexpr std::size_t kAcceptRecordSize = 12;

struct AcceptRecord {
  Handle handle = 0;
  Endpoint peer;
  friend bool operator==(const AcceptRecord&, const AcceptRecord&) = default;
};

void encode_accept_record(MutableBytes out, const AcceptRecord& record);
/// nullopt unless the bytes are exactly one record with a non-zero handle.
std::optional<AcceptRecord> decode_accept_record(Bytes bytes);

}  // namespace tapstack::rpc
