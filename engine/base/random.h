// Deterministic pseudo-random numbers: the same seed gives the same sequence on every platform
// and standard library. The engine seeds one Random from Env::RandomBytes; the simulator derives
// one stream per component from the run's root seed. Never use std::*_distribution (their output
// differs between standard libraries) or a global random source.
#pragma once

#include <cstdint>
#include <string_view>

namespace redsim {

// SplitMix64: a tiny generator used to expand one 64-bit seed into well-mixed state.
inline uint64_t SplitMix64(uint64_t* state) {
  uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

// xoshiro256**: fast, 256-bit state, good statistical quality.
class Random {
 public:
  explicit Random(uint64_t seed = 0) { Seed(seed); }

  void Seed(uint64_t seed) {
    uint64_t sm = seed;
    for (auto& word : s_) word = SplitMix64(&sm);
  }

  uint64_t Next() {
    const uint64_t result = Rotl(s_[1] * 5, 7) * 9;
    const uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = Rotl(s_[3], 45);
    return result;
  }

  // Uniform integer in [0, bound); bound 0 returns 0. Unbiased (rejection on the low product).
  uint64_t Uniform(uint64_t bound) {
    if (bound == 0) return 0;
    __uint128_t m = static_cast<__uint128_t>(Next()) * bound;
    uint64_t low = static_cast<uint64_t>(m);
    if (low < bound) {
      const uint64_t threshold = (0 - bound) % bound;
      while (low < threshold) {
        m = static_cast<__uint128_t>(Next()) * bound;
        low = static_cast<uint64_t>(m);
      }
    }
    return static_cast<uint64_t>(m >> 64);
  }

  // Uniform integer in [lo, hi] (inclusive).
  int64_t Range(int64_t lo, int64_t hi) {
    return lo + static_cast<int64_t>(Uniform(static_cast<uint64_t>(hi - lo) + 1));
  }

  // Uniform double in [0, 1), 53 bits of precision.
  double NextDouble() { return static_cast<double>(Next() >> 11) * 0x1.0p-53; }

  // True with probability p.
  bool Chance(double p) { return NextDouble() < p; }

  // A child generator whose sequence is a function of this one's seed and `label` only, so adding
  // a component does not shift the streams of the others.
  static uint64_t Derive(uint64_t seed, std::string_view label) {
    uint64_t h = seed ^ 0x6a09e667f3bcc909ULL;
    for (unsigned char c : label) {
      h ^= c;
      h *= 0x100000001b3ULL;
    }
    return SplitMix64(&h);
  }

 private:
  static uint64_t Rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  uint64_t s_[4];
};

}  // namespace redsim
