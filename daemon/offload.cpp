#include "daemon/offload.hpp"

#include <algorithm>

#include "stack/wire/address.hpp"
#include "stack/wire/checksum.hpp"

namespace tapstack::daemon {
namespace {

// linux/virtio_net.h (not includable from C++: a field is named `class`).
constexpr std::uint8_t kHdrNeedsCsum = 1;  // VIRTIO_NET_HDR_F_NEEDS_CSUM
constexpr std::uint8_t kHdrDataValid = 2;  // VIRTIO_NET_HDR_F_DATA_VALID
constexpr std::uint8_t kGsoTcpV4 = 1;      // VIRTIO_NET_HDR_GSO_TCPV4
constexpr std::uint8_t kGsoEcn = 0x80;     // VIRTIO_NET_HDR_GSO_ECN

constexpr std::size_t kEthernetHeader = 14;
constexpr std::uint8_t kTcpFin = 0x01;
constexpr std::uint8_t kTcpPsh = 0x08;
constexpr std::uint8_t kTcpCwr = 0x80;

// The TAP's header fields are in the host's byte order (legacy virtio on a
// little-endian host; the TAP is never switched to big-endian here).
std::uint16_t load_host16(Bytes b, std::size_t at) {
  return static_cast<std::uint16_t>(b[at] | (b[at + 1] << 8));
}

// Completes a partial checksum: sum from csum_start to the end (the field
// holds the pseudo-header sum) and store its complement at csum_offset.
void complete_checksum(MutableBytes frame, const RxOffload& o) {
  const std::size_t field = std::size_t{o.csum_start} + o.csum_offset;
  if (o.csum_start >= frame.size() || field + 2 > frame.size()) return;
  wire::InternetChecksum c;
  c.add(Bytes(frame).subspan(o.csum_start));
  store_be16(frame, field, c.finish());
}

// The IPv4 header checksum over `ip`'s first `ihl` bytes (RFC 791).
void fill_ip_checksum(MutableBytes ip, std::size_t ihl) {
  store_be16(ip, 10, 0);
  store_be16(ip, 10, wire::internet_checksum(Bytes(ip).first(ihl)));
}

}  // namespace

RxOffload parse_vnet_header(Bytes bytes) {
  RxOffload o;
  o.needs_csum = (bytes[0] & kHdrNeedsCsum) != 0;
  o.data_valid = (bytes[0] & kHdrDataValid) != 0;
  o.tso4 = (bytes[1] & ~kGsoEcn) == kGsoTcpV4;
  o.gso_size = load_host16(bytes, 4);
  o.csum_start = load_host16(bytes, 6);
  o.csum_offset = load_host16(bytes, 8);
  return o;
}

void software_segment(Bytes frame, const RxOffload& offload,
                      const std::function<void(Bytes)>& emit) {
  std::vector<std::uint8_t> copy(frame.begin(), frame.end());
  const MutableBytes whole(copy);
  const bool ipv4 = whole.size() >= kEthernetHeader + 20 && load_be16(whole, 12) == 0x0800;
  const std::size_t ihl = ipv4 ? std::size_t{whole[kEthernetHeader]} % 16 * 4 : 0;
  const std::size_t l4 = kEthernetHeader + ihl;
  const bool tcp = ipv4 && ihl >= 20 && whole.size() >= l4 + 20 && whole[kEthernetHeader + 9] == 6;
  const std::size_t doff = tcp ? std::size_t{whole[l4 + 12]} / 16 * 4 : 0;
  const std::size_t headers = l4 + doff;
  if (!offload.tso4 || !tcp || doff < 20 || headers > whole.size() || offload.gso_size == 0) {
    if (offload.needs_csum) complete_checksum(whole, offload);
    emit(whole);
    return;
  }
  const Bytes payload = Bytes(whole).subspan(headers);
  const auto src = wire::Ipv4Address{load_be32(whole, kEthernetHeader + 12)};
  const auto dst = wire::Ipv4Address{load_be32(whole, kEthernetHeader + 16)};
  const std::uint16_t id = load_be16(whole, kEthernetHeader + 4);
  const std::uint32_t seq = load_be32(whole, l4 + 4);
  const std::uint8_t flags = whole[l4 + 13];
  std::vector<std::uint8_t> out(headers + offload.gso_size);
  for (std::size_t at = 0, i = 0; at < payload.size() || i == 0; at += offload.gso_size, ++i) {
    const std::size_t size = std::min<std::size_t>(offload.gso_size, payload.size() - at);
    const bool last = at + size >= payload.size();
    const MutableBytes seg = MutableBytes(out).first(headers + size);
    std::copy_n(whole.begin(), headers, seg.begin());
    std::copy_n(payload.begin() + static_cast<std::ptrdiff_t>(at), size,
                seg.begin() + static_cast<std::ptrdiff_t>(headers));
    const MutableBytes ip = seg.subspan(kEthernetHeader);
    store_be16(ip, 2, static_cast<std::uint16_t>(ihl + doff + size));
    store_be16(ip, 4, static_cast<std::uint16_t>(id + i));
    fill_ip_checksum(ip, ihl);
    const MutableBytes segment = ip.subspan(ihl);
    store_be32(segment, 4, seq + static_cast<std::uint32_t>(at));
    std::uint8_t f = flags;
    if (!last) f = static_cast<std::uint8_t>(f & ~(kTcpFin | kTcpPsh));
    if (i != 0) f = static_cast<std::uint8_t>(f & ~kTcpCwr);
    segment[13] = f;
    store_be16(segment, 16, 0);
    auto c = wire::pseudo_header_checksum(src, dst, 6, static_cast<std::uint16_t>(segment.size()));
    c.add(segment);
    store_be16(segment, 16, c.finish());
    emit(seg);
  }
}

}  // namespace tapstack::daemon
