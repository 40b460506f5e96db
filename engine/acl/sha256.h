// SHA-256 (FIPS 180-4), used to store ACL passwords as Redis does: only the hex digest of a
// password is kept, and ACL GETUSER / ACL LIST show that digest. Written here (about a hundred
// lines) so that the engine needs no crypto library.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace redsim {

// The 32-byte digest of `data`.
std::array<uint8_t, 32> Sha256(std::string_view data);
// The digest as 64 lowercase hex characters.
std::string Sha256Hex(std::string_view data);

}  // namespace redsim
