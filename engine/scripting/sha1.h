// SHA-1 (FIPS 180-4), used to name scripts: EVALSHA digests, SCRIPT LOAD and redis.sha1hex.
// Pure functions; no state between calls.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace redsim {

// The 20-byte digest of `data`.
std::array<uint8_t, 20> Sha1(std::string_view data);
// The digest as 40 lowercase hex digits, as Redis prints script names.
std::string Sha1Hex(std::string_view data);

}  // namespace redsim
