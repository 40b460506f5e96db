// Helpers shared by the CLUSTER command files (cluster_family.cc, cluster_admin_family.cc).
#pragma once

#include <string_view>

#include "engine/server/command_context.h"

namespace redsim {

namespace cluster {
class Cluster;
}

// The node's Cluster, or nullptr after replying that cluster support is disabled.
cluster::Cluster* RequireCluster(CommandContext& ctx);
// Parses a slot number; replies "Invalid or out of range slot" and returns false otherwise.
bool ParseClusterSlot(CommandContext& ctx, std::string_view arg, int* slot);
void RegisterClusterAdminFamily(CommandTable& t);
void RegisterMigrateFamily(CommandTable& t);

}  // namespace redsim
