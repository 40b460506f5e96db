// Transactions: MULTI, EXEC, DISCARD, WATCH, UNWATCH.
//
// Commands sent after MULTI are queued by the dispatcher (Server::ProcessCommand); a queued
// command that is rejected (unknown, wrong arity) marks the transaction so EXEC aborts with
// EXECABORT. WATCHed keys modified before EXEC make it return a null array.
#include "engine/acl/acl.h"
#include "engine/commands/families.h"
#include "engine/server/command_context.h"

namespace redsim {
namespace {

void DiscardTransaction(Server* server, Client* c) {
  c->multi_queue.clear();
  c->multi_bytes = 0;
  c->flags &= ~(kClientMulti | kClientDirtyCas | kClientDirtyExec);
  server->keyspace().UnwatchAllKeys(c);
}

// MULTI
void Multi(CommandContext& ctx) {
  if (ctx.client->has(kClientMulti)) {
    ctx.reply.Error(err::kMultiNested);
    return;
  }
  ctx.client->flags |= kClientMulti;
  ctx.reply.Ok();
}

// DISCARD
void Discard(CommandContext& ctx) {
  if (!ctx.client->has(kClientMulti)) {
    ctx.reply.Error(err::kDiscardWithoutMulti);
    return;
  }
  DiscardTransaction(ctx.server, ctx.client);
  ctx.reply.Ok();
}

// True when a watched key has expired since WATCH (Redis 7.0 treats that as a modification).
bool WatchedKeyExpired(Server* server, Client* c) {
  for (const auto& [dbi, key] : c->watched_keys) {
    DbEntry* e = server->keyspace().db(dbi)->Find(key);
    if (e != nullptr && e->has_expire() && e->expire_ms <= server->now_ms()) return true;
  }
  return false;
}

// The ACL rules are checked again as each queued command runs: the user may have lost a
// permission since the command was queued. A denied command answers NOPERM (logged with context
// "multi") and the rest of the transaction still runs, as in Redis.
bool AllowedAtExec(Server* server, Client* c, const Command* cmd,
                   const std::vector<std::string_view>& args, ReplyBuilder& reply) {
  if (c->has(kClientMaster)) return true;
  const char* reason = nullptr;
  switch (server->acl().CheckAndLog(c, cmd, args, /*in_script=*/false)) {
    case AclResult::kOk:
      return true;
    case AclResult::kDeniedCommand:
      reason = "no permission to execute the command or subcommand";
      break;
    case AclResult::kDeniedKey:
      reason = "no permission to touch the specified keys";
      break;
    case AclResult::kDeniedChannel:
      reason = "no permission to access one of the channels used as arguments";
      break;
  }
  reply.Error(std::string("NOPERM ACLs rules changed between the moment the transaction was "
                          "accumulated and the EXEC call. This command is no longer allowed for "
                          "the following reason: ") +
              reason);
  return false;
}

// EXEC
void Exec(CommandContext& ctx) {
  Client* c = ctx.client;
  Server* server = ctx.server;
  if (!c->has(kClientMulti)) {
    ctx.reply.Error(err::kExecWithoutMulti);
    return;
  }
  if (c->has(kClientDirtyExec)) {
    DiscardTransaction(server, c);
    ctx.reply.Error(err::kExecAbort);
    return;
  }
  if (c->has(kClientDirtyCas) || WatchedKeyExpired(server, c)) {
    DiscardTransaction(server, c);
    ctx.reply.NullArray();
    return;
  }
  // As in Redis, the client stays "in MULTI" with its queue while the commands run (CLIENT INFO
  // inside EXEC shows flags=x and multi=<queued>); queued commands are never transaction
  // controls, so they cannot change the queue under us.
  server->keyspace().UnwatchAllKeys(c);
  c->flags &= ~kClientDirtyCas;
  ctx.reply.ArrayHeader(static_cast<int64_t>(c->multi_queue.size()));
  server->FreezeTime();
  server->BeginExecPropagation();
  c->flags |= kClientDenyBlocking;
  for (size_t i = 0; i < c->multi_queue.size(); i++) {
    StoredCommand& stored = c->multi_queue[i];
    std::vector<std::string_view> args(stored.args.begin(), stored.args.end());
    ReplyBuilder reply = server->ReplyTo(c);
    if (!AllowedAtExec(server, c, stored.cmd, args, reply)) continue;
    CommandContext inner{server, c, stored.cmd, args, reply};
    server->Call(inner);
  }
  c->flags &= ~kClientDenyBlocking;
  DiscardTransaction(server, c);
  server->EndExecPropagation();
  server->UnfreezeTime();
}

// WATCH key [key ...]
void Watch(CommandContext& ctx) {
  if (ctx.client->has(kClientMulti)) {
    ctx.reply.Error(err::kWatchInsideMulti);
    return;
  }
  for (size_t i = 1; i < ctx.argc(); i++) {
    ctx.keyspace().WatchKey(ctx.client, ctx.client->db_index, ctx.arg(i));
  }
  ctx.reply.Ok();
}

// UNWATCH
void Unwatch(CommandContext& ctx) {
  ctx.keyspace().UnwatchAllKeys(ctx.client);
  ctx.client->flags &= ~kClientDirtyCas;
  ctx.reply.Ok();
}

}  // namespace

void RegisterTransactionFamily(CommandTable& t) {
  t.Register("multi", Multi);
  t.Register("exec", Exec);
  t.Register("discard", Discard);
  t.Register("watch", Watch);
  t.Register("unwatch", Unwatch);
}

}  // namespace redsim
