#pragma once
// Receive offload on the TAP (IFF_VNET_HDR): what the kernel's virtio-net
// header says about a frame, and the software fallback that turns a TSO
// super-frame or a frame with a partial checksum back into ordinary frames
// (for paths that must see what a wire would carry: the impairment model).
#include <array>
#include <cstdint>
#include <functional>
#include <vector>

#include "stack/base/bytes.hpp"

namespace tapstack::daemon {

/// The parts of struct virtio_net_hdr (linux/virtio_net.h) a reader uses.
struct RxOffload {
  bool needs_csum = false;  // VIRTIO_NET_HDR_F_NEEDS_CSUM: the L4 checksum is partial
  bool data_valid = false;  // VIRTIO_NET_HDR_F_DATA_VALID: the kernel verified it
  bool tso4 = false;        // VIRTIO_NET_HDR_GSO_TCPV4: a super-frame of gso_size segments
  std::uint16_t gso_size = 0;
  std::uint16_t csum_start = 0;
  std::uint16_t csum_offset = 0;

  /// The stack may skip verifying the L4 checksum (and accept the frame above the MTU).
  bool checksum_trusted() const { return needs_csum || data_valid; }
  /// The frame is not what a wire would carry: it needs software_segment().
  bool needs_software() const { return needs_csum || tso4; }
};

/// Size of the legacy struct virtio_net_hdr the TAP is set up with.
inline constexpr std::size_t kVnetHeaderSize = 10;

/// The header for a frame we write: all zero for a plain frame (checksums
/// complete); for `segment_size` non-zero, GSO_TCPV4 with that gso_size and
/// hdr_len covering the Ethernet, IPv4 and TCP headers, so the kernel cuts
/// the super-frame (its checksums, complete over the whole, are redone per
/// segment where it must cut; delivered whole to the host's TCP, as GRO would).
std::array<std::uint8_t, kVnetHeaderSize> make_vnet_header(Bytes frame, std::uint16_t segment_size);

/// Decodes the header at the front of `bytes` (at least kVnetHeaderSize long).
RxOffload parse_vnet_header(Bytes bytes);

/// Calls `emit` with each ordinary frame `frame` stands for: a TSO4
/// super-frame is cut into gso_size segments (as the kernel's GSO would,
/// RFC 9293 §3.1 checksums and RFC 791 header checksums filled in, FIN/PSH
/// on the last, CWR on the first only), a partial checksum is completed.
/// A frame it cannot parse is emitted unchanged (the stack counts and drops it).
void software_segment(Bytes frame, const RxOffload& offload,
                      const std::function<void(Bytes)>& emit);

}  // namespace tapstack::daemon
