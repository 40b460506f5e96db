// Replication commands: REPLICAOF/SLAVEOF, REPLCONF, PSYNC/SYNC, WAIT, ROLE.
#include <climits>

#include "engine/base/strutil.h"
#include "engine/commands/families.h"
#include "engine/replication/replication.h"
#include "engine/server/command_context.h"

namespace redsim {
namespace {

// REPLICAOF host port | REPLICAOF NO ONE (and SLAVEOF)
void ReplicaOf(CommandContext& ctx) {
  if (EqualsIgnoreCase(ctx.arg(1), "no") && EqualsIgnoreCase(ctx.arg(2), "one")) {
    ctx.server->replication()->BecomeMaster();
    ctx.reply.Ok();
    return;
  }
  if (ctx.client->has(kClientReplica)) {
    ctx.reply.Error("ERR Command is not valid when client is a replica.");
    return;
  }
  int64_t port;
  if (!ParseInt64(ctx.arg(2), &port) || port < 0 || port > 65535) {
    ctx.reply.Error("ERR Invalid master port");
    return;
  }
  std::string result =
      ctx.server->replication()->ReplicaOf(std::string(ctx.arg(1)), static_cast<int>(port));
  ctx.reply.Simple(result);
}

// REPLCONF option value [option value ...]
void Replconf(CommandContext& ctx) {
  size_t before = ctx.client->reply_buffer().size();
  ctx.server->replication()->Replconf(ctx.client, ctx.args, ctx.reply);
  (void)before;
}

// PSYNC replicationid offset / SYNC
void Psync(CommandContext& ctx) {
  if (ctx.client->has(kClientMulti)) {
    ctx.reply.Error("ERR Replica can't be in MULTI state");
    return;
  }
  ctx.server->replication()->Psync(ctx.client, ctx.args, ctx.reply);
}

// WAIT numreplicas timeout
void Wait(CommandContext& ctx) {
  if (ctx.server->replication()->is_replica()) {
    ctx.reply.Error(
        "ERR WAIT cannot be used with replica instances. Please also note that since Redis 4.0 if "
        "a replica is configured to be writable (which is not the default) writes to replicas are "
        "just local and are not propagated.");
    return;
  }
  int64_t numreplicas, timeout;
  if (!ParseInt64(ctx.arg(1), &numreplicas)) {
    ctx.reply.Error(err::kNotInteger);
    return;
  }
  if (!ParseInt64(ctx.arg(2), &timeout)) {
    ctx.reply.Error("ERR timeout is not an integer or out of range");
    return;
  }
  if (timeout < 0) {
    ctx.reply.Error("ERR timeout is negative");
    return;
  }
  ctx.server->replication()->Wait(ctx.client, numreplicas, timeout, ctx.reply);
}

// ROLE
void Role(CommandContext& ctx) { ctx.server->replication()->Role(ctx.reply); }

}  // namespace

void RegisterReplicationFamily(CommandTable& t) {
  t.Register("replicaof", ReplicaOf);
  t.Register("slaveof", ReplicaOf);
  t.Register("replconf", Replconf);
  t.Register("psync", Psync);
  t.Register("sync", Psync);
  t.Register("wait", Wait);
  t.Register("role", Role);
}

}  // namespace redsim
