// libFuzzer harness: the RPC codec on any packet a local client could send.
// What decodes must encode back to the same bytes and decode to the same
// value: nothing a hostile client sends is understood two ways.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <variant>

#include "rpc/protocol.hpp"

namespace {

std::vector<std::uint8_t> encode_message(const tapstack::rpc::Message& message) {
  return std::visit([](const auto& m) { return tapstack::rpc::encode(m); }, message);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto decoded = tapstack::rpc::decode(tapstack::Bytes(data, size));
  if (!decoded.ok()) return 0;
  const auto bytes = encode_message(decoded.value());
  const auto again = tapstack::rpc::decode(tapstack::Bytes(bytes.data(), bytes.size()));
  if (!again.ok() || !(again.value() == decoded.value())) std::abort();
  return 0;
}
