// CLUSTER subcommands that change the node table and the epochs: MEET, FORGET, REPLICATE,
// REPLICAS/SLAVES, RESET, SAVECONFIG, SET-CONFIG-EPOCH, BUMPEPOCH, COUNT-FAILURE-REPORTS, LINKS,
// FAILOVER and HELP.
#include <vector>

#include "engine/base/strutil.h"
#include "engine/cluster/cluster.h"
#include "engine/commands/cluster_common.h"
#include "engine/commands/help.h"
#include "engine/server/command_context.h"

namespace redsim {

using cluster::Cluster;
using cluster::Node;

namespace {

Node* KnownNode(CommandContext& ctx, Cluster* c, std::string_view id) {
  Node* n = c->FindMutable(id);
  if (n == nullptr) ctx.reply.Error("ERR Unknown node " + std::string(id));
  return n;
}

// CLUSTER MEET ip port [cluster-bus-port]
void ClusterMeet(CommandContext& ctx) {
  Cluster* c = RequireCluster(ctx);
  if (c == nullptr) return;
  if (ctx.argc() != 4 && ctx.argc() != 5) return ctx.reply.Error(err::WrongArgs("cluster|meet"));
  int64_t port, bus_port;
  if (!ParseInt64(ctx.arg(3), &port)) {
    return ctx.reply.Error("ERR Invalid TCP base port specified: " + std::string(ctx.arg(3)));
  }
  if (ctx.argc() == 5) {
    if (!ParseInt64(ctx.arg(4), &bus_port)) {
      return ctx.reply.Error("ERR Invalid TCP bus port specified: " + std::string(ctx.arg(4)));
    }
  } else {
    bus_port = port + 10000;
  }
  std::string ip(ctx.arg(2));
  bool ip_ok = !ip.empty() && ip.find_first_not_of("0123456789.:abcdefABCDEF") == std::string::npos;
  if (!ip_ok || port <= 0 || port > 65535 || bus_port <= 0 || bus_port > 65535) {
    return ctx.reply.Error("ERR Invalid node address specified: " + ip + ":" +
                           std::string(ctx.arg(3)));
  }
  c->AddHandshakeNode(ip, static_cast<int>(port), static_cast<int>(bus_port));
  ctx.reply.Ok();
}

// CLUSTER FORGET node-id
void ClusterForget(CommandContext& ctx) {
  Cluster* c = RequireCluster(ctx);
  if (c == nullptr) return;
  Node* n = KnownNode(ctx, c, ctx.arg(2));
  if (n == nullptr) return;
  if (n == &c->myself()) {
    return ctx.reply.Error("ERR I tried hard but I can't forget myself...");
  }
  if (!c->is_master() && c->myself().master_id == n->id) {
    return ctx.reply.Error("ERR Can't forget my master!");
  }
  std::string id = n->id;
  c->Blacklist(id);
  c->ForgetNode(id);
  c->Changed();
  ctx.reply.Ok();
}

// CLUSTER REPLICATE node-id
void ClusterReplicate(CommandContext& ctx) {
  Cluster* c = RequireCluster(ctx);
  if (c == nullptr) return;
  Node* n = KnownNode(ctx, c, ctx.arg(2));
  if (n == nullptr) return;
  if (n == &c->myself()) return ctx.reply.Error("ERR Can't replicate myself");
  if (n->is(cluster::kNodeReplica)) {
    return ctx.reply.Error("ERR I can only replicate a master, not a replica.");
  }
  if (c->is_master() && (c->myself().slots.any() || !c->db_empty())) {
    return ctx.reply.Error(
        "ERR To set a master the node must be empty and without assigned slots.");
  }
  c->SetMyMaster(n);
  c->Changed();
  ctx.reply.Ok();
}

// CLUSTER REPLICAS node-id / CLUSTER SLAVES node-id
void ClusterReplicas(CommandContext& ctx) {
  Cluster* c = RequireCluster(ctx);
  if (c == nullptr) return;
  Node* n = KnownNode(ctx, c, ctx.arg(2));
  if (n == nullptr) return;
  if (n->is(cluster::kNodeReplica)) {
    return ctx.reply.Error("ERR The specified node is not a master");
  }
  std::vector<std::string> lines;
  for (const auto& [id, r] : c->nodes()) {
    if (r->is(cluster::kNodeReplica) && r->master_id == n->id) {
      lines.push_back(c->DescribeNode(*r));
    }
  }
  ctx.reply.ArrayHeader(static_cast<int64_t>(lines.size()));
  for (const auto& l : lines) ctx.reply.Bulk(l);
}

// CLUSTER RESET [HARD|SOFT]
void ClusterReset(CommandContext& ctx) {
  Cluster* c = RequireCluster(ctx);
  if (c == nullptr) return;
  bool hard = false;
  if (ctx.argc() == 3) {
    if (EqualsIgnoreCase(ctx.arg(2), "hard")) {
      hard = true;
    } else if (!EqualsIgnoreCase(ctx.arg(2), "soft")) {
      return ctx.reply.Error(err::kSyntax);
    }
  } else if (ctx.argc() > 3) {
    return ctx.reply.Error(err::kSyntax);
  }
  if (c->is_master() && !c->db_empty()) {
    return ctx.reply.Error("ERR CLUSTER RESET can't be called with master nodes containing keys");
  }
  c->Reset(hard);
  c->Changed();
  ctx.reply.Ok();
}

// CLUSTER SAVECONFIG
void ClusterSaveConfig(CommandContext& ctx) {
  Cluster* c = RequireCluster(ctx);
  if (c == nullptr) return;
  Status s = c->SaveConfig();
  if (!s.ok()) {
    return ctx.reply.Error("ERR error saving the cluster node config: " + s.message());
  }
  ctx.reply.Ok();
}

// CLUSTER SET-CONFIG-EPOCH config-epoch
void ClusterSetConfigEpoch(CommandContext& ctx) {
  Cluster* c = RequireCluster(ctx);
  if (c == nullptr) return;
  int64_t epoch;
  if (!ParseInt64(ctx.arg(2), &epoch)) return ctx.reply.Error(err::kNotInteger);
  if (epoch < 0) {
    return ctx.reply.Error("ERR Invalid config epoch specified: " + std::to_string(epoch));
  }
  if (c->nodes().size() > 1) {
    return ctx.reply.Error(
        "ERR The user can assign a config epoch only when the node does not know any other "
        "node.");
  }
  if (c->my_config_epoch() != 0) {
    return ctx.reply.Error("ERR Node config epoch is already non-zero");
  }
  c->SetMyConfigEpoch(static_cast<uint64_t>(epoch));
  c->Changed();
  ctx.reply.Ok();
}

// CLUSTER BUMPEPOCH
void ClusterBumpEpoch(CommandContext& ctx) {
  Cluster* c = RequireCluster(ctx);
  if (c == nullptr) return;
  bool bumped = c->BumpConfigEpochWithoutConsensus();
  if (bumped) c->Changed();
  ctx.reply.Simple(std::string(bumped ? "BUMPED " : "STILL ") +
                   std::to_string(c->my_config_epoch()));
}

// CLUSTER COUNT-FAILURE-REPORTS node-id
void ClusterCountFailureReports(CommandContext& ctx) {
  Cluster* c = RequireCluster(ctx);
  if (c == nullptr) return;
  Node* n = KnownNode(ctx, c, ctx.arg(2));
  if (n == nullptr) return;
  ctx.reply.Integer(static_cast<int64_t>(c->FailureReportCount(*n)));
}

// CLUSTER LINKS
void ClusterLinks(CommandContext& ctx) {
  if (RequireCluster(ctx) == nullptr) return;
  ctx.reply.EmptyArray();
}

// CLUSTER FAILOVER [FORCE|TAKEOVER]
void ClusterFailover(CommandContext& ctx) {
  Cluster* c = RequireCluster(ctx);
  if (c == nullptr) return;
  bool force = false, takeover = false;
  if (ctx.argc() == 3) {
    if (EqualsIgnoreCase(ctx.arg(2), "force")) {
      force = true;
    } else if (EqualsIgnoreCase(ctx.arg(2), "takeover")) {
      takeover = force = true;
    } else {
      return ctx.reply.Error(err::kSyntax);
    }
  } else if (ctx.argc() > 3) {
    return ctx.reply.Error(err::kSyntax);
  }
  if (c->is_master()) return ctx.reply.Error("ERR You should send CLUSTER FAILOVER to a replica");
  const Node* master = c->FindNode(c->myself().master_id);
  if (master == nullptr) return ctx.reply.Error("ERR I'm a replica but my master is unknown to me");
  if (!force && (master->is(cluster::kNodeFail) || master->link == nullptr)) {
    return ctx.reply.Error("ERR Master is down or failed, please use CLUSTER FAILOVER FORCE");
  }
  std::string why = c->StartManualFailover(force, takeover);
  if (!why.empty()) return ctx.reply.Error(why);
  ctx.reply.Ok();
}

// CLUSTER HELP
void ClusterHelp(CommandContext& ctx) {
  if (RequireCluster(ctx) == nullptr) return;
  ReplyHelp(ctx, "CLUSTER",
            {"ADDSLOTS <slot> [<slot> ...]",
             "    Assign slots to current node.",
             "ADDSLOTSRANGE <start slot> <end slot> [<start slot> <end slot> ...]",
             "    Assign slots which are between <start-slot> and <end-slot> to current node.",
             "BUMPEPOCH",
             "    Advance the cluster config epoch.",
             "COUNT-FAILURE-REPORTS <node-id>",
             "    Return number of failure reports for <node-id>.",
             "COUNTKEYSINSLOT <slot>",
             "    Return the number of keys in <slot>.",
             "DELSLOTS <slot> [<slot> ...]",
             "    Delete slots information from current node.",
             "DELSLOTSRANGE <start slot> <end slot> [<start slot> <end slot> ...]",
             "    Delete slots information which are between <start-slot> and <end-slot>.",
             "FAILOVER [FORCE|TAKEOVER]",
             "    Promote current replica node to being a master.",
             "FORGET <node-id>",
             "    Remove a node from the cluster.",
             "GETKEYSINSLOT <slot> <count>",
             "    Return key names stored by current node in a slot.",
             "FLUSHSLOTS",
             "    Delete current node own slots information.",
             "INFO",
             "    Return information about the cluster.",
             "KEYSLOT <key>",
             "    Return the hash slot for <key>.",
             "LINKS",
             "    Return information about all network links between this node and its peers.",
             "MEET <ip> <port> [<bus-port>]",
             "    Connect nodes into a working cluster.",
             "MYID",
             "    Return the node id.",
             "NODES",
             "    Return cluster configuration seen by node.",
             "REPLICATE <node-id>",
             "    Configure current node as replica to <node-id>.",
             "RESET [HARD|SOFT]",
             "    Reset current node (default: soft).",
             "SET-CONFIG-EPOCH <epoch>",
             "    Set config epoch of current node.",
             "SETSLOT <slot> (IMPORTING <node-id>|MIGRATING <node-id>|STABLE|NODE <node-id>)",
             "    Set slot state.",
             "REPLICAS <node-id>",
             "    Return <node-id> replicas.",
             "SAVECONFIG",
             "    Force saving cluster configuration on disk.",
             "SLOTS",
             "    Return information about slots range mappings.",
             "SHARDS",
             "    Return information about slot range mappings and the nodes."});
}

}  // namespace

void RegisterClusterAdminFamily(CommandTable& t) {
  t.Register("cluster|meet", ClusterMeet);
  t.Register("cluster|forget", ClusterForget);
  t.Register("cluster|replicate", ClusterReplicate);
  t.Register("cluster|replicas", ClusterReplicas);
  t.Register("cluster|slaves", ClusterReplicas);
  t.Register("cluster|reset", ClusterReset);
  t.Register("cluster|saveconfig", ClusterSaveConfig);
  t.Register("cluster|set-config-epoch", ClusterSetConfigEpoch);
  t.Register("cluster|bumpepoch", ClusterBumpEpoch);
  t.Register("cluster|count-failure-reports", ClusterCountFailureReports);
  t.Register("cluster|links", ClusterLinks);
  t.Register("cluster|failover", ClusterFailover);
  t.Register("cluster|help", ClusterHelp);
}

}  // namespace redsim
