// The software segmenter (stack/link/tcp_segmenter): a super-frame cut into
// MSS-sized frames keeps its IPv4 ECN field on every cut, and its TCP flags
// as Linux's GSO does: CWR on the first cut only, FIN and PSH on the last
// only, ECE on all.
#include <gtest/gtest.h>

#include <vector>

#include "stack/base/bytes.hpp"
#include "stack/link/tcp_segmenter.hpp"
#include "stack/wire/ipv4.hpp"
#include "stack/wire/tcp.hpp"

namespace tapstack::link {
namespace {

using namespace wire::tcp_flags;

const wire::Ipv4Address kSrc{10, 0, 0, 2};
const wire::Ipv4Address kDst{10, 0, 0, 1};

std::vector<std::uint8_t> super_frame(std::uint8_t tos, std::uint8_t flags, std::size_t len) {
  wire::TcpHeader t;
  t.src_port = 7;
  t.dst_port = 40000;
  t.seq = 1000;
  t.ack = 5;
  t.flags = flags;
  t.window = 512;
  const std::vector<std::uint8_t> payload(len, 0x5a);
  const auto segment = wire::build_tcp(kSrc, kDst, t, payload);
  std::vector<std::uint8_t> frame(14 + wire::Ipv4Header::wire_size() + segment.size());
  store_be16(frame, 12, 0x0800);
  wire::Ipv4Header ip;
  ip.tos = tos;
  ip.protocol = 6;
  ip.source = kSrc;
  ip.destination = kDst;
  ip.payload_length = static_cast<std::uint16_t>(segment.size());
  ip.emit(MutableBytes(frame).subspan(14));
  std::copy(segment.begin(), segment.end(), frame.begin() + 14 + 20);
  return frame;
}

struct Cut {
  std::uint8_t tos;
  wire::TcpParsed tcp;
};

std::vector<Cut> cut(const std::vector<std::uint8_t>& frame, std::uint16_t size,
                     std::vector<std::vector<std::uint8_t>>& keep) {
  segment_tcp_frame(frame, size, [&](Bytes f) { keep.emplace_back(f.begin(), f.end()); });
  std::vector<Cut> out;
  for (const auto& f : keep) {
    const auto ip = wire::Ipv4View::parse(Bytes(f).subspan(14));
    EXPECT_TRUE(ip.has_value());
    if (!ip) continue;
    out.push_back({ip->tos(), wire::parse_tcp(ip->payload(), kSrc, kDst)});
    EXPECT_EQ(out.back().tcp.status, wire::TcpParseStatus::Ok);
  }
  return out;
}

TEST(TcpSegmenter, KeepsTheEcnFieldAndPutsCwrOnTheFirstCutOnly) {
  const std::uint8_t tos = 0x28 | 0x02;  // a DSCP and ECT(0)
  std::vector<std::vector<std::uint8_t>> keep;
  const auto cuts = cut(super_frame(tos, Ack | Psh | Fin | Ece | Cwr, 3500), 1000, keep);
  ASSERT_EQ(cuts.size(), 4u);
  for (std::size_t i = 0; i < cuts.size(); ++i) {
    const auto& h = cuts[i].tcp.header;
    EXPECT_EQ(cuts[i].tos, tos) << i;
    EXPECT_EQ(h.seq, 1000u + 1000u * i);
    EXPECT_TRUE(h.has(Ece)) << i;
    EXPECT_EQ(h.has(Cwr), i == 0) << i;
    EXPECT_EQ(h.has(Fin), i == 3) << i;
    EXPECT_EQ(h.has(Psh), i == 3) << i;
  }
  EXPECT_EQ(cuts[3].tcp.payload.size(), 500u);
}

TEST(TcpSegmenter, KeepsACeMark) {
  std::vector<std::vector<std::uint8_t>> keep;
  for (const auto& c : cut(super_frame(0x03, Ack, 2000), 1000, keep)) EXPECT_EQ(c.tos, 0x03);
}

}  // namespace
}  // namespace tapstack::link
