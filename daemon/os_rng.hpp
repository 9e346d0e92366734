#pragma once
// The daemon's randomness: libsodium's CSPRNG, so ISN secrets, ephemeral
// ports and DNS query IDs are unpredictable.
#include <sodium.h>

#include <stdexcept>

#include "stack/base/rng.hpp"

namespace tapstack::daemon {

class OsRng final : public Rng {
 public:
  OsRng() {
    if (sodium_init() < 0) throw std::runtime_error("libsodium failed to initialise");
  }
  std::uint64_t next_u64() override {
    std::uint64_t value = 0;
    randombytes_buf(&value, sizeof value);
    return value;
  }
};

}  // namespace tapstack::daemon
