// Dataset digests as Redis's DEBUG DIGEST and DEBUG DIGEST-VALUE compute them, so the two
// servers can be compared after loading the same data.
//
// Built on SHA-1 (FIPS 180-4). Two combining steps: "xor" folds SHA-1(data) into the 20-byte
// state, so order does not matter; "mix" xors and then replaces the state by its own SHA-1, so
// order matters. A key's digest mixes its name, then its type's number in Redis (4 bytes,
// big-endian), then its value: strings and list elements are mixed in
// order; set members, hash field/value pairs and sorted-set member/score pairs (score printed
// "%.17g") are xored, so the hash-table order does not matter; a TTL xors "!!expire!!". The
// dataset digest mixes each non-empty database's index (4 bytes, big-endian) and xors every
// key's digest; an empty dataset is forty zeros.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "engine/db/value.h"

namespace redsim {

class Database;

using Digest = std::array<uint8_t, 20>;

// SHA-1 of `data`.
Digest Sha1(std::string_view data);
std::string DigestHex(const Digest& d);

// The digest of one value (DEBUG DIGEST-VALUE), including the expiry marker when it has one.
// False when the value's type is not covered (then the digest is left as computed so far).
bool ValueDigest(const Value& v, bool has_expire, Digest* digest);
// The digest of every database (DEBUG DIGEST).
Digest DatasetDigest(const std::vector<Database*>& dbs);

}  // namespace redsim
