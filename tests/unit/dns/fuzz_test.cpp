// Random and mutated input for the DNS parser: it must never read out of
// bounds (run under ASan), never hang, and never accept a name it could not
// have decoded within the limits.
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <vector>

#include "stack/base/rng.hpp"
#include "stack/dns/message.hpp"
#include "unit/dns/dns_test_util.hpp"

namespace tapstack::dns {
namespace {

void check_invariants(const Message& m) {
  for (const auto& q : m.questions) EXPECT_LE(q.name.size(), 4 * kMaxNameWire);
  for (const auto& c : m.cnames) EXPECT_LE(c.target.size(), 4 * kMaxNameWire);
}

RC_GTEST_PROP(DnsFuzz, ArbitraryBytesNeverCrash, (const std::vector<std::uint8_t>& bytes)) {
  Message m;
  if (parse_message(bytes, m) == ParseError::Ok) check_invariants(m);
}

// Seeded mutations of a realistic response: flipped bytes, cut tails, and
// bytes pointing compression at random offsets. Reproducible by seed.
TEST(DnsFuzz, MutatedResponsesNeverCrash) {
  const auto valid = testing::ResponseBuilder(0x4242, "www.example.com")
                         .cname("www.example.com", "example.com", 60)
                         .a("example.com", wire::Ipv4Address{1, 2, 3, 4}, 60)
                         .soa("example.com", 60, 30)
                         .build();
  SeededRng rng(20240601);
  int accepted = 0;
  for (int round = 0; round < 20000; ++round) {
    auto bytes = valid;
    const std::uint32_t edits = rng.uniform(1, 6);
    for (std::uint32_t e = 0; e < edits; ++e) {
      const std::size_t at = rng.uniform(0, static_cast<std::uint32_t>(bytes.size() - 1));
      switch (rng.uniform(0, 3)) {
        case 0: bytes[at] = static_cast<std::uint8_t>(rng.next_u32()); break;
        case 1: bytes[at] = static_cast<std::uint8_t>(0xc0 | rng.uniform(0, 1)); break;
        case 2: bytes.resize(std::max<std::size_t>(at, 1)); break;
        default: bytes.insert(bytes.begin() + static_cast<std::ptrdiff_t>(at), 0x3f); break;
      }
    }
    Message m;
    if (parse_message(bytes, m) == ParseError::Ok) {
      ++accepted;
      check_invariants(m);
    }
  }
  EXPECT_GT(accepted, 0);  // some mutations keep the message valid
}

}  // namespace
}  // namespace tapstack::dns
