// The TCP options' Linux rules (daemon/tcp_sockopt.*) and TCP_INFO's units
// (daemon/tcp_info_reply.*): ranges, doubling, read-back values, segments.
#include <gtest/gtest.h>

#include <cerrno>

#include "daemon/tcp_info_reply.hpp"
#include "daemon/tcp_sockopt.hpp"

namespace tapstack::daemon {
namespace {

using rpc::SockOpt;

TEST(TcpSockopt, BuffersAreDoubledAndClamped) {
  EXPECT_EQ(socket_buffer(100'000), 200'000u);
  EXPECT_EQ(socket_buffer(1), kMinSocketBuffer);
  EXPECT_EQ(socket_buffer(-5), kMinSocketBuffer);
  EXPECT_EQ(socket_buffer(0x7fffffff), kMaxSocketBuffer);
  tcp::SocketOptions o;
  ASSERT_EQ(set_tcp_option(o, SockOpt::RcvBuf, 65'536), 0);
  EXPECT_EQ(o.recv_buffer, 131'072u);
}

TEST(TcpSockopt, KeepaliveRangesAndReadBack) {
  tcp::SocketOptions o;
  const tcp::TcpSettings settings;
  const tcp::TcpSocketInfo info;
  EXPECT_EQ(get_tcp_option(o, info, settings, SockOpt::KeepIdle), 7200);  // the default
  EXPECT_EQ(get_tcp_option(o, info, settings, SockOpt::KeepIntvl), 75);
  EXPECT_EQ(get_tcp_option(o, info, settings, SockOpt::KeepCnt), 9);
  EXPECT_EQ(set_tcp_option(o, SockOpt::KeepIdle, 0), EINVAL);
  EXPECT_EQ(set_tcp_option(o, SockOpt::KeepIdle, 32'768), EINVAL);
  EXPECT_EQ(set_tcp_option(o, SockOpt::KeepCnt, 128), EINVAL);
  ASSERT_EQ(set_tcp_option(o, SockOpt::KeepIdle, 1), 0);
  ASSERT_EQ(set_tcp_option(o, SockOpt::KeepCnt, 3), 0);
  EXPECT_EQ(get_tcp_option(o, info, settings, SockOpt::KeepIdle), 1);
  EXPECT_EQ(get_tcp_option(o, info, settings, SockOpt::KeepCnt), 3);
  EXPECT_EQ(set_tcp_option(o, SockOpt::UserTimeout, -1), EINVAL);
  ASSERT_EQ(set_tcp_option(o, SockOpt::UserTimeout, 1500), 0);
  EXPECT_EQ(get_tcp_option(o, info, settings, SockOpt::UserTimeout), 1500);
}

TEST(TcpSockopt, MaxSegReadsTheMssInUseOnceConnected) {
  tcp::SocketOptions o;
  tcp::TcpSocketInfo info;
  const tcp::TcpSettings settings;
  EXPECT_EQ(get_tcp_option(o, info, settings, SockOpt::MaxSeg), 536);
  EXPECT_EQ(set_tcp_option(o, SockOpt::MaxSeg, 87), EINVAL);
  ASSERT_EQ(set_tcp_option(o, SockOpt::MaxSeg, 1200), 0);
  EXPECT_EQ(get_tcp_option(o, info, settings, SockOpt::MaxSeg), 1200);
  info.state = tcp::TcpState::Established;
  info.mss = 1188;  // less the timestamps option
  EXPECT_EQ(get_tcp_option(o, info, settings, SockOpt::MaxSeg), 1188);
}

TEST(TcpSockopt, OptionsKeptElsewhereAreNotClaimed) {
  tcp::SocketOptions o;
  EXPECT_EQ(set_tcp_option(o, SockOpt::Linger, 1), ENOPROTOOPT);
  EXPECT_EQ(set_tcp_option(o, SockOpt::QuickAck, 1), ENOPROTOOPT);
  EXPECT_FALSE(get_tcp_option(o, {}, {}, SockOpt::Error).has_value());
}

TEST(TcpInfoReply, LinuxUnitsAndStateNumbers) {
  tcp::TcpSocketInfo i;
  i.state = tcp::TcpState::Established;
  i.mss = 1448;
  i.cwnd = 10 * 1448;
  i.ssthresh = 0xffffffff;
  i.srtt = std::chrono::microseconds(1500);
  i.rto = std::chrono::milliseconds(201);
  i.unacked = 1449;
  i.timestamps = true;
  i.window_scaling = true;
  i.snd_wscale = 7;
  i.rcv_wscale = 3;
  i.retransmits = 4;
  i.bytes_acked = 99;
  const rpc::TcpInfoReply r = tcp_info_reply(i, 1500);
  EXPECT_EQ(r.state, 1);
  EXPECT_EQ(r.snd_cwnd, 10u);
  EXPECT_EQ(r.snd_ssthresh, 0x7fffffffu);
  EXPECT_EQ(r.rtt_us, 1500u);
  EXPECT_EQ(r.rto_us, 201'000u);
  EXPECT_EQ(r.unacked, 2u);
  EXPECT_EQ(r.options, 1 | 4);
  EXPECT_EQ(r.snd_wscale, 7);
  EXPECT_EQ(r.total_retrans, 4u);
  EXPECT_EQ(r.pmtu, 1500u);
  EXPECT_EQ(r.bytes_acked, 99u);
  EXPECT_EQ(linux_tcp_state(tcp::TcpState::Listen), 10);
  EXPECT_EQ(linux_tcp_state(tcp::TcpState::Closing), 11);
}

}  // namespace
}  // namespace tapstack::daemon
