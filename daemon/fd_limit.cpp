#include "daemon/fd_limit.hpp"

#include <spdlog/spdlog.h>
#include <sys/resource.h>

#include <cerrno>
#include <cstring>

namespace tapstack::daemon {
namespace {

// The TAP, netlink, the signal pipe, capture files, watch and document
// streams in flight: what the daemon holds besides sockets and sessions.
constexpr std::size_t kSpareDescriptors = 256;

}  // namespace

void raise_fd_limit(const RpcLimits& limits) {
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) != 0) {
    spdlog::warn("cannot read RLIMIT_NOFILE: {}", std::strerror(errno));
    return;
  }
  if (limit.rlim_cur < limit.rlim_max) {
    const rlim_t before = limit.rlim_cur;
    limit.rlim_cur = limit.rlim_max;
    if (::setrlimit(RLIMIT_NOFILE, &limit) != 0) {
      spdlog::warn("cannot raise RLIMIT_NOFILE from {} to {}: {}", before, limit.rlim_max,
                   std::strerror(errno));
      limit.rlim_cur = before;
    }
  }
  const std::size_t have = limit.rlim_cur;
  const std::size_t sessions = limits.sessions.total + limits.sessions.privileged;
  const std::size_t need = limits.sockets_total + sessions + kSpareDescriptors;
  if (have < limits.sockets_per_session + kSpareDescriptors) {
    spdlog::warn(
        "file descriptor limit {} is below one session's {} sockets + {} spare: a single client "
        "can exhaust it (raise LimitNOFILE / ulimit -n)",
        have, limits.sockets_per_session, kSpareDescriptors);
  } else if (have < need) {
    spdlog::warn(
        "file descriptor limit {} is below the {} the limits allow ({} sockets + {} sessions + {} "
        "spare): clients may get EMFILE before ENFILE (raise LimitNOFILE / ulimit -n)",
        have, need, limits.sockets_total, sessions, kSpareDescriptors);
  } else {
    spdlog::debug("file descriptor limit {} (the limits need {})", have, need);
  }
}

}  // namespace tapstack::daemon
