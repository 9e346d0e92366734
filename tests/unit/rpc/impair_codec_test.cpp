// The Impair message: round trips, and out-of-range fields are refused.
#include <gtest/gtest.h>

#include "rpc/protocol.hpp"

namespace tapstack::rpc {
namespace {

Request impair(const ImpairRequest& body) { return Request{MessageType::Impair, 7, body}; }

TEST(RpcImpair, RequestsRoundTrip) {
  ImpairRequest set{.action = ImpairAction::Set, .directions = 2,
                    .fields = kImpairLoss | kImpairDelay | kImpairRate | kImpairSeed,
                    .loss_ppm = 100'000, .delay_us = 20'000, .rate = 5'000'000'000,
                    .seed = 0xfedcba9876543210};
  ImpairRequest drop{.action = ImpairAction::DropNext, .match = 1, .count = 3, .port = 7};
  for (const auto& body : {set, drop, ImpairRequest{}}) {
    const auto bytes = encode(impair(body));
    auto decoded = decode(bytes);
    ASSERT_TRUE(decoded.ok()) << describe(decoded.error());
    EXPECT_EQ(std::get<Request>(decoded.value()), impair(body));
  }
  const Reply reply{MessageType::Impair, 7, 0, JsonReply{R"({"active":false})"}};
  auto decoded = decode(encode(reply));
  ASSERT_TRUE(decoded.ok());
  EXPECT_EQ(std::get<Reply>(decoded.value()), reply);
  EXPECT_STREQ(to_string(MessageType::Impair), "impair");
}

TEST(RpcImpair, OutOfRangeFieldsAreMalformed) {
  const ImpairRequest bad[] = {
      {.action = ImpairAction::Set, .loss_ppm = kMillion + 1},
      {.action = ImpairAction::Set, .directions = 0},
      {.action = ImpairAction::Set, .directions = 4},
      {.action = ImpairAction::Set, .fields = 0x100},
      {.action = ImpairAction::Set, .delay_us = kMaxImpairDelayUs + 1},
      {.action = ImpairAction::DropNext, .match = 8},
  };
  for (const auto& body : bad) {
    auto decoded = decode(encode(impair(body)));
    ASSERT_FALSE(decoded.ok());
    EXPECT_EQ(decoded.error(), CodecError::BadBody);
  }
  auto bytes = encode(impair(ImpairRequest{}));
  bytes[kHeaderSize] = 5;  // no such action
  auto decoded = decode(bytes);
  ASSERT_FALSE(decoded.ok());
  EXPECT_EQ(decoded.error(), CodecError::BadBody);
}

}  // namespace
}  // namespace tapstack::rpc
