#include "daemon/offload.hpp"

#include <vector>

#include "stack/link/tcp_segmenter.hpp"
#include "stack/wire/checksum.hpp"
#include "stack/wire/tcp.hpp"

namespace tapstack::daemon {
namespace {

// linux/virtio_net.h (not includable from C++: a field is named `class`).
constexpr std::uint8_t kHdrNeedsCsum = 1;  // VIRTIO_NET_HDR_F_NEEDS_CSUM
constexpr std::uint8_t kHdrDataValid = 2;  // VIRTIO_NET_HDR_F_DATA_VALID
constexpr std::uint8_t kGsoTcpV4 = 1;      // VIRTIO_NET_HDR_GSO_TCPV4
constexpr std::uint8_t kGsoEcn = 0x80;     // VIRTIO_NET_HDR_GSO_ECN

// The TAP's header fields are in the host's byte order (legacy virtio on a
// little-endian host; the TAP is never switched to big-endian here).
std::uint16_t load_host16(Bytes b, std::size_t at) {
  return static_cast<std::uint16_t>(b[at] | (b[at + 1] << 8));
}
void store_host16(MutableBytes b, std::size_t at, std::uint16_t v) {
  b[at] = static_cast<std::uint8_t>(v);
  b[at + 1] = static_cast<std::uint8_t>(v >> 8);
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

}  // namespace

std::array<std::uint8_t, kVnetHeaderSize> make_vnet_header(Bytes frame, std::uint16_t segment_size) {
  std::array<std::uint8_t, kVnetHeaderSize> h{};
  constexpr std::size_t kL3 = 14;
  if (segment_size == 0 || frame.size() < kL3 + 20) return h;
  const std::size_t ihl = std::size_t{frame[kL3]} % 16 * 4;
  if (frame.size() < kL3 + ihl + 20) return h;
  const std::size_t headers = kL3 + ihl + std::size_t{frame[kL3 + ihl + 12]} / 16 * 4;
  // A CWR the kernel must keep on the first segment only, as Linux marks
  // such a GSO packet (SKB_GSO_TCP_ECN).
  const bool cwr = (frame[kL3 + ihl + 13] & wire::tcp_flags::Cwr) != 0;
  h[1] = cwr ? static_cast<std::uint8_t>(kGsoTcpV4 | kGsoEcn) : kGsoTcpV4;
  store_host16(h, 2, static_cast<std::uint16_t>(headers));
  store_host16(h, 4, segment_size);
  return h;
}

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
  if (offload.tso4 && offload.gso_size != 0) {
    // Every segment's checksum is computed afresh: a partial one needs nothing.
    link::segment_tcp_frame(frame, offload.gso_size, emit);
    return;
  }
  std::vector<std::uint8_t> copy(frame.begin(), frame.end());
  if (offload.needs_csum) complete_checksum(copy, offload);
  emit(copy);
}

}  // namespace tapstack::daemon
