// Every way a lookup can end has its own errno (docs/rpc.md), so a client
// can tell NXDOMAIN from a timeout from a refusal.
#include <gtest/gtest.h>

#include <set>

#include "stack/dns/error.hpp"

namespace tapstack::dns {
namespace {

TEST(DnsErrno, OnePerErrorAndZeroForOk) {
  EXPECT_EQ(to_errno(DnsError::Ok), 0);
  std::set<int> seen;
  for (int e = static_cast<int>(DnsError::InvalidName);
       e <= static_cast<int>(DnsError::NetworkError); ++e) {
    const int value = to_errno(static_cast<DnsError>(e));
    EXPECT_NE(value, 0) << describe(static_cast<DnsError>(e));
    EXPECT_TRUE(seen.insert(value).second) << describe(static_cast<DnsError>(e)) << " shares errno " << value;
  }
}

}  // namespace
}  // namespace tapstack::dns
