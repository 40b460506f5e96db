// What other families (geo) reuse from the sorted-set family: adding members with Redis's
// encoding conversions, and storing a computed set the way the *STORE commands do.
#pragma once

#include <cstdint>
#include <memory>
#include <string_view>

#include "engine/server/command_context.h"
#include "engine/types/zset_object.h"

namespace redsim {

// Adds a member known to be absent, converting the encoding first when it would not fit.
void ZSetAddNewMember(CommandContext& ctx, ZSetObject* z, std::string_view member, double score);

// Stores `z` at `key` (replacing any value; deleting the key when `z` is empty), with the
// keyspace event `event`. Returns the stored cardinality.
int64_t ZSetStore(CommandContext& ctx, std::string_view key, std::unique_ptr<ZSetObject> z,
                  std::string_view event);

}  // namespace redsim
