#include "stack/tcp/ecn.hpp"

#include "stack/wire/tcp.hpp"

namespace tapstack::tcp {

using namespace wire::tcp_flags;

std::uint8_t Ecn::syn_flags() const {
  return offered_ && !fell_back_ ? static_cast<std::uint8_t>(Ece | Cwr) : 0;
}

bool Ecn::on_syn(EcnMode mode, bool ece, bool cwr) {
  send_ = echo_ = mode != EcnMode::Off && ece && cwr;
  return send_;
}

std::uint8_t Ecn::synack_flags() const { return send_ && !fell_back_ ? Ece : 0; }

bool Ecn::on_synack(bool ece, bool cwr) {
  // §6.1.1: a SYN-ACK with both flags is not an answer (a peer reflecting them).
  send_ = echo_ = offered_ && ece && !cwr;
  return send_;
}

bool Ecn::on_handshake_timeout(bool passive) {
  const bool setup = passive ? send_ : offered_;
  if (!setup || fell_back_) return false;
  fell_back_ = true;
  if (passive) send_ = false;
  return true;
}

bool Ecn::on_segment(bool cwr, bool ce) {
  if (!echo_) return false;
  if (cwr) ece_ = false;
  if (!ce) return false;
  ++ce_received_;
  const bool started = !ece_;
  ece_ = true;
  return started;
}

void Ecn::on_reduced(SeqNum snd_max) {
  reduced_until_ = snd_max;
  cwr_pending_ = true;
}

bool Ecn::take_cwr() {
  if (!send_ || !cwr_pending_) return false;
  cwr_pending_ = false;
  ++cwr_sent_;
  return true;
}

}  // namespace tapstack::tcp
