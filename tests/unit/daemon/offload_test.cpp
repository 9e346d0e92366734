// daemon/offload: the virtio-net header is decoded, and the software
// fallback turns a TSO super-frame or a partial checksum into what a wire
// would carry (every segment's IPv4 and TCP checksums verify).
#include "daemon/offload.hpp"

#include <gtest/gtest.h>

#include <vector>

#include "stack/wire/checksum.hpp"
#include "stack/wire/ipv4.hpp"
#include "stack/wire/tcp.hpp"

namespace tapstack::daemon {
namespace {

using Buffer = std::vector<std::uint8_t>;

const wire::Ipv4Address kSrc{10, 0, 0, 1};
const wire::Ipv4Address kDst{10, 0, 0, 2};
constexpr std::uint32_t kSeq = 0xfffff000;  // wraps inside the super-frame

// An Ethernet + IPv4 + TCP frame carrying `payload` whose TCP checksum is
// left partial (the pseudo-header sum), as a TSO sender hands it over.
Buffer partial_frame(std::size_t payload, std::uint8_t flags) {
  wire::TcpHeader t;
  t.src_port = 40000;
  t.dst_port = 9;
  t.seq = kSeq;
  t.ack = 77;
  t.flags = flags;
  t.window = 500;
  Buffer data(payload);
  for (std::size_t i = 0; i < payload; ++i) data[i] = static_cast<std::uint8_t>(i * 7);
  auto segment = wire::build_tcp(kSrc, kDst, t, data);
  const auto pseudo = wire::pseudo_header_checksum(kSrc, kDst, 6,
                                                   static_cast<std::uint16_t>(segment.size()));
  store_be16(segment, 16, static_cast<std::uint16_t>(~pseudo.finish()));
  Buffer frame(14 + 20);
  store_be16(frame, 12, 0x0800);
  frame[14] = 0x45;
  store_be16(frame, 14 + 2, static_cast<std::uint16_t>(20 + segment.size()));
  store_be16(frame, 14 + 4, 0x100);
  frame[14 + 8] = 64;
  frame[14 + 9] = 6;
  store_be32(frame, 14 + 12, kSrc.value());
  store_be32(frame, 14 + 16, kDst.value());
  store_be16(frame, 14 + 10, wire::internet_checksum(Bytes(frame).subspan(14, 20)));
  frame.insert(frame.end(), segment.begin(), segment.end());
  return frame;
}

std::vector<Buffer> segment(const Buffer& frame, const RxOffload& offload) {
  std::vector<Buffer> out;
  software_segment(frame, offload, [&](Bytes f) { out.emplace_back(f.begin(), f.end()); });
  return out;
}

TEST(VnetHeader, FlagsAndFieldsAreDecoded) {
  const Buffer header{0x01, 0x01, 66, 0, 0xa8, 0x05, 34, 0, 16, 0};
  const RxOffload o = parse_vnet_header(header);
  EXPECT_TRUE(o.needs_csum);
  EXPECT_FALSE(o.data_valid);
  EXPECT_TRUE(o.tso4);
  EXPECT_EQ(o.gso_size, 1448);
  EXPECT_EQ(o.csum_start, 34);
  EXPECT_EQ(o.csum_offset, 16);
  EXPECT_TRUE(o.checksum_trusted());
  const RxOffload valid = parse_vnet_header(Buffer{0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0});
  EXPECT_TRUE(valid.checksum_trusted());
  EXPECT_FALSE(valid.needs_software());
  EXPECT_FALSE(parse_vnet_header(Buffer(10, 0)).checksum_trusted());
}

TEST(VnetHeader, SentSuperFrameAsksForGsoTcpV4) {
  const Buffer frame = partial_frame(3000, 0x18);
  const auto h = make_vnet_header(frame, 1448);
  // flags 0 (checksums complete), GSO_TCPV4, hdr_len 14 + 20 + 20, gso_size 1448.
  EXPECT_EQ(h, (std::array<std::uint8_t, kVnetHeaderSize>{0, 1, 54, 0, 0xa8, 0x05, 0, 0, 0, 0}));
  const RxOffload back = parse_vnet_header(h);
  EXPECT_TRUE(back.tso4);
  EXPECT_EQ(back.gso_size, 1448);
}

TEST(VnetHeader, ASuperFrameWithCwrSaysGsoEcn) {
  const auto h = make_vnet_header(partial_frame(3000, wire::tcp_flags::Ack | wire::tcp_flags::Cwr), 1448);
  EXPECT_EQ(h[1], 0x81);  // GSO_TCPV4 | GSO_ECN
  EXPECT_TRUE(parse_vnet_header(h).tso4);
}

TEST(VnetHeader, PlainOrUnparsableFramesGetAZeroHeader) {
  const std::array<std::uint8_t, kVnetHeaderSize> zero{};
  EXPECT_EQ(make_vnet_header(partial_frame(100, 0x18), 0), zero);
  EXPECT_EQ(make_vnet_header(Buffer(20, 0), 1448), zero);  // shorter than the headers
}

TEST(SoftwareSegment, SuperFrameBecomesVerifyingSegments) {
  using namespace wire::tcp_flags;
  const auto frame = partial_frame(2500, Ack | Psh | Fin | Cwr);
  const RxOffload o{.needs_csum = true, .tso4 = true, .gso_size = 1000, .csum_start = 34,
                    .csum_offset = 16};
  const auto parts = segment(frame, o);
  ASSERT_EQ(parts.size(), 3u);
  std::uint32_t expected_seq = kSeq;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    const auto ip = wire::Ipv4View::parse(Bytes(parts[i]).subspan(14));
    ASSERT_TRUE(ip);
    EXPECT_TRUE(ip->checksum_valid());
    EXPECT_EQ(ip->identification(), 0x100 + i);
    const auto tcp = wire::parse_tcp(ip->payload(), kSrc, kDst);
    ASSERT_EQ(tcp.status, wire::TcpParseStatus::Ok) << "segment " << i;
    EXPECT_EQ(tcp.header.seq, expected_seq);
    EXPECT_EQ(tcp.payload.size(), i < 2 ? 1000u : 500u);
    EXPECT_EQ(tcp.payload[0], static_cast<std::uint8_t>(i * 1000 * 7));
    const bool last = i == 2;
    EXPECT_EQ((tcp.header.flags & (Fin | Psh)) != 0, last);
    EXPECT_EQ((tcp.header.flags & Cwr) != 0, i == 0);
    EXPECT_TRUE(tcp.header.flags & Ack);
    expected_seq += static_cast<std::uint32_t>(tcp.payload.size());
  }
}

TEST(SoftwareSegment, PartialChecksumIsCompleted) {
  const auto frame = partial_frame(300, wire::tcp_flags::Ack);
  const auto ip = wire::Ipv4View::parse(Bytes(frame).subspan(14));
  ASSERT_EQ(wire::parse_tcp(ip->payload(), kSrc, kDst).status, wire::TcpParseStatus::BadChecksum);
  const auto parts = segment(frame, {.needs_csum = true, .csum_start = 34, .csum_offset = 16});
  ASSERT_EQ(parts.size(), 1u);
  const auto fixed = wire::Ipv4View::parse(Bytes(parts[0]).subspan(14));
  EXPECT_EQ(wire::parse_tcp(fixed->payload(), kSrc, kDst).status, wire::TcpParseStatus::Ok);
}

TEST(SoftwareSegment, UnparsableFrameIsPassedOnUnchanged) {
  const Buffer runt(20, 0xab);
  const auto parts = segment(runt, {.needs_csum = true, .tso4 = true, .gso_size = 100,
                                    .csum_start = 200, .csum_offset = 16});
  ASSERT_EQ(parts.size(), 1u);
  EXPECT_EQ(parts[0], runt);
}

}  // namespace
}  // namespace tapstack::daemon
