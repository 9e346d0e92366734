#include "daemon/capabilities.hpp"

#include <linux/capability.h>
#include <spdlog/spdlog.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace tapstack::daemon {

void drop_net_admin() {
  // Raw capget/capset: the daemon does not link libcap for one bit.
  __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
  __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3]{};
  if (::syscall(SYS_capget, &header, data) != 0) {
    spdlog::warn("cannot read the capabilities: {}", std::strerror(errno));
    return;
  }
  const unsigned bit = 1U << (CAP_NET_ADMIN % 32);
  auto& set = data[CAP_NET_ADMIN / 32];
  if (((set.effective | set.permitted | set.inheritable) & bit) == 0) return;
  // Ambient first: the kernel keeps an ambient bit only while it is permitted.
  (void)::prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_LOWER, CAP_NET_ADMIN, 0, 0);
  set.effective &= ~bit;
  set.permitted &= ~bit;
  set.inheritable &= ~bit;
  if (::syscall(SYS_capset, &header, data) != 0) {
    spdlog::warn("cannot drop CAP_NET_ADMIN: {}", std::strerror(errno));
    return;
  }
  spdlog::info("dropped CAP_NET_ADMIN: the TAP and its addresses are set up");
}

}  // namespace tapstack::daemon
