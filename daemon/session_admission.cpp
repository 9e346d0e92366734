#include "daemon/session_admission.hpp"

namespace tapstack::daemon {

SessionAdmission::Verdict SessionAdmission::admit(uid_t uid) {
  std::size_t& mine = per_uid_[uid];
  const bool ok_privileged = privileged(uid) && privileged_ < limits_.privileged;
  const bool ok_ordinary =
      !privileged(uid) && mine < limits_.per_uid && ordinary_ < limits_.total;
  if (!ok_privileged && !ok_ordinary) {
    const bool uid_full = privileged(uid) || mine >= limits_.per_uid;
    if (mine == 0) per_uid_.erase(uid);  // `mine` dangles from here on
    return uid_full ? Verdict::UidFull : Verdict::Full;
  }
  ++mine;
  ++(privileged(uid) ? privileged_ : ordinary_);
  return Verdict::Admitted;
}

void SessionAdmission::release(uid_t uid) {
  const auto it = per_uid_.find(uid);
  if (it == per_uid_.end()) return;
  --(privileged(uid) ? privileged_ : ordinary_);
  if (--it->second == 0) per_uid_.erase(it);
}

std::size_t SessionAdmission::sessions_of(uid_t uid) const {
  const auto it = per_uid_.find(uid);
  return it == per_uid_.end() ? 0 : it->second;
}

const char* describe(SessionAdmission::Verdict verdict) {
  switch (verdict) {
    case SessionAdmission::Verdict::Admitted: return "admitted";
    case SessionAdmission::Verdict::UidFull: return "its uid has every session it may have";
    case SessionAdmission::Verdict::Full: return "every session slot is taken";
  }
  return "?";
}

}  // namespace tapstack::daemon
