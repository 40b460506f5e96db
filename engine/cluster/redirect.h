// Redirects: whether this node serves a command in cluster mode, and if not, which error sends
// the client elsewhere (-MOVED, -ASK, -TRYAGAIN, -CROSSSLOT, -CLUSTERDOWN), following the rules
// of the Redis Cluster specification:
//  - every key of the command (or of every command queued in a MULTI, for EXEC) must hash to one
//    slot, else CROSSSLOT; a slot nobody serves is "Hash slot not served";
//  - while the cluster state is fail, commands with keys are refused (or only writes, with
//    cluster-allow-reads-when-down);
//  - a slot being migrated away is served while all its keys are still here; when none are, the
//    client is sent to the target with ASK; when only some are, TRYAGAIN;
//  - a slot being imported is served only to clients that sent ASKING (or commands flagged
//    "asking"); a multi-key command missing some keys gets TRYAGAIN;
//  - a replica serves commands that do not write to READONLY clients (and shard-channel Pub/Sub to
//    anyone) for its master's slots; everything else served elsewhere gets MOVED.
// Pure over the Cluster and the key lookups it is given: no replies are written here.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/cluster/cluster.h"

namespace redsim {
struct Command;
}

namespace redsim::cluster {

enum class RouteKind {
  kServe,
  kMoved,
  kAsk,
  kCrossSlot,
  kTryAgain,
  kDownUnbound,
  kDownState,
  kDownReadOnlyState,
};

struct Route {
  RouteKind kind = RouteKind::kServe;
  int slot = -1;  // the slot of the command's keys, -1 when it has none
  const Node* node = nullptr;
};

// One command of the query: EXEC routes all the commands of its transaction together.
struct QueryCommand {
  const Command* cmd;
  std::vector<std::string_view> args;
};

struct QueryClient {
  // Sent ASKING just before (or before its MULTI), or the command itself is flagged "asking".
  bool asking = false;
  bool readonly = false;  // sent READONLY
  bool is_migrate = false;
  // Whether `key` exists in database 0 (no expiry side effects, no statistics).
  std::function<bool(std::string_view key)> key_exists;
};

Route RouteQuery(const Cluster& cluster, const std::vector<QueryCommand>& commands,
                 const QueryClient& client);

// The error reply (without the leading '-') for a route that is not kServe.
std::string RouteError(const Cluster& cluster, const Route& route);

}  // namespace redsim::cluster
