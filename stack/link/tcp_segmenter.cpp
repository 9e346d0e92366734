#include "stack/link/tcp_segmenter.hpp"

#include <algorithm>
#include <vector>

#include "stack/wire/address.hpp"
#include "stack/wire/checksum.hpp"
#include "stack/wire/ethernet.hpp"
#include "stack/wire/tcp.hpp"

namespace tapstack::link {
namespace {

constexpr std::size_t kEthernetHeader = wire::kEthernetHeaderSize;

// The IPv4 header checksum over `ip`'s first `ihl` bytes (RFC 791).
void fill_ip_checksum(MutableBytes ip, std::size_t ihl) {
  store_be16(ip, 10, 0);
  store_be16(ip, 10, wire::internet_checksum(Bytes(ip).first(ihl)));
}

}  // namespace

void segment_tcp_frame(Bytes frame, std::uint16_t segment_size,
                       const std::function<void(Bytes)>& emit) {
  const bool ipv4 = frame.size() >= kEthernetHeader + 20 && load_be16(frame, 12) == 0x0800;
  const std::size_t ihl = ipv4 ? std::size_t{frame[kEthernetHeader]} % 16 * 4 : 0;
  const std::size_t l4 = kEthernetHeader + ihl;
  const bool tcp = ipv4 && ihl >= 20 && frame.size() >= l4 + 20 && frame[kEthernetHeader + 9] == 6;
  const std::size_t doff = tcp ? std::size_t{frame[l4 + 12]} / 16 * 4 : 0;
  const std::size_t headers = l4 + doff;
  if (!tcp || doff < 20 || headers > frame.size() || segment_size == 0) {
    emit(frame);
    return;
  }
  const Bytes payload = frame.subspan(headers);
  const auto src = wire::Ipv4Address{load_be32(frame, kEthernetHeader + 12)};
  const auto dst = wire::Ipv4Address{load_be32(frame, kEthernetHeader + 16)};
  const std::uint16_t id = load_be16(frame, kEthernetHeader + 4);
  const std::uint32_t seq = load_be32(frame, l4 + 4);
  const std::uint8_t flags = frame[l4 + 13];
  std::vector<std::uint8_t> out(headers + segment_size);
  for (std::size_t at = 0, i = 0; at < payload.size() || i == 0; at += segment_size, ++i) {
    const std::size_t size = std::min<std::size_t>(segment_size, payload.size() - at);
    const bool last = at + size >= payload.size();
    const MutableBytes seg = MutableBytes(out).first(headers + size);
    std::copy_n(frame.begin(), headers, seg.begin());
    std::copy_n(payload.begin() + static_cast<std::ptrdiff_t>(at), size,
                seg.begin() + static_cast<std::ptrdiff_t>(headers));
    const MutableBytes ip = seg.subspan(kEthernetHeader);
    store_be16(ip, 2, static_cast<std::uint16_t>(ihl + doff + size));
    store_be16(ip, 4, static_cast<std::uint16_t>(id + i));
    fill_ip_checksum(ip, ihl);
    const MutableBytes segment = ip.subspan(ihl);
    store_be32(segment, 4, seq + static_cast<std::uint32_t>(at));
    std::uint8_t f = flags;
    if (!last) f = static_cast<std::uint8_t>(f & ~(wire::tcp_flags::Fin | wire::tcp_flags::Psh));
    if (i != 0) f = static_cast<std::uint8_t>(f & ~wire::tcp_flags::Cwr);
    segment[13] = f;
    store_be16(segment, 16, 0);
    auto c = wire::pseudo_header_checksum(src, dst, 6, static_cast<std::uint16_t>(segment.size()));
    c.add(segment);
    store_be16(segment, 16, c.finish());
    emit(seg);
  }
}

}  // namespace tapstack::link
