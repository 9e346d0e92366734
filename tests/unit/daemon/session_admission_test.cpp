// One uid cannot take every session; root and the daemon's uid always have
// slots of their own (docs/rpc.md, "Session limits").
#include "daemon/session_admission.hpp"

#include <gtest/gtest.h>

namespace tapstack::daemon {
namespace {

using Verdict = SessionAdmission::Verdict;
constexpr uid_t kDaemonUid = 999;

TEST(SessionAdmission, OneUidGetsOnlyItsShare) {
  SessionAdmission admission({.total = 10, .per_uid = 4, .privileged = 2}, kDaemonUid);
  for (int i = 0; i < 4; ++i) EXPECT_EQ(admission.admit(1000), Verdict::Admitted);
  EXPECT_EQ(admission.admit(1000), Verdict::UidFull);
  EXPECT_EQ(admission.admit(1001), Verdict::Admitted);
  EXPECT_EQ(admission.sessions_of(1000), 4u);
}

TEST(SessionAdmission, TotalIsSharedByOrdinaryUids) {
  SessionAdmission admission({.total = 3, .per_uid = 2, .privileged = 1}, kDaemonUid);
  EXPECT_EQ(admission.admit(1000), Verdict::Admitted);
  EXPECT_EQ(admission.admit(1000), Verdict::Admitted);
  EXPECT_EQ(admission.admit(1001), Verdict::Admitted);
  EXPECT_EQ(admission.admit(1002), Verdict::Full);
  EXPECT_EQ(admission.sessions_of(1002), 0u);  // a refusal leaves no entry
  admission.release(1000);
  EXPECT_EQ(admission.admit(1002), Verdict::Admitted);
}

TEST(SessionAdmission, RootAndTheDaemonUidGetInWhenOrdinarySlotsAreFull) {
  SessionAdmission admission({.total = 1, .per_uid = 1, .privileged = 2}, kDaemonUid);
  EXPECT_EQ(admission.admit(1000), Verdict::Admitted);
  EXPECT_EQ(admission.admit(1001), Verdict::Full);
  EXPECT_EQ(admission.admit(0), Verdict::Admitted);
  EXPECT_EQ(admission.admit(kDaemonUid), Verdict::Admitted);
  EXPECT_EQ(admission.admit(0), Verdict::UidFull);  // privileged slots are bounded too
  admission.release(kDaemonUid);
  EXPECT_EQ(admission.admit(0), Verdict::Admitted);
}

TEST(SessionAdmission, ReleasingAnUnknownUidChangesNothing) {
  SessionAdmission admission({.total = 1, .per_uid = 1, .privileged = 1}, kDaemonUid);
  admission.release(1000);
  EXPECT_EQ(admission.admit(1000), Verdict::Admitted);
  EXPECT_EQ(admission.admit(1001), Verdict::Full);
}

}  // namespace
}  // namespace tapstack::daemon
