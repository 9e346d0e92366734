#pragma once
// CAP_NET_ADMIN is needed to create the TAP and give the host side its
// address, and for nothing after that: the daemon drops it before it reads
// a frame or a request, so the code that parses hostile input never runs
// with it (docs/architecture.md).

namespace tapstack::daemon {

/// Removes CAP_NET_ADMIN from the effective, permitted, inheritable and
/// ambient sets; logs a warning when the kernel refuses.
void drop_net_admin();

}  // namespace tapstack::daemon
