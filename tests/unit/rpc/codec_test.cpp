// The RPC codec: every message round-trips, and hostile input (truncated,
// oversized, wrong version, unknown type, lying lengths, random bytes) gives
// a CodecError, never a crash or an out-of-bounds read.
#include <gtest/gtest.h>

#include <algorithm>
#include <cerrno>
#include <random>

#include "rpc/protocol.hpp"

namespace tapstack::rpc {
namespace {

template <typename M>
M round_trip(const auto& message) {
  const auto bytes = encode(message);
  auto decoded = decode(bytes);
  EXPECT_TRUE(decoded.ok()) << describe(decoded.error());
  return std::get<M>(decoded.value());
}

TEST(RpcCodec, RequestsRoundTrip) {
  const std::vector<Request> requests = {
      {MessageType::Hello, 1, HelloRequest{kVersion, "tapstack-cli"}},
      {MessageType::Socket, 2, SocketRequest{Protocol::Udp}},
      {MessageType::Bind, 3, AddressRequest{7, {0x0a000002, 80}, false}},
      {MessageType::Connect, 4, AddressRequest{7, {0x0a000001, 8080}, true}},
      {MessageType::Listen, 5, HandleRequest{7, 128}},
      {MessageType::Shutdown, 7, ShutdownRequest{7, ShutdownHow::Write}},
      {MessageType::SetSockOpt, 8, SockOptRequest{7, SockOpt::Linger, 1, 5}},
      {MessageType::GetSockOpt, 9, SockOptRequest{7, SockOpt::Error, 0, 0}},
      {MessageType::SetSockOpt, 13, SockOptRequest{7, SockOpt::Congestion, 1, 0}},
      {MessageType::Resolve, 10, ResolveRequest{"example.test"}},
      {MessageType::Ping, 11, PingRequest{0x0a000001, 3, 56, 1000}},
      {MessageType::Sockets, 12, IntrospectRequest{}},
      {MessageType::Close, 0xffffffff, HandleRequest{7, 0}},
  };
  for (const auto& r : requests) {
    SCOPED_TRACE(to_string(r.type));
    EXPECT_EQ(round_trip<Request>(r), r);
  }
}

TEST(RpcCodec, RepliesRoundTrip) {
  const std::vector<Reply> replies = {
      {MessageType::Hello, 1, 0, HelloReply{kVersion, 4242, "0.1.0"}},
      {MessageType::Socket, 2, 0, SocketReply{9}},
      {MessageType::GetPeerName, 3, 0, EndpointReply{{0x0a000001, 22}}},
      {MessageType::GetSockOpt, 4, 0, SockOptReply{1, 0}},
      {MessageType::Resolve, 5, 0, ResolveReply{{0x01020304, 0x05060708}}},
      {MessageType::Ping, 6, 0, PingReply{0x0a000001, 1, 64, 64, 350}},
      {MessageType::Status, 7, 0, JsonReply{R"({"up":true})"}},
      {MessageType::Bind, 8, 0, EmptyReply{}},
      error_reply(MessageType::Connect, 9, ECONNREFUSED),
  };
  for (const auto& r : replies) {
    SCOPED_TRACE(to_string(r.type));
    EXPECT_EQ(round_trip<Reply>(r), r);
  }
}

TEST(RpcCodec, EventRoundTrips) {
  const EventBody e{3, EventKind::Error, ECONNRESET};
  EXPECT_EQ(round_trip<EventBody>(e), e);
}

TEST(RpcCodec, HeaderLayoutIsFixed) {
  const auto bytes = encode(Request{MessageType::Close, 0x01020304, HandleRequest{5, 0}});
  ASSERT_EQ(bytes.size(), kHeaderSize + 8);
  const std::vector<std::uint8_t> header = {'T', 'S', kVersion, 0, 0, 8, 0, 0,
                                            1, 2, 3, 4, 0, 0, 0, 8};
  EXPECT_EQ(std::vector<std::uint8_t>(bytes.begin(), bytes.begin() + kHeaderSize), header);
}

CodecError error_of(const std::vector<std::uint8_t>& bytes) {
  auto d = decode(bytes);
  EXPECT_FALSE(d.ok());
  return d.ok() ? CodecError::BadBody : d.error();
}

std::vector<std::uint8_t> sample() {
  return encode(Request{MessageType::Connect, 1, AddressRequest{1, {0x0a000001, 80}, false}});
}

TEST(RpcCodec, EveryTruncationIsAnError) {
  const auto full = sample();
  for (std::size_t n = 0; n < full.size(); ++n) {
    SCOPED_TRACE(n);
    auto d = decode(Bytes(full.data(), n));
    EXPECT_FALSE(d.ok());
  }
}

TEST(RpcCodec, RefusesOversizedPackets) {
  std::vector<std::uint8_t> big(kMaxMessageSize + 1, 0);
  EXPECT_EQ(error_of(big), CodecError::TooLarge);
}

TEST(RpcCodec, RefusesBadMagicAndVersion) {
  auto m = sample();
  m[0] = 'X';
  EXPECT_EQ(error_of(m), CodecError::BadMagic);
  m = sample();
  m[2] = kVersion + 1;
  EXPECT_EQ(error_of(m), CodecError::BadVersion);
  EXPECT_EQ(peek_version(m), kVersion + 1);
}

TEST(RpcCodec, RefusesUnknownTypeAndDirection) {
  auto m = sample();
  m[5] = 99;
  EXPECT_EQ(error_of(m), CodecError::UnknownType);
  m = sample();
  m[3] = 7;
  EXPECT_EQ(error_of(m), CodecError::BadDirection);
  // An event type sent as a request.
  m = sample();
  m[5] = static_cast<std::uint8_t>(MessageType::Event);
  EXPECT_EQ(error_of(m), CodecError::BadDirection);
}

TEST(RpcCodec, RefusesLyingLengths) {
  auto m = sample();
  m[15] = static_cast<std::uint8_t>(m[15] + 1);  // claims one more byte than sent
  EXPECT_EQ(error_of(m), CodecError::Truncated);
  m = sample();
  m[15] = static_cast<std::uint8_t>(m[15] - 1);  // claims one fewer
  EXPECT_EQ(error_of(m), CodecError::LengthMismatch);
  m = sample();
  m[12] = 0xff;  // 4 GiB body
  EXPECT_EQ(error_of(m), CodecError::Truncated);
}

TEST(RpcCodec, RefusesTrailingBytesAndBadFields) {
  auto m = sample();
  m.push_back(0);
  m[15] = static_cast<std::uint8_t>(m[15] + 1);
  EXPECT_EQ(error_of(m), CodecError::BadBody);
  // nonblocking flag must be 0 or 1
  m = sample();
  m.back() = 2;
  EXPECT_EQ(error_of(m), CodecError::BadBody);
  // a string whose length prefix points past the end
  auto r = encode(Request{MessageType::Resolve, 1, ResolveRequest{"abc"}});
  r[kHeaderSize + 3] = 200;
  EXPECT_EQ(error_of(r), CodecError::BadBody);
  // a name longer than DNS allows
  auto l = encode(Request{MessageType::Resolve, 1, ResolveRequest{std::string(300, 'a')}});
  EXPECT_EQ(error_of(l), CodecError::BadBody);
  // a negative errno in a reply
  auto e = encode(error_reply(MessageType::Bind, 1, EINVAL));
  e[kHeaderSize] = 0x80;
  EXPECT_EQ(error_of(e), CodecError::BadBody);
  // an unknown socket protocol
  auto s = encode(Request{MessageType::Socket, 1, SocketRequest{Protocol::Tcp}});
  s.back() = 1;
  EXPECT_EQ(error_of(s), CodecError::BadBody);
}

TEST(RpcCodec, RandomBytesNeverCrash) {
  std::mt19937_64 rng(12345);
  const auto base = sample();
  for (int i = 0; i < 20000; ++i) {
    auto m = base;
    const int flips = 1 + static_cast<int>(rng() % 4);
    for (int f = 0; f < flips; ++f) m[rng() % m.size()] = static_cast<std::uint8_t>(rng());
    m.resize(rng() % (m.size() + 8), 0x5a);
    (void)decode(m);  // must not crash; ASan checks the bounds
  }
  for (int i = 0; i < 2000; ++i) {
    std::vector<std::uint8_t> junk(rng() % 64);
    for (auto& b : junk) b = static_cast<std::uint8_t>(rng());
    if (junk.size() >= 4) {
      junk[0] = 'T';
      junk[1] = 'S';
      junk[2] = kVersion;
    }
    (void)decode(junk);
  }
}

TEST(RpcCodec, DatagramHeader) {
  std::uint8_t buf[kDatagramHeaderSize];
  encode_datagram_header(buf, {0x0a000001, 53});
  const auto e = decode_datagram_header(Bytes(buf, sizeof buf));
  ASSERT_TRUE(e);
  EXPECT_EQ(*e, (Endpoint{0x0a000001, 53}));
  EXPECT_FALSE(decode_datagram_header(Bytes(buf, 7)));
}

TEST(RpcCodec, AcceptRecord) {
  std::uint8_t buf[kAcceptRecordSize];
  const AcceptRecord record{7, {0x0a000001, 40000}};
  encode_accept_record(buf, record);
  const std::uint8_t wire[] = {0, 0, 0, 7, 10, 0, 0, 1, 0x9c, 0x40, 0, 0};
  EXPECT_TRUE(std::equal(std::begin(wire), std::end(wire), std::begin(buf)));
  EXPECT_EQ(decode_accept_record(Bytes(buf, sizeof buf)), record);
}

TEST(RpcCodec, AcceptRecordRejectsWrongSizeZeroHandleAndPadding) {
  std::uint8_t buf[kAcceptRecordSize + 1] = {};
  encode_accept_record(buf, {7, {0x0a000001, 80}});
  EXPECT_FALSE(decode_accept_record(Bytes(buf, kAcceptRecordSize - 1)));
  EXPECT_FALSE(decode_accept_record(Bytes(buf, kAcceptRecordSize + 1)));
  buf[11] = 1;
  EXPECT_FALSE(decode_accept_record(Bytes(buf, kAcceptRecordSize)));
  encode_accept_record(buf, {0, {0x0a000001, 80}});
  EXPECT_FALSE(decode_accept_record(Bytes(buf, kAcceptRecordSize)));
}

}  // namespace
}  // namespace tapstack::rpc
