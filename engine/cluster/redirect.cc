#include "engine/cluster/redirect.h"

#include "engine/server/command.h"
#include "engine/server/config.h"

namespace redsim::cluster {

namespace {

// What the walk over the keys found.
struct KeyScan {
  const Node* owner = nullptr;
  int slot = -1;
  std::string_view first_key;
  bool multiple_keys = false;
  bool migrating = false;
  bool importing = false;
  int missing_keys = 0;
  int existing_keys = 0;
};

// Walks every key; returns false (with *route set) on CROSSSLOT or an unserved slot.
bool ScanKeys(const Cluster& cluster, const std::vector<QueryCommand>& commands,
              const QueryClient& client, KeyScan* scan, Route* route) {
  std::vector<int> positions;
  for (const QueryCommand& qc : commands) {
    positions.clear();
    qc.cmd->GetKeyPositions(qc.args, &positions);
    for (int pos : positions) {
      std::string_view key = qc.args[static_cast<size_t>(pos)];
      // MIGRATE ... "" ... KEYS k1 k2: the empty placeholder is not a key (Redis's key finder
      // for MIGRATE returns the KEYS list only).
      if (pos == 3 && key.empty() && qc.cmd->name == "migrate") continue;
      int slot = KeySlot(key);
      if (scan->slot < 0) {
        scan->first_key = key;
        scan->slot = slot;
        scan->owner = cluster.slot_owner(slot);
        if (scan->owner == nullptr) {
          *route = {RouteKind::kDownUnbound, slot, nullptr};
          return false;
        }
        if (scan->owner == &cluster.myself() && cluster.migrating_to(slot) != nullptr) {
          scan->migrating = true;
        } else if (cluster.importing_from(slot) != nullptr) {
          scan->importing = true;
        }
      } else if (key != scan->first_key) {
        if (slot != scan->slot) {
          *route = {RouteKind::kCrossSlot, scan->slot, nullptr};
          return false;
        }
        scan->multiple_keys = true;
      }
      if ((scan->migrating || scan->importing) && !client.key_exists(key)) {
        scan->missing_keys++;
      } else {
        scan->existing_keys++;
      }
    }
  }
  return true;
}

}  // namespace

Route RouteQuery(const Cluster& cluster, const std::vector<QueryCommand>& commands,
                 const QueryClient& client) {
  KeyScan scan;
  Route route;
  if (!ScanKeys(cluster, commands, client, &scan, &route)) return route;
  const Node* myself = &cluster.myself();
  if (scan.owner == nullptr) return {RouteKind::kServe, -1, myself};  // no keys at all

  bool any_write = false;
  bool shard_channels = false;  // SSUBSCRIBE/SUNSUBSCRIBE/SPUBLISH: replicas serve them too
  for (const QueryCommand& qc : commands) {
    if (qc.cmd->is(kCmdWrite)) any_write = true;
    const std::string& n = qc.cmd->name;
    if (n == "ssubscribe" || n == "sunsubscribe" || n == "spublish") shard_channels = true;
  }
  if (!cluster.state_ok()) {
    if (!cluster.config().cluster_allow_reads_when_down) {
      return {RouteKind::kDownState, scan.slot, nullptr};
    }
    if (any_write) return {RouteKind::kDownReadOnlyState, scan.slot, nullptr};
  }
  // MIGRATE runs where the keys are, whatever the migration state.
  if ((scan.migrating || scan.importing) && client.is_migrate) {
    return {RouteKind::kServe, scan.slot, myself};
  }
  if (scan.migrating && scan.missing_keys > 0) {
    if (scan.existing_keys > 0) return {RouteKind::kTryAgain, scan.slot, nullptr};
    return {RouteKind::kAsk, scan.slot, cluster.migrating_to(scan.slot)};
  }
  if (scan.importing && client.asking) {
    if (scan.multiple_keys && scan.missing_keys > 0) {
      return {RouteKind::kTryAgain, scan.slot, nullptr};
    }
    return {RouteKind::kServe, scan.slot, myself};
  }
  if ((client.readonly || shard_channels) && !any_write && myself->is(kNodeReplica) &&
      myself->master_id == scan.owner->id) {
    return {RouteKind::kServe, scan.slot, myself};
  }
  if (scan.owner != myself) return {RouteKind::kMoved, scan.slot, scan.owner};
  return {RouteKind::kServe, scan.slot, myself};
}

std::string RouteError(const Cluster& cluster, const Route& route) {
  switch (route.kind) {
    case RouteKind::kCrossSlot:
      return "CROSSSLOT Keys in request don't hash to the same slot";
    case RouteKind::kTryAgain:
      return "TRYAGAIN Multiple keys request during rehashing of slot";
    case RouteKind::kDownState:
      return "CLUSTERDOWN The cluster is down";
    case RouteKind::kDownReadOnlyState:
      return "CLUSTERDOWN The cluster is down and only accepts read commands";
    case RouteKind::kDownUnbound:
      return "CLUSTERDOWN Hash slot not served";
    case RouteKind::kMoved:
    case RouteKind::kAsk:
      return std::string(route.kind == RouteKind::kMoved ? "MOVED " : "ASK ") +
             std::to_string(route.slot) + " " + cluster.RedirectAddress(*route.node);
    case RouteKind::kServe:
      break;
  }
  return "";
}

}  // namespace redsim::cluster
