// The challenge-ACK budget shared by a layer's TCBs.
#include "stack/tcp/tcb_env.hpp"

namespace tapstack::tcp {

bool ChallengeAckLimiter::allow(Instant now) {
  if (now - window_start_ >= 1s) {
    window_start_ = now;
    used_ = 0;
  }
  if (used_ >= limit_) return false;
  ++used_;
  return true;
}

}  // namespace tapstack::tcp
