// Hashing of byte strings for the engine's hash tables (XXH3, seeded per table so that iteration
// order is a function of the node's seed and never of addresses).
#pragma once

#include <xxhash.h>

#include <cstdint>
#include <string_view>

namespace redsim {

inline uint64_t HashBytes(std::string_view s, uint64_t seed) {
  return XXH3_64bits_withSeed(s.data(), s.size(), seed);
}

}  // namespace redsim
