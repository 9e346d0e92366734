#pragma once
// Randomness is a parameter of the stack: the daemon passes a generator seeded
// from the OS, tests pass a seeded one so every run can be replayed.
#include <cstdint>
#include <random>

namespace tapstack {

class Rng {
 public:
  virtual ~Rng() = default;
  virtual std::uint64_t next_u64() = 0;

  std::uint32_t next_u32() { return static_cast<std::uint32_t>(next_u64() >> 32); }
  /// Uniform in [lo, hi], inclusive.
  std::uint32_t uniform(std::uint32_t lo, std::uint32_t hi) {
    const std::uint64_t span = std::uint64_t{hi} - lo + 1;
    return lo + static_cast<std::uint32_t>(next_u64() % span);
  }
  /// True with probability p.
  bool chance(double p) { return static_cast<double>(next_u64() >> 11) * 0x1.0p-53 < p; }
};

/// A deterministic generator for tests, simulations and seeded impairment.
class SeededRng final : public Rng {
 public:
  explicit SeededRng(std::uint64_t seed) : engine_(seed) {}
  std::uint64_t next_u64() override { return engine_(); }

 private:
  std::mt19937_64 engine_;
};

}  // namespace tapstack
