// The Server's cluster-mode glue: building the Cluster with its handles, and routing each
// command through engine/cluster/redirect.h before it runs (or is queued in a MULTI), as Redis
// does right after the ACL check.
#include "engine/cluster/cluster.h"
#include "engine/cluster/key_slot.h"
#include "engine/cluster/redirect.h"
#include "engine/replication/replication.h"
#include "engine/server/pubsub.h"
#include "engine/server/server.h"

namespace redsim {

void Server::BuildCluster() {
  keyspace_->db(0)->EnableSlotIndex();
  cluster::ClusterHandles h;
  h.env = env_;
  h.config = &config_;
  h.log = &log_;
  h.rng = &rng_;
  h.db0 = keyspace_->db(0);
  h.port = [this] { return listen_port_ != 0 ? listen_port_ : static_cast<int>(config_.port); };
  h.follow = [this](const std::string& host, int port) {
    if (host.empty()) {
      replication_->BecomeMaster();
    } else {
      replication_->ReplicaOf(host, port);
    }
  };
  h.repl_offset = [this] { return replication_->master_repl_offset(); };
  h.master_link_down_s = [this] { return replication_->MasterLinkDownSeconds(); };
  h.flush_data = [this] {
    keyspace_->FlushDatabases(-1, /*async=*/false);
    dirty++;
  };
  h.publish = [this](std::string_view channel, std::string_view message, bool shard) {
    pubsub_->Publish(channel, message, shard);
  };
  h.pause_writes = [this](int64_t end_us) { PauseClients(/*all=*/false, end_us); };
  h.unpause_writes = [this] { UnpauseClients(); };
  if (!config_.bind.empty()) {
    h.bus_host = config_.bind[0];
    if (!h.bus_host.empty() && h.bus_host[0] == '-') h.bus_host = h.bus_host.substr(1);
  }
  cluster_ = std::make_unique<cluster::Cluster>(std::move(h));
}

namespace {

// Commands without keys are never redirected (EXEC is routed by its queued commands).
bool MayRedirect(const Command* cmd) {
  bool has_keys =
      cmd->is(kCmdMovableKeys) || (cmd->meta != nullptr && !cmd->meta->key_specs.empty());
  return has_keys || cmd->name == "exec";
}

}  // namespace

bool Server::RouteForCluster(Client* c, Command* cmd, const std::vector<std::string_view>& args) {
  // Our primary and the AOF being replayed are obeyed whatever the slot map says.
  if (c->has(kClientMaster) || loading_ || !MayRedirect(cmd)) return true;
  bool is_exec = cmd->name == "exec";
  if (is_exec && !c->has(kClientMulti)) return true;
  std::vector<cluster::QueryCommand> commands;
  if (is_exec) {
    for (const StoredCommand& queued : c->multi_queue) {
      commands.push_back({queued.cmd, {queued.args.begin(), queued.args.end()}});
    }
  } else {
    commands.push_back({cmd, args});
  }
  cluster::QueryClient q;
  q.asking = c->has(kClientAsking) || (!is_exec && cmd->is(kCmdAsking));
  q.readonly = c->has(kClientReadonly);
  q.is_migrate = cmd->name == "migrate";
  Database* db0 = keyspace_->db(0);
  q.key_exists = [this, db0](std::string_view key) { return keyspace_->Peek(db0, key) != nullptr; };
  cluster::Route route = cluster::RouteQuery(*cluster_, commands, q);
  if (route.kind == cluster::RouteKind::kServe) return true;
  cmd->rejected_calls++;
  if (is_exec) {
    // The transaction is discarded and EXEC answers with the redirect itself (no EXECABORT).
    c->multi_queue.clear();
    c->multi_bytes = 0;
    c->flags &= ~(kClientMulti | kClientDirtyCas | kClientDirtyExec);
    keyspace_->UnwatchAllKeys(c);
  } else if (c->has(kClientMulti)) {
    c->flags |= kClientDirtyExec;
  }
  ReplyTo(c).Error(cluster::RouteError(*cluster_, route));
  return false;
}

int Server::ClusterSlotOf(const Command* cmd, const std::vector<std::string_view>& args) const {
  std::vector<int> positions;
  cmd->GetKeyPositions(args, &positions);
  if (positions.empty()) return -1;
  return cluster::KeySlot(args[static_cast<size_t>(positions[0])]);
}

std::string Server::ClusterScriptCheck(Client* caller, Command* cmd,
                                       const std::vector<std::string_view>& args,
                                       bool allow_cross_slot, int* slot) {
  cluster::QueryClient q;
  q.asking = caller->has(kClientAsking);
  q.readonly = caller->has(kClientReadonly);
  Database* db0 = keyspace_->db(0);
  q.key_exists = [this, db0](std::string_view key) { return keyspace_->Peek(db0, key) != nullptr; };
  cluster::Route route = cluster::RouteQuery(*cluster_, {{cmd, args}}, q);
  switch (route.kind) {
    case cluster::RouteKind::kServe:
      break;
    case cluster::RouteKind::kDownReadOnlyState:
      return "ERR Script attempted to execute a write command while the cluster is down and "
             "readonly";
    case cluster::RouteKind::kDownState:
      return "ERR Script attempted to execute a command while the cluster is down";
    default:
      return "ERR Script attempted to access a non local key in a cluster node";
  }
  if (route.slot < 0 || allow_cross_slot) return "";
  if (*slot < 0) {
    *slot = route.slot;
  } else if (*slot != route.slot) {
    return "ERR Script attempted to access keys that do not hash to the same slot";
  }
  return "";
}

}  // namespace redsim
