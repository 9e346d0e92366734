#include "daemon/tcp_info_reply.hpp"

#include <algorithm>
#include <limits>

namespace tapstack::daemon {
namespace {

std::uint32_t micros(Duration d) {
  return static_cast<std::uint32_t>(std::clamp<std::int64_t>(
      d.count(), 0, std::numeric_limits<std::uint32_t>::max()));
}

std::uint32_t clamp32(std::uint64_t v) {
  return static_cast<std::uint32_t>(std::min<std::uint64_t>(v, 0xffffffffu));
}

/// Linux's TCP_INFINITE_SSTHRESH; the stack's ssthresh starts there too (in bytes).
constexpr std::uint32_t kInfinite = 0x7fffffff;

/// Bytes as whole segments.
std::uint32_t segments(std::uint64_t bytes, std::uint32_t mss) {
  return static_cast<std::uint32_t>(std::min<std::uint64_t>(bytes / std::max(mss, 1u), kInfinite));
}

}  // namespace

std::uint8_t linux_tcp_state(tcp::TcpState state) {
  using tcp::TcpState;
  switch (state) {
    case TcpState::Established: return 1;
    case TcpState::SynSent: return 2;
    case TcpState::SynReceived: return 3;
    case TcpState::FinWait1: return 4;
    case TcpState::FinWait2: return 5;
    case TcpState::TimeWait: return 6;
    case TcpState::Closed: return 7;
    case TcpState::CloseWait: return 8;
    case TcpState::LastAck: return 9;
    case TcpState::Listen: return 10;
    case TcpState::Closing: return 11;
  }
  return 7;
}

rpc::TcpInfoReply tcp_info_reply(const tcp::TcpSocketInfo& i, std::size_t pmtu) {
  constexpr std::uint8_t kOptTimestamps = 1, kOptSack = 2, kOptWscale = 4, kOptEcn = 8;  // TCPI_OPT_*
  constexpr std::uint8_t kCaOpen = 0, kCaRecovery = 3;                       // TCP_CA_*
  rpc::TcpInfoReply r;
  r.state = linux_tcp_state(i.state);
  r.ca_state = i.in_recovery ? kCaRecovery : kCaOpen;
  r.options = static_cast<std::uint8_t>((i.timestamps ? kOptTimestamps : 0) |
                                        (i.sack ? kOptSack : 0) |
                                        (i.window_scaling ? kOptWscale : 0) |
                                        (i.ecn ? kOptEcn : 0));
  if (i.window_scaling) {
    r.snd_wscale = std::min<std::uint8_t>(i.snd_wscale, rpc::kMaxWindowShift);
    r.rcv_wscale = std::min<std::uint8_t>(i.rcv_wscale, rpc::kMaxWindowShift);
  }
  r.retransmits = static_cast<std::uint8_t>(std::min<std::uint32_t>(i.retries, 255));
  r.probes = static_cast<std::uint8_t>(std::min<std::uint32_t>(i.keepalive_probes, 255));
  r.rto_us = micros(i.rto);
  r.rtt_us = micros(i.srtt);
  r.rttvar_us = micros(i.rttvar);
  r.min_rtt_us = micros(i.min_rtt);
  r.snd_mss = i.mss;
  r.rcv_mss = i.rcv_mss;
  r.advmss = i.adv_mss;
  r.pmtu = clamp32(pmtu);
  r.snd_cwnd = segments(i.cwnd, i.mss);
  r.snd_ssthresh = i.ssthresh >= kInfinite ? kInfinite : segments(i.ssthresh, i.mss);
  r.unacked = (i.unacked + std::max(i.mss, 1u) - 1) / std::max(i.mss, 1u);
  r.snd_wnd = i.snd_wnd;
  r.rcv_wnd = i.rcv_wnd;
  r.total_retrans = clamp32(i.retransmits);
  r.notsent_bytes = clamp32(i.send_queued > i.unacked ? i.send_queued - i.unacked : 0);
  r.segs_out = clamp32(i.segs_out);
  r.segs_in = clamp32(i.segs_in);
  r.bytes_acked = i.bytes_acked;
  r.bytes_received = i.bytes_received;
  r.bytes_sent = i.bytes_sent;
  return r;
}

}  // namespace tapstack::daemon
