// SHA-1 (FIPS 180-4), used to name scripts: EVALSHA digests, SCRIPT LOAD and redis.sha1hex.
// Pure functions; no state between calls.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "engine/persistence/digest.h"  // Sha1

namespace redsim {

// The digest as 40 lowercase hex digits, as Redis prints script names.
std::string Sha1Hex(std::string_view data);

}  // namespace redsim
