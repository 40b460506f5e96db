// CLUSTER subcommands that read or assign slots and describe the cluster (INFO, NODES, SLOTS,
// SHARDS, MYID, KEYSLOT, COUNTKEYSINSLOT, GETKEYSINSLOT, ADDSLOTS[RANGE], DELSLOTS[RANGE],
// FLUSHSLOTS, SETSLOT), plus ASKING, READONLY and READWRITE. The node-table commands (MEET,
// FORGET, REPLICATE, RESET, epochs, FAILOVER, ...) are in cluster_admin_family.cc.
#include <algorithm>
#include <vector>

#include "engine/base/strutil.h"
#include "engine/cluster/cluster.h"
#include "engine/commands/cluster_common.h"
#include "engine/commands/families.h"
#include "engine/replication/replication.h"
#include "engine/server/command_context.h"

namespace redsim {

using cluster::Cluster;
using cluster::kSlotCount;
using cluster::Node;

cluster::Cluster* RequireCluster(CommandContext& ctx) {
  cluster::Cluster* c = ctx.server->cluster();
  if (c == nullptr) ctx.reply.Error("ERR This instance has cluster support disabled");
  return c;
}

bool ParseClusterSlot(CommandContext& ctx, std::string_view arg, int* slot) {
  int64_t v;
  if (!ParseInt64(arg, &v) || v < 0 || v >= kSlotCount) {
    ctx.reply.Error("ERR Invalid or out of range slot");
    return false;
  }
  *slot = static_cast<int>(v);
  return true;
}

namespace {

// CLUSTER INFO
void ClusterInfo(CommandContext& ctx) {
  if (Cluster* c = RequireCluster(ctx)) ctx.reply.Verbatim(c->InfoText());
}

// CLUSTER NODES
void ClusterNodes(CommandContext& ctx) {
  if (Cluster* c = RequireCluster(ctx)) ctx.reply.Verbatim(c->NodesText());
}

// CLUSTER MYID
void ClusterMyId(CommandContext& ctx) {
  if (Cluster* c = RequireCluster(ctx)) ctx.reply.Bulk(c->myself_id());
}

// CLUSTER KEYSLOT key
void ClusterKeySlot(CommandContext& ctx) {
  if (RequireCluster(ctx) == nullptr) return;
  ctx.reply.Integer(cluster::KeySlot(ctx.arg(2)));
}

// CLUSTER COUNTKEYSINSLOT slot
void ClusterCountKeysInSlot(CommandContext& ctx) {
  Cluster* c = RequireCluster(ctx);
  if (c == nullptr) return;
  int64_t slot;
  if (!ParseInt64(ctx.arg(2), &slot)) return ctx.reply.Error(err::kNotInteger);
  if (slot < 0 || slot >= kSlotCount) return ctx.reply.Error("ERR Invalid slot");
  ctx.reply.Integer(static_cast<int64_t>(c->CountKeysInSlot(static_cast<int>(slot))));
}

// CLUSTER GETKEYSINSLOT slot count
void ClusterGetKeysInSlot(CommandContext& ctx) {
  Cluster* c = RequireCluster(ctx);
  if (c == nullptr) return;
  int64_t slot, max_keys;
  if (!ParseInt64(ctx.arg(2), &slot) || !ParseInt64(ctx.arg(3), &max_keys)) {
    return ctx.reply.Error(err::kNotInteger);
  }
  if (slot < 0 || slot >= kSlotCount || max_keys < 0) {
    return ctx.reply.Error("ERR Invalid slot or number of keys");
  }
  auto keys = c->KeysInSlot(static_cast<int>(slot), static_cast<size_t>(max_keys));
  ctx.reply.ArrayHeader(static_cast<int64_t>(keys.size()));
  for (std::string_view k : keys) ctx.reply.Bulk(k);
}

// Marks slots [start, end] in `chosen`, checking them as ADDSLOTS/DELSLOTS do.
bool CheckSlotRange(CommandContext& ctx, const Cluster& c, bool del, int start, int end,
                    std::vector<uint8_t>* chosen) {
  for (int s = start; s <= end; s++) {
    if (del && c.slot_owner(s) == nullptr) {
      ctx.reply.Error("ERR Slot " + std::to_string(s) + " is already unassigned");
      return false;
    }
    if (!del && c.slot_owner(s) != nullptr) {
      ctx.reply.Error("ERR Slot " + std::to_string(s) + " is already busy");
      return false;
    }
    if ((*chosen)[static_cast<size_t>(s)]++ == 1) {
      ctx.reply.Error("ERR Slot " + std::to_string(s) + " specified multiple times");
      return false;
    }
  }
  return true;
}

void ApplySlots(CommandContext& ctx, Cluster* c, bool del, const std::vector<uint8_t>& chosen) {
  Node* me = c->FindMutable(c->myself_id());
  for (int s = 0; s < kSlotCount; s++) {
    if (chosen[static_cast<size_t>(s)] == 0) continue;
    if (del) {
      c->DelSlot(s);
    } else {
      c->SetImporting(s, nullptr);
      c->AddSlot(me, s);
    }
  }
  c->Changed();
  ctx.reply.Ok();
}

// CLUSTER ADDSLOTS slot [slot ...] / CLUSTER DELSLOTS slot [slot ...]
void AddOrDelSlots(CommandContext& ctx, bool del) {
  Cluster* c = RequireCluster(ctx);
  if (c == nullptr) return;
  std::vector<int> slots;
  for (size_t i = 2; i < ctx.argc(); i++) {
    int s;
    if (!ParseClusterSlot(ctx, ctx.arg(i), &s)) return;
    slots.push_back(s);
  }
  std::vector<uint8_t> chosen(kSlotCount, 0);
  for (int s : slots) {
    if (!CheckSlotRange(ctx, *c, del, s, s, &chosen)) return;
  }
  ApplySlots(ctx, c, del, chosen);
}
void ClusterAddSlots(CommandContext& ctx) { AddOrDelSlots(ctx, false); }
void ClusterDelSlots(CommandContext& ctx) { AddOrDelSlots(ctx, true); }

// CLUSTER ADDSLOTSRANGE start end [start end ...] / CLUSTER DELSLOTSRANGE ...
void AddOrDelSlotsRange(CommandContext& ctx, bool del) {
  Cluster* c = RequireCluster(ctx);
  if (c == nullptr) return;
  if (ctx.argc() % 2 == 1) return ctx.reply.Error(err::WrongArgs(ctx.cmd->display_name));
  std::vector<std::pair<int, int>> ranges;
  for (size_t i = 2; i + 1 < ctx.argc(); i += 2) {
    int start, end;
    if (!ParseClusterSlot(ctx, ctx.arg(i), &start) ||
        !ParseClusterSlot(ctx, ctx.arg(i + 1), &end)) {
      return;
    }
    if (start > end) {
      return ctx.reply.Error("ERR start slot number " + std::to_string(start) +
                             " is greater than end slot number " + std::to_string(end));
    }
    ranges.emplace_back(start, end);
  }
  std::vector<uint8_t> chosen(kSlotCount, 0);
  for (const auto& [start, end] : ranges) {
    if (!CheckSlotRange(ctx, *c, del, start, end, &chosen)) return;
  }
  ApplySlots(ctx, c, del, chosen);
}
void ClusterAddSlotsRange(CommandContext& ctx) { AddOrDelSlotsRange(ctx, false); }
void ClusterDelSlotsRange(CommandContext& ctx) { AddOrDelSlotsRange(ctx, true); }

// CLUSTER FLUSHSLOTS
void ClusterFlushSlots(CommandContext& ctx) {
  Cluster* c = RequireCluster(ctx);
  if (c == nullptr) return;
  if (!c->db_empty()) return ctx.reply.Error("ERR DB must be empty to perform CLUSTER FLUSHSLOTS.");
  for (int s = 0; s < kSlotCount; s++) {
    if (c->slot_owner(s) == &c->myself()) c->DelSlot(s);
  }
  c->Changed();
  ctx.reply.Ok();
}

// Checks the node a SETSLOT names: known, and a master. Replies and returns nullptr otherwise.
Node* SetSlotTarget(CommandContext& ctx, Cluster* c, std::string_view id, const char* unknown) {
  Node* n = c->FindMutable(id);
  if (n == nullptr) {
    ctx.reply.Error(std::string("ERR ") + unknown + " " + std::string(id));
    return nullptr;
  }
  if (n->is(cluster::kNodeReplica)) {
    ctx.reply.Error("ERR Target node is not a master");
    return nullptr;
  }
  return n;
}

// CLUSTER SETSLOT slot NODE id: the slot now belongs to `n`.
bool SetSlotNode(CommandContext& ctx, Cluster* c, int slot, Node* n) {
  const Node* me = &c->myself();
  if (c->slot_owner(slot) == me && n != me && c->CountKeysInSlot(slot) != 0) {
    ctx.reply.Error("ERR Can't assign hashslot " + std::to_string(slot) +
                    " to a different node while I still hold keys for this hash slot.");
    return false;
  }
  // Every key has left: the migration of this slot is over.
  if (c->CountKeysInSlot(slot) == 0 && c->migrating_to(slot) != nullptr) {
    c->SetMigrating(slot, nullptr);
  }
  // Taking a slot we were importing ends the import, with a new epoch so the others follow us.
  if (n == me && c->importing_from(slot) != nullptr) {
    c->BumpConfigEpochWithoutConsensus();
    c->SetImporting(slot, nullptr);
  }
  c->DelSlot(slot);
  c->AddSlot(n, slot);
  return true;
}

// CLUSTER SETSLOT slot IMPORTING id | MIGRATING id | STABLE | NODE id
void ClusterSetSlot(CommandContext& ctx) {
  Cluster* c = RequireCluster(ctx);
  if (c == nullptr) return;
  if (!c->is_master()) return ctx.reply.Error("ERR Please use SETSLOT only with masters.");
  int slot;
  if (!ParseClusterSlot(ctx, ctx.arg(2), &slot)) return;
  std::string_view action = ctx.arg(3);
  const Node* me = &c->myself();
  if (EqualsIgnoreCase(action, "migrating") && ctx.argc() == 5) {
    if (c->slot_owner(slot) != me) {
      return ctx.reply.Error("ERR I'm not the owner of hash slot " + std::to_string(slot));
    }
    Node* n = SetSlotTarget(ctx, c, ctx.arg(4), "I don't know about node");
    if (n == nullptr) return;
    c->SetMigrating(slot, n);
  } else if (EqualsIgnoreCase(action, "importing") && ctx.argc() == 5) {
    if (c->slot_owner(slot) == me) {
      return ctx.reply.Error("ERR I'm already the owner of hash slot " + std::to_string(slot));
    }
    Node* n = SetSlotTarget(ctx, c, ctx.arg(4), "I don't know about node");
    if (n == nullptr) return;
    c->SetImporting(slot, n);
  } else if (EqualsIgnoreCase(action, "stable") && ctx.argc() == 4) {
    c->SetMigrating(slot, nullptr);
    c->SetImporting(slot, nullptr);
  } else if (EqualsIgnoreCase(action, "node") && ctx.argc() == 5) {
    Node* n = SetSlotTarget(ctx, c, ctx.arg(4), "Unknown node");
    if (n == nullptr || !SetSlotNode(ctx, c, slot, n)) return;
  } else {
    return ctx.reply.Error(
        "ERR Invalid CLUSTER SETSLOT action or number of arguments. Try CLUSTER HELP");
  }
  c->Changed();
  ctx.reply.Ok();
}

// One node as CLUSTER SLOTS lists it: endpoint, port, id, then extra endpoints as a map.
void ReplySlotsNode(CommandContext& ctx, const Cluster& c, const Node& n) {
  ctx.reply.ArrayHeader(4);
  ctx.reply.Bulk(c.Endpoint(n));
  ctx.reply.Integer(n.port);
  ctx.reply.Bulk(n.id);
  const std::string& type = c.config().cluster_preferred_endpoint_type;
  bool show_ip = type != "ip" && !n.ip.empty();
  bool show_host = type != "hostname" && !n.hostname.empty();
  ctx.reply.MapHeader((show_ip ? 1 : 0) + (show_host ? 1 : 0));
  if (show_ip) {
    ctx.reply.Bulk("ip");
    ctx.reply.Bulk(n.ip);
  }
  if (show_host) {
    ctx.reply.Bulk("hostname");
    ctx.reply.Bulk(n.hostname);
  }
}

std::vector<const Node*> ReplicasOf(const Cluster& c, const Node& master) {
  std::vector<const Node*> out;
  for (const auto& [id, n] : c.nodes()) {
    if (n->is(cluster::kNodeReplica) && n->master_id == master.id) out.push_back(n.get());
  }
  return out;
}

// CLUSTER SLOTS
void ClusterSlots(CommandContext& ctx) {
  Cluster* c = RequireCluster(ctx);
  if (c == nullptr) return;
  std::vector<std::pair<int, int>> ranges;
  for (int s = 0; s < kSlotCount; s++) {
    const Node* owner = c->slot_owner(s);
    if (owner == nullptr) continue;
    int e = s;
    while (e + 1 < kSlotCount && c->slot_owner(e + 1) == owner) e++;
    ranges.emplace_back(s, e);
    s = e;
  }
  ctx.reply.ArrayHeader(static_cast<int64_t>(ranges.size()));
  for (const auto& [start, end] : ranges) {
    const Node* owner = c->slot_owner(start);
    std::vector<const Node*> replicas;
    for (const Node* r : ReplicasOf(*c, *owner)) {
      if (!r->is(cluster::kNodeFail)) replicas.push_back(r);
    }
    ctx.reply.ArrayHeader(3 + static_cast<int64_t>(replicas.size()));
    ctx.reply.Integer(start);
    ctx.reply.Integer(end);
    ReplySlotsNode(ctx, *c, *owner);
    for (const Node* r : replicas) ReplySlotsNode(ctx, *c, *r);
  }
}

void ReplyShardNode(CommandContext& ctx, const Cluster& c, const Node& n) {
  int64_t offset = n.repl_offset;
  if (&n == &c.myself()) offset = ctx.server->replication()->master_repl_offset();
  const char* health = "online";
  if (n.is(cluster::kNodeFail)) {
    health = "failed";
  } else if (n.is(cluster::kNodeReplica) && offset == 0) {
    health = "loading";
  }
  ctx.reply.MapHeader(n.hostname.empty() ? 7 : 8);
  ctx.reply.Bulk("id");
  ctx.reply.Bulk(n.id);
  ctx.reply.Bulk("port");
  ctx.reply.Integer(n.port);
  ctx.reply.Bulk("ip");
  ctx.reply.Bulk(n.ip);
  ctx.reply.Bulk("endpoint");
  ctx.reply.Bulk(c.Endpoint(n));
  if (!n.hostname.empty()) {
    ctx.reply.Bulk("hostname");
    ctx.reply.Bulk(n.hostname);
  }
  ctx.reply.Bulk("role");
  ctx.reply.Bulk(n.is(cluster::kNodeMaster) ? "master" : "replica");
  ctx.reply.Bulk("replication-offset");
  ctx.reply.Integer(offset);
  ctx.reply.Bulk("health");
  ctx.reply.Bulk(health);
}

// CLUSTER SHARDS
void ClusterShards(CommandContext& ctx) {
  Cluster* c = RequireCluster(ctx);
  if (c == nullptr) return;
  std::vector<const Node*> masters;
  for (const auto& [id, n] : c->nodes()) {
    if (n->is(cluster::kNodeMaster)) masters.push_back(n.get());
  }
  ctx.reply.ArrayHeader(static_cast<int64_t>(masters.size()));
  for (const Node* m : masters) {
    ctx.reply.MapHeader(2);
    ctx.reply.Bulk("slots");
    std::vector<int> bounds;
    for (int s = 0; s < kSlotCount; s++) {
      if (!m->slots.test(static_cast<size_t>(s))) continue;
      int e = s;
      while (e + 1 < kSlotCount && m->slots.test(static_cast<size_t>(e + 1))) e++;
      bounds.push_back(s);
      bounds.push_back(e);
      s = e;
    }
    ctx.reply.ArrayHeader(static_cast<int64_t>(bounds.size()));
    for (int b : bounds) ctx.reply.Integer(b);
    ctx.reply.Bulk("nodes");
    auto replicas = ReplicasOf(*c, *m);
    ctx.reply.ArrayHeader(1 + static_cast<int64_t>(replicas.size()));
    ReplyShardNode(ctx, *c, *m);
    for (const Node* r : replicas) ReplyShardNode(ctx, *c, *r);
  }
}

// ASKING
void Asking(CommandContext& ctx) {
  if (RequireCluster(ctx) == nullptr) return;
  ctx.client->flags |= kClientAsking;
  ctx.reply.Ok();
}

// READONLY
void ReadOnly(CommandContext& ctx) {
  if (RequireCluster(ctx) == nullptr) return;
  ctx.client->flags |= kClientReadonly;
  ctx.reply.Ok();
}

// READWRITE
void ReadWrite(CommandContext& ctx) {
  if (RequireCluster(ctx) == nullptr) return;
  ctx.client->flags &= ~kClientReadonly;
  ctx.reply.Ok();
}

}  // namespace

void RegisterClusterFamily(CommandTable& t) {
  t.Register("cluster|info", ClusterInfo);
  t.Register("cluster|nodes", ClusterNodes);
  t.Register("cluster|myid", ClusterMyId);
  t.Register("cluster|keyslot", ClusterKeySlot);
  t.Register("cluster|countkeysinslot", ClusterCountKeysInSlot);
  t.Register("cluster|getkeysinslot", ClusterGetKeysInSlot);
  t.Register("cluster|addslots", ClusterAddSlots);
  t.Register("cluster|delslots", ClusterDelSlots);
  t.Register("cluster|addslotsrange", ClusterAddSlotsRange);
  t.Register("cluster|delslotsrange", ClusterDelSlotsRange);
  t.Register("cluster|flushslots", ClusterFlushSlots);
  t.Register("cluster|setslot", ClusterSetSlot);
  t.Register("cluster|slots", ClusterSlots);
  t.Register("cluster|shards", ClusterShards);
  t.Register("asking", Asking);
  t.Register("readonly", ReadOnly);
  t.Register("readwrite", ReadWrite);
  RegisterClusterAdminFamily(t);
  RegisterMigrateFamily(t);
}

}  // namespace redsim
