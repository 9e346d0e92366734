// TcpInfo (TCP_INFO over the RPC): the request and the versioned reply
// round-trip, the new socket options decode, and every out-of-range field
// of the reply is refused rather than handed to a program as tcp_info.
#include <gtest/gtest.h>

#include <cstddef>

#include "rpc/protocol.hpp"

namespace tapstack::rpc {
namespace {

TcpInfoReply sample() {
  TcpInfoReply m;
  m.state = 1;
  m.ca_state = 3;
  m.options = 7;
  m.snd_wscale = 7;
  m.rcv_wscale = 14;
  m.retransmits = 2;
  m.probes = 1;
  m.rto_us = 204'000;
  m.rtt_us = 1'500;
  m.rttvar_us = 750;
  m.min_rtt_us = 900;
  m.snd_mss = 1448;
  m.rcv_mss = 1448;
  m.advmss = 1460;
  m.pmtu = 1500;
  m.snd_cwnd = 10;
  m.snd_ssthresh = 0x7fffffff;
  m.unacked = 3;
  m.snd_wnd = 65535;
  m.rcv_wnd = 262144;
  m.total_retrans = 5;
  m.notsent_bytes = 100;
  m.segs_out = 1000;
  m.segs_in = 900;
  m.bytes_acked = 1ull << 33;
  m.bytes_received = 12345;
  m.bytes_sent = (1ull << 33) + 7;
  m.delivery_rate = 125'000'000;
  return m;
}

Decoded<Message> decode_reply(const TcpInfoReply& body) {
  const auto bytes = encode(Reply{MessageType::TcpInfo, 3, 0, body});
  return decode(bytes);
}

TEST(TcpInfoCodec, RequestAndReplyRoundTrip) {
  const Request request{MessageType::TcpInfo, 2, HandleRequest{7, kTcpInfoVersion}};
  auto decoded = decode(encode(request));
  ASSERT_TRUE(decoded.ok());
  EXPECT_EQ(std::get<Request>(decoded.value()), request);
  auto reply = decode_reply(sample());
  ASSERT_TRUE(reply.ok()) << describe(reply.error());
  EXPECT_EQ(std::get<TcpInfoReply>(std::get<Reply>(reply.value()).body), sample());
}

TEST(TcpInfoCodec, AnErrorReplyCarriesNoStruct) {
  auto decoded = decode(encode(error_reply(MessageType::TcpInfo, 4, 95 /* EOPNOTSUPP */)));
  ASSERT_TRUE(decoded.ok());
  EXPECT_EQ(std::get<Reply>(decoded.value()).error, 95);
}

TEST(TcpInfoCodec, RefusesOutOfRangeFields) {
  const auto bad = [](auto change) {
    TcpInfoReply m = sample();
    change(m);
    return decode_reply(m);
  };
  EXPECT_FALSE(bad([](TcpInfoReply& m) { m.version = 2; }).ok());
  EXPECT_FALSE(bad([](TcpInfoReply& m) { m.state = 0; }).ok());
  EXPECT_FALSE(bad([](TcpInfoReply& m) { m.state = 12; }).ok());
  EXPECT_FALSE(bad([](TcpInfoReply& m) { m.ca_state = 5; }).ok());
  EXPECT_FALSE(bad([](TcpInfoReply& m) { m.options = 8; }).ok());
  EXPECT_FALSE(bad([](TcpInfoReply& m) { m.snd_wscale = 15; }).ok());
  EXPECT_FALSE(bad([](TcpInfoReply& m) { m.rcv_wscale = 15; }).ok());
}

TEST(TcpInfoCodec, EveryTruncationAndAnyTrailingByteIsRefused) {
  const auto bytes = encode(Reply{MessageType::TcpInfo, 3, 0, sample()});
  for (std::size_t n = kHeaderSize; n < bytes.size(); ++n) {
    auto cut = bytes;
    cut.resize(n);
    store_be32(cut, 12, static_cast<std::uint32_t>(n - kHeaderSize));
    EXPECT_FALSE(decode(cut).ok()) << n;
  }
  auto longer = bytes;
  longer.push_back(0);
  store_be32(longer, 12, static_cast<std::uint32_t>(longer.size() - kHeaderSize));
  EXPECT_FALSE(decode(longer).ok());
}

TEST(TcpInfoCodec, TheNewSocketOptionsDecodeAndOneBeyondDoesNot) {
  for (auto opt : {SockOpt::KeepIdle, SockOpt::KeepIntvl, SockOpt::KeepCnt, SockOpt::UserTimeout,
                   SockOpt::QuickAck, SockOpt::Cork, SockOpt::MaxSeg}) {
    const Request r{MessageType::SetSockOpt, 1, SockOptRequest{7, opt, 30, 0}};
    auto decoded = decode(encode(r));
    ASSERT_TRUE(decoded.ok());
    EXPECT_EQ(std::get<Request>(decoded.value()), r);
  }
  auto bytes = encode(Request{MessageType::SetSockOpt, 1, SockOptRequest{7, kLastSockOpt, 1, 0}});
  bytes[kHeaderSize + 4] = static_cast<std::uint8_t>(kLastSockOpt) + 1;
  EXPECT_FALSE(decode(bytes).ok());
}

}  // namespace
}  // namespace tapstack::rpc
