// Segmentation offload in the TCP sender (TcpSettings::segmentation_offload):
// new data goes as one super-segment of whole MSS-sized segments for the link
// to cut; a partial segment only at the end of what is pending; everything
// sent again (RTO, SACK holes) goes MSS-sized, as without offload.
#include "support/tcp_harness.hpp"

namespace tapstack::tcp::testing {
namespace {

using ::testing::AllOf;
using namespace wire::tcp_flags;

constexpr std::uint32_t kIrs = 5000;

TcpSettings offload() {
  TcpSettings s;
  s.segmentation_offload = 65535;
  return s;
}

TEST(TcpOffload, NewDataLeavesAsWholeSegmentsUpToTheCongestionWindow) {
  TcpHarness h(offload());
  const SocketId id = h.established_client(kIrs, std::nullopt, 500);
  EXPECT_EQ(*h.write(id, std::string(12000, 'x')), 12000u);
  // RFC 6928 initial window with MSS 500: 10 segments, as one for the link.
  const auto first = h.out();
  EXPECT_THAT(first, AllOf(HasSeq(h.iss + 1), HasLen(5000u)));
  EXPECT_EQ(first.segment_size, 500);
  h.expect_quiet();
  h.in({.seq = kIrs + 1, .ack = h.iss + 5001, .window = 65535});
  const auto next = h.out();
  EXPECT_EQ(next.h.seq, h.iss + 5001);
  EXPECT_EQ(next.payload.size() % 500, 0u);
  EXPECT_GT(next.payload.size(), 500u);
  EXPECT_EQ(next.segment_size, 500);
}

TEST(TcpOffload, APartialSegmentOnlyAtTheEndOfWhatIsPending) {
  TcpHarness h(offload());
  const SocketId id = h.established_client(kIrs, std::nullopt, 500);
  EXPECT_EQ(*h.write(id, std::string(1700, 'y')), 1700u);
  const auto seg = h.out();
  EXPECT_THAT(seg, AllOf(HasSeq(h.iss + 1), HasLen(1700u), HasFlags(Ack | Psh)));
  EXPECT_EQ(seg.segment_size, 500);
  h.expect_quiet();
}

TEST(TcpOffload, OneSegmentIsNotASuperSegment) {
  TcpHarness h(offload());
  const SocketId id = h.established_client(kIrs, std::nullopt, 500);
  EXPECT_EQ(*h.write(id, std::string(500, 'w')), 500u);
  EXPECT_EQ(h.out().segment_size, 0);
}

TEST(TcpOffload, RetransmissionAfterTimeoutIsOneSegment) {
  TcpHarness h(offload());
  const SocketId id = h.established_client(kIrs, std::nullopt, 500);
  EXPECT_EQ(*h.write(id, std::string(5000, 'r')), 5000u);
  EXPECT_EQ(h.out().payload.size(), 5000u);
  h.advance(1s);  // the initial RTO
  const auto again = h.out();
  EXPECT_THAT(again, AllOf(HasSeq(h.iss + 1), HasLen(500u)));
  EXPECT_EQ(again.segment_size, 0);
}

}  // namespace
}  // namespace tapstack::tcp::testing
