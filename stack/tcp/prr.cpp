#include "stack/tcp/prr.hpp"

#include <algorithm>

namespace tapstack::tcp {

void Prr::start(std::uint32_t flight) {
  recover_fs_ = std::max<std::uint32_t>(flight, 1);
  delivered_ = out_ = 0;
  allowance_ = 0;
}

void Prr::on_ack(std::uint32_t delivered, std::uint32_t pipe, std::uint32_t ssthresh,
                 std::uint32_t mss) {
  delivered_ += delivered;
  std::int64_t sndcnt = 0;
  if (pipe > ssthresh) {
    // Proportional: CEIL(prr_delivered * ssthresh / RecoverFS) - prr_out.
    const std::uint64_t due = (delivered_ * ssthresh + recover_fs_ - 1) / recover_fs_;
    sndcnt = static_cast<std::int64_t>(due) - static_cast<std::int64_t>(out_);
  } else {
    // PRR-SSRB: catch up toward ssthresh, at most one MSS beyond what left.
    const std::int64_t owed = static_cast<std::int64_t>(delivered_) - static_cast<std::int64_t>(out_);
    const std::int64_t limit = std::max<std::int64_t>(owed, delivered) + mss;
    sndcnt = std::min<std::int64_t>(ssthresh - pipe, limit);
  }
  // RFC 6937 §3 (and Linux): the fast retransmit itself is never held back.
  if (out_ == 0 && sndcnt <= 0) sndcnt = mss;
  allowance_ = static_cast<std::uint32_t>(std::max<std::int64_t>(sndcnt, 0));
}

void Prr::on_sent(std::uint32_t bytes) {
  out_ += bytes;
  allowance_ = allowance_ > bytes ? allowance_ - bytes : 0;
}

}  // namespace tapstack::tcp
