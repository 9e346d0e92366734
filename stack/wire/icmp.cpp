#include "stack/wire/icmp.hpp"

#include "stack/wire/checksum.hpp"

namespace tapstack::wire {

bool is_icmp_error_type(std::uint8_t type) {
  switch (static_cast<IcmpType>(type)) {
    case IcmpType::DestUnreachable:
    case IcmpType::SourceQuench:
    case IcmpType::Redirect:
    case IcmpType::TimeExceeded:
    case IcmpType::ParameterProblem:
      return true;
    case IcmpType::EchoReply:
    case IcmpType::EchoRequest:
      return false;
  }
  return false;
}

std::optional<IcmpView> IcmpView::parse(Bytes bytes) {
  if (bytes.size() < kIcmpHeaderSize) return std::nullopt;
  return IcmpView{bytes};
}

bool IcmpView::checksum_valid() const { return internet_checksum(bytes_) == 0; }

IcmpHeader IcmpHeader::decode(const IcmpView& view) {
  return {view.type(), view.code(), view.rest_of_header()};
}

IcmpHeader IcmpHeader::echo(IcmpType type, std::uint16_t ident, std::uint16_t sequence) {
  return {static_cast<std::uint8_t>(type), 0, (std::uint32_t{ident} << 16) | sequence};
}

void IcmpHeader::emit(MutableBytes message) const {
  message[0] = type;
  message[1] = code;
  store_be16(message, 2, 0);
  store_be32(message, 4, rest_of_header);
  store_be16(message, 2, internet_checksum(message));
}

}  // namespace tapstack::wire
