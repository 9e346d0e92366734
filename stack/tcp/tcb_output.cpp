// When a TCB sends: after input and user calls (data from the Sender, else
// the ACK the Receiver asked for), the SYN with the options this side
// offers, and which of the Sender's timers runs in which state.
#include <algorithm>

#include "stack/tcp/tcb.hpp"

namespace tapstack::tcp {

using namespace wire::tcp_flags;

namespace {

/// RFC 9293 §3.7.1 / RFC 879: MSS = MTU - 20 (IPv4) - 20 (TCP).
std::uint16_t mss_for(std::size_t mtu) {
  return static_cast<std::uint16_t>(std::clamp<std::size_t>(mtu, 128, 65535) - 40);
}

}  // namespace

// TCP_MAXSEG clamps both the MSS offered and the one used (Linux user_mss).
std::uint16_t Tcb::user_clamp(std::uint16_t mss) const {
  return opts_.max_segment != 0 ? std::min(mss, opts_.max_segment) : mss;
}

std::uint16_t Tcb::receive_mss() const { return user_clamp(mss_for(env_.ip.link_mtu())); }

std::uint16_t Tcb::path_mss() const {
  return user_clamp(mss_for(env_.ip.path_mtu(tuple_.remote_addr)));
}

std::uint32_t Tcb::effective_mss(std::uint32_t mss) const {
  const std::uint32_t options = ts_.enabled() ? kTimestampOptionBytes : 0;
  return std::max<std::uint32_t>(mss > options ? mss - options : 0, 64);
}

void Tcb::output(Instant now) {
  bool sent = false;
  if (is_synchronized(state_) && state_ != TcpState::TimeWait) sent = sender_.push(now);
  const bool can_ack = state_ != TcpState::Closed && state_ != TcpState::SynSent;
  // Data segments carry the ACK too; a pure ACK only when nothing else went.
  const char* why = receiver_.take_ack_request();
  if (!sent && can_ack && why != nullptr) send_ack(now, why);
  arm_timers(now);
}

void Tcb::send_syn(Instant now) {
  wire::TcpOptions options;
  options.mss = receive_mss();
  // RFC 7323 §1.3: offer scaling on our SYN; answer a SYN only if it offered.
  const bool offer_ws = env_.settings.window_scaling && (!passive_ || peer_ws_ok_);
  if (offer_ws) options.window_scale = receiver_.rcv().wnd_shift;
  options.sack_permitted = env_.settings.sack && (!passive_ || sender_.sack_enabled());
  const bool synack = state_ == TcpState::SynReceived;
  sender_.send_syn(synack, options, synack ? ecn_.synack_flags() : ecn_.syn_flags(), now);
}

void Tcb::send_ack(Instant now, const char* why) {
  // SND.NXT rewinds during go-back-N retransmission; a pure ACK carries the
  // highest sequence number sent instead, so the peer does not find it below
  // RCV.NXT and discard it (Linux tcp_acceptable_seq does the same).
  writer_.transmit({sender_.snd().max, Ack, {}, {}, why, 0, 0}, now);
}

void Tcb::arm_timers(Instant now) {
  track_unacked(now);
  if (state_ == TcpState::SynSent || state_ == TcpState::SynReceived) {
    sender_.arm_handshake_timer(now);
    return;
  }
  if (!is_synchronized(state_) || state_ == TcpState::TimeWait) {
    sender_.stop_timers();
    return;
  }
  sender_.arm_timers(now);
}

}  // namespace tapstack::tcp
