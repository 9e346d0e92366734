// Kept apart from tapstack.cpp: <linux/tcp.h> has the kernel's whole
// struct tcp_info (bytes_acked, segs_in, delivery_rate…), which glibc's
// <netinet/tcp.h> lacks, and the two headers cannot be included together.
#include "client/lib/tcp_info.hpp"

#include <linux/tcp.h>

#include <algorithm>
#include <cstring>

namespace tapstack::client {

void write_tcp_info(const rpc::TcpInfoReply& r, void* out, socklen_t* len) {
  tcp_info t{};
  t.tcpi_state = r.state;
  t.tcpi_ca_state = r.ca_state;
  t.tcpi_retransmits = r.retransmits;
  t.tcpi_probes = r.probes;
  t.tcpi_backoff = r.retransmits;  // the RTO doubles once per consecutive timeout
  t.tcpi_options = r.options;
  t.tcpi_snd_wscale = r.snd_wscale & 0xf;
  t.tcpi_rcv_wscale = r.rcv_wscale & 0xf;
  t.tcpi_rto = r.rto_us;
  t.tcpi_snd_mss = r.snd_mss;
  t.tcpi_rcv_mss = r.rcv_mss;
  t.tcpi_unacked = r.unacked;
  t.tcpi_pmtu = r.pmtu;
  t.tcpi_rtt = r.rtt_us;
  t.tcpi_rttvar = r.rttvar_us;
  t.tcpi_snd_ssthresh = r.snd_ssthresh;
  t.tcpi_snd_cwnd = r.snd_cwnd;
  t.tcpi_advmss = r.advmss;
  t.tcpi_reordering = 3;  // RFC 6675 DupThresh, as Linux's default
  t.tcpi_rcv_space = r.rcv_wnd;
  t.tcpi_total_retrans = r.total_retrans;
  t.tcpi_bytes_acked = r.bytes_acked;
  t.tcpi_bytes_received = r.bytes_received;
  t.tcpi_segs_out = r.segs_out;
  t.tcpi_segs_in = r.segs_in;
  t.tcpi_notsent_bytes = r.notsent_bytes;
  t.tcpi_min_rtt = r.min_rtt_us;
  t.tcpi_delivery_rate = r.delivery_rate;
  t.tcpi_bytes_sent = r.bytes_sent;
  t.tcpi_snd_wnd = r.snd_wnd;
  const std::size_t n = std::min<std::size_t>(*len, sizeof t);
  std::memcpy(out, &t, n);
  *len = static_cast<socklen_t>(n);
}

}  // namespace tapstack::client
