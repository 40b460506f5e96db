// SHA-1 hex digests for script names (EVALSHA, SCRIPT LOAD, redis.sha1hex), on the one SHA-1 the
// engine has (engine/persistence/digest.h).
#include "engine/scripting/sha1.h"

#include "engine/persistence/digest.h"

namespace redsim {

std::string Sha1Hex(std::string_view data) { return DigestHex(Sha1(data)); }

}  // namespace redsim
