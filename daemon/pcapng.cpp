#include "daemon/pcapng.hpp"

namespace tapstack::daemon::pcapng {
namespace {

constexpr std::uint32_t kSectionHeader = 0x0A0D0D0A;
constexpr std::uint32_t kInterfaceDescription = 1;
constexpr std::uint32_t kEnhancedPacket = 6;
constexpr std::uint32_t kByteOrderMagic = 0x1A2B3C4D;
constexpr std::uint16_t kLinkTypeEthernet = 1;
constexpr std::uint16_t kOptEnd = 0;
constexpr std::uint16_t kOptComment = 1;
constexpr std::uint16_t kShbUserAppl = 4;
constexpr std::uint16_t kIfName = 2;
constexpr std::uint16_t kIfTsresol = 9;
constexpr std::uint16_t kEpbFlags = 2;

class Block {
 public:
  explicit Block(std::uint32_t type) {
    u32(type);
    u32(0);  // total length, patched in done()
  }
  void u16(std::uint16_t v) {
    out_.push_back(static_cast<std::uint8_t>(v));
    out_.push_back(static_cast<std::uint8_t>(v >> 8));
  }
  void u32(std::uint32_t v) {
    u16(static_cast<std::uint16_t>(v));
    u16(static_cast<std::uint16_t>(v >> 16));
  }
  void bytes(Bytes b) {
    out_.insert(out_.end(), b.begin(), b.end());
    while (out_.size() % 4 != 0) out_.push_back(0);
  }
  void option(std::uint16_t code, Bytes value) {
    u16(code);
    u16(static_cast<std::uint16_t>(value.size()));
    bytes(value);
  }
  void option(std::uint16_t code, std::string_view text) {
    option(code, Bytes(reinterpret_cast<const std::uint8_t*>(text.data()), text.size()));
  }
  std::vector<std::uint8_t> done() {
    const auto total = static_cast<std::uint32_t>(out_.size() + 4);
    u32(total);
    for (int i = 0; i < 4; ++i) out_[4 + static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(total >> (8 * i));
    return std::move(out_);
  }

 private:
  std::vector<std::uint8_t> out_;
};

}  // namespace

std::vector<std::uint8_t> header(std::string_view interface) {
  Block shb(kSectionHeader);
  shb.u32(kByteOrderMagic);
  shb.u16(1);  // major
  shb.u16(0);  // minor
  shb.u32(0xffffffff);  // section length: unknown (-1)
  shb.u32(0xffffffff);
  shb.option(kShbUserAppl, "tapstack");
  shb.u32(kOptEnd);
  std::vector<std::uint8_t> out = shb.done();

  Block idb(kInterfaceDescription);
  idb.u16(kLinkTypeEthernet);
  idb.u16(0);
  idb.u32(0);  // no snap length limit
  idb.option(kIfName, interface);
  const std::uint8_t micro = 6;  // 10^-6 s
  idb.option(kIfTsresol, Bytes(&micro, 1));
  idb.u32(kOptEnd);
  const auto idb_bytes = idb.done();
  out.insert(out.end(), idb_bytes.begin(), idb_bytes.end());
  return out;
}

std::vector<std::uint8_t> packet(std::uint64_t micros, Bytes frame, Direction direction,
                                 std::string_view comment) {
  Block epb(kEnhancedPacket);
  epb.u32(0);  // interface 0
  epb.u32(static_cast<std::uint32_t>(micros >> 32));
  epb.u32(static_cast<std::uint32_t>(micros));
  epb.u32(static_cast<std::uint32_t>(frame.size()));
  epb.u32(static_cast<std::uint32_t>(frame.size()));
  epb.bytes(frame);
  if (!comment.empty()) epb.option(kOptComment, comment);
  const std::uint32_t flags = direction == Direction::In ? 1u : 2u;  // bits 0-1: inbound/outbound
  const std::uint8_t flag_bytes[4] = {static_cast<std::uint8_t>(flags), 0, 0, 0};
  epb.option(kEpbFlags, Bytes(flag_bytes, 4));
  epb.u32(kOptEnd);
  return epb.done();
}

}  // namespace tapstack::daemon::pcapng
