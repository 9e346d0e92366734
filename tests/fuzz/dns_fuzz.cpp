// libFuzzer harness: the DNS message parser (stack/dns/message.*) on any
// bytes a server, or anyone spoofing one, could send.
#include <cstddef>
#include <cstdint>

#include "stack/dns/message.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  tapstack::dns::Message message;
  (void)tapstack::dns::parse_message(tapstack::Bytes(data, size), message);
  return 0;
}
