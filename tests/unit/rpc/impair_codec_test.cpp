// The Impair message: round trips, and out-of-range fields are refused.
#include <gtest/gtest.h>

#include "rpc/protocol.hpp"
#include "stack/base/bytes.hpp"

namespace tapstack::rpc {
namespace {

Request impair(const ImpairRequest& body) { return Request{MessageType::Impair, 7, body}; }

TEST(RpcImpair, RequestsRoundTrip) {
  ImpairRequest set{.action = ImpairAction::Set, .directions = 2,
                    .fields = kImpairLoss | kImpairDelay | kImpairRate | kImpairSeed,
                    .loss_ppm = 100'000, .delay_us = 20'000, .rate = 5'000'000'000,
                    .seed = 0xfedcba9876543210};
  ImpairRequest drop{.action = ImpairAction::DropNext, .match = 1, .count = 3, .port = 7};
  ImpairRequest of_socket{.action = ImpairAction::DropNext, .match = 6, .count = 3,
                          .socket = 0x80010003};
  for (const auto& body : {set, drop, of_socket, ImpairRequest{}}) {
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

/// An encoded request with its body `delta` bytes longer (zeros) or shorter,
/// the header's length field agreeing.
std::vector<std::uint8_t> resized_body(const ImpairRequest& body, int delta) {
  auto bytes = encode(impair(body));
  bytes.resize(static_cast<std::size_t>(static_cast<int>(bytes.size()) + delta), 0);
  const auto length = static_cast<std::uint32_t>(bytes.size() - kHeaderSize);
  store_be32(MutableBytes(bytes), 12, length);
  return bytes;
}

TEST(RpcImpair, TheSocketIsTheLastFourBytesOfAnExactBody) {
  const auto bytes = encode(impair({.action = ImpairAction::DelayNext, .delay_us = 300'000,
                                    .match = 5, .socket = 0x01020304}));
  ASSERT_EQ(bytes.size(), kHeaderSize + 55);
  EXPECT_EQ(std::vector<std::uint8_t>(bytes.end() - 4, bytes.end()),
            (std::vector<std::uint8_t>{1, 2, 3, 4}));
  for (const int delta : {-4, -1, 1, 4}) {  // -4: a body from before the socket field
    SCOPED_TRACE(delta);
    auto decoded = decode(resized_body(ImpairRequest{}, delta));
    ASSERT_FALSE(decoded.ok());
    EXPECT_EQ(decoded.error(), CodecError::BadBody);
  }
  EXPECT_TRUE(decode(resized_body(ImpairRequest{}, 0)).ok());
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
