// libFuzzer harness: the config parser on any TOML text. Bad input must end
// in a ConfigException naming the error, never in a crash or another exception.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "config/config.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  try {
    (void)tapstack::config::parse_config(text, "fuzz.toml");
  } catch (const tapstack::config::ConfigException&) {
  }
  return 0;
}
