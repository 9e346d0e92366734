#pragma once
// SessionAdmission: who may open a session on the control socket. One uid
// cannot take every slot: ordinary sessions are capped per uid and in total,
// and root and the daemon's own uid have slots of their own, so an
// administrator always gets in (docs/rpc.md, "Session limits").
#include <sys/types.h>

#include <cstddef>
#include <unordered_map>

namespace tapstack::daemon {

struct SessionLimits {
  std::size_t total = 256;       // sessions of ordinary uids, all together
  std::size_t per_uid = 64;      // sessions of one ordinary uid
  // Root's and the daemon's uid's, beside the total: an administrator's
  // many clients (a test, a fleet of `tapstack run`) are not squeezed by
  // the per-uid share meant for group members.
  std::size_t privileged = 1024;
};

class SessionAdmission {
 public:
  enum class Verdict { Admitted, UidFull, Full };

  SessionAdmission(SessionLimits limits, uid_t daemon_uid) : limits_(limits), daemon_uid_(daemon_uid) {}

  /// Counts a session of `uid` when there is room for it.
  Verdict admit(uid_t uid);
  /// A session admitted for `uid` ended.
  void release(uid_t uid);
  std::size_t sessions_of(uid_t uid) const;
  /// Root and the daemon's own uid: an administrator's shares are apart.
  bool privileged(uid_t uid) const { return uid == 0 || uid == daemon_uid_; }

 private:
  SessionLimits limits_;
  uid_t daemon_uid_;
  std::size_t ordinary_ = 0;
  std::size_t privileged_ = 0;
  std::unordered_map<uid_t, std::size_t> per_uid_;  // only uids with a session
};

const char* describe(SessionAdmission::Verdict verdict);

}  // namespace tapstack::daemon
