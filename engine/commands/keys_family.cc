// Generic key commands: existence, deletion, renaming, expiry, scanning, databases, OBJECT.
#include <climits>

#include "engine/base/strutil.h"
#include "engine/commands/families.h"
#include "engine/commands/help.h"
#include "engine/commands/scan_args.h"
#include "engine/server/arg_cursor.h"
#include "engine/server/command_context.h"
#include "engine/server/eviction.h"

namespace redsim {
namespace {

// ---- Deletion and existence -----------------------------------------------------------------

// DEL key [key ...] / UNLINK key [key ...]
void Del(CommandContext& ctx) {
  int64_t deleted = 0;
  // UNLINK (and DEL with lazyfree-lazy-user-del) leave big values to the lazy-free queue.
  bool lazy = ctx.cmd->name == "unlink" || ctx.server->config().lazyfree_lazy_user_del;
  for (size_t i = 1; i < ctx.argc(); i++) {
    // Not a lookup in Redis: no statistics, no access-time update (which would show through a
    // shared integer's idle time).
    DbEntry* e = ctx.db()->Find(ctx.arg(i));
    if (e == nullptr || ctx.keyspace().ExpireIfNeeded(ctx.db(), e)) continue;
    ctx.keyspace().DeleteKey(ctx.db(), ctx.arg(i), lazy);
    ctx.keyspace().NotifyKeyspaceEvent('g', "del", ctx.arg(i), ctx.db()->index());
    ctx.server->dirty++;
    deleted++;
  }
  ctx.reply.Integer(deleted);
}

// Counts the keys present among ctx.args[1..]; TOUCH also updates their access time.
void CountKeys(CommandContext& ctx, bool touch) {
  int64_t count = 0;
  for (size_t i = 1; i < ctx.argc(); i++) {
    if (ctx.keyspace().LookupRead(ctx.db(), ctx.arg(i), touch) != nullptr) count++;
  }
  ctx.reply.Integer(count);
}

// EXISTS key [key ...]
void Exists(CommandContext& ctx) { CountKeys(ctx, /*touch=*/false); }

// TOUCH key [key ...]
void Touch(CommandContext& ctx) { CountKeys(ctx, /*touch=*/true); }

// TYPE key
void Type(CommandContext& ctx) {
  DbEntry* e = ctx.keyspace().LookupRead(ctx.db(), ctx.arg(1), /*touch=*/false);
  ctx.reply.Simple(e == nullptr ? "none" : TypeName(e->value.type()));
}

// ---- Renaming and copying -------------------------------------------------------------------

void RenameGeneric(CommandContext& ctx, bool nx) {
  std::string src(ctx.arg(1)), dst(ctx.arg(2));
  Server* server = ctx.server;
  Database* db = ctx.db();
  DbEntry* e = server->keyspace().LookupWrite(db, src);
  if (e == nullptr) {
    ctx.reply.Error(err::kNoSuchKey);
    return;
  }
  if (src == dst) {
    if (nx)
      ctx.reply.Integer(0);
    else
      ctx.reply.Ok();
    return;
  }
  if (server->keyspace().LookupWrite(db, dst) != nullptr) {
    if (nx) {
      ctx.reply.Integer(0);
      return;
    }
    server->keyspace().DeleteKey(db, dst);
  }
  int64_t expire = e->expire_ms;
  DbEntry* detached = db->Detach(src);
  server->keyspace().SignalModifiedKey(db, src);
  DbEntry* added = server->keyspace().AddKey(db, dst, std::move(detached->value));
  DbEntry::Destroy(detached);
  if (expire != 0) server->keyspace().SetExpire(db, added, expire);
  server->keyspace().NotifyKeyspaceEvent('g', "rename_from", src, db->index());
  server->keyspace().NotifyKeyspaceEvent('g', "rename_to", dst, db->index());
  server->keyspace().SignalKeyReady(db, dst);
  server->dirty++;
  if (nx)
    ctx.reply.Integer(1);
  else
    ctx.reply.Ok();
}

// RENAME key newkey
void Rename(CommandContext& ctx) { RenameGeneric(ctx, false); }
// RENAMENX key newkey
void RenameNx(CommandContext& ctx) { RenameGeneric(ctx, true); }

// Parses a database index argument as SELECT/MOVE/COPY do. Replies and returns false on error.
bool ParseDbIndex(CommandContext& ctx, std::string_view arg, int* out) {
  int64_t v;
  if (!ParseInt64(arg, &v)) {
    ctx.reply.Error(err::kNotInteger);
    return false;
  }
  if (v < INT_MIN || v > INT_MAX) {
    ctx.reply.Error(err::kNotInt32);
    return false;
  }
  if (v < 0 || v >= ctx.keyspace().db_count()) {
    ctx.reply.Error(err::kDbIndexOutOfRange);
    return false;
  }
  *out = static_cast<int>(v);
  return true;
}

// COPY source destination [DB destination-db] [REPLACE]
void Copy(CommandContext& ctx) {
  int dst_index = ctx.client->db_index;
  bool replace = false;
  ArgCursor cur(ctx.args, 3);
  while (cur.ok() && !cur.done()) {
    if (cur.Consume("replace")) {
      replace = true;
    } else if (cur.Consume("db")) {
      // A bad index is answered at once, before the options after it are read.
      std::string_view index = cur.Next();
      if (cur.ok() && !ParseDbIndex(ctx, index, &dst_index)) return;
    } else {
      cur.Fail(err::kSyntax);
    }
  }
  if (!cur.ok()) {
    ctx.reply.Error(cur.error());
    return;
  }
  std::string_view src = ctx.arg(1), dst = ctx.arg(2);
  Database* src_db = ctx.db();
  Database* dst_db = ctx.keyspace().db(dst_index);
  if (src_db == dst_db && src == dst) {
    ctx.reply.Error(err::kSameObject);
    return;
  }
  DbEntry* e = ctx.keyspace().LookupRead(src_db, src);
  if (e == nullptr) {
    ctx.reply.Integer(0);
    return;
  }
  if (ctx.keyspace().LookupWrite(dst_db, dst) != nullptr) {
    if (!replace) {
      ctx.reply.Integer(0);
      return;
    }
    ctx.keyspace().DeleteKey(dst_db, dst);
  }
  int64_t expire = e->expire_ms;
  DbEntry* added = ctx.keyspace().AddKey(dst_db, dst, e->value.Clone());
  if (expire != 0) ctx.keyspace().SetExpire(dst_db, added, expire);
  ctx.keyspace().SignalKeyReady(dst_db, dst);
  ctx.keyspace().NotifyKeyspaceEvent('g', "copy_to", dst, dst_db->index());
  ctx.server->dirty++;
  ctx.reply.Integer(1);
}

// MOVE key db
void Move(CommandContext& ctx) {
  if (ctx.server->config().cluster_enabled) {
    ctx.reply.Error("ERR MOVE is not allowed in cluster mode");
    return;
  }
  int dst_index;
  if (!ParseDbIndex(ctx, ctx.arg(2), &dst_index)) return;
  if (dst_index == ctx.client->db_index) {
    ctx.reply.Error(err::kSameObject);
    return;
  }
  std::string key(ctx.arg(1));
  Database* src_db = ctx.db();
  Database* dst_db = ctx.keyspace().db(dst_index);
  DbEntry* e = ctx.keyspace().LookupWrite(src_db, key);
  if (e == nullptr || ctx.keyspace().LookupWrite(dst_db, key) != nullptr) {
    ctx.reply.Integer(0);
    return;
  }
  int64_t expire = e->expire_ms;
  DbEntry* detached = src_db->Detach(key);
  ctx.keyspace().SignalModifiedKey(src_db, key);
  DbEntry* added = ctx.keyspace().AddKey(dst_db, key, std::move(detached->value));
  DbEntry::Destroy(detached);
  if (expire != 0) ctx.keyspace().SetExpire(dst_db, added, expire);
  ctx.keyspace().SignalKeyReady(dst_db, key);
  ctx.keyspace().NotifyKeyspaceEvent('g', "move_from", key, src_db->index());
  ctx.keyspace().NotifyKeyspaceEvent('g', "move_to", key, dst_index);
  ctx.server->dirty++;
  ctx.reply.Integer(1);
}

// ---- Expiry ---------------------------------------------------------------------------------

// EXPIRE key seconds [NX | XX | GT | LT] (and PEXPIRE, EXPIREAT, PEXPIREAT)
void ExpireGeneric(CommandContext& ctx, bool seconds, bool absolute) {
  std::string_view key = ctx.arg(1);
  bool nx = false, xx = false, gt = false, lt = false;
  ArgCursor cur(ctx.args, 3);
  while (cur.ok() && !cur.done()) {
    if (cur.Consume("nx"))
      nx = true;
    else if (cur.Consume("xx"))
      xx = true;
    else if (cur.Consume("gt"))
      gt = true;
    else if (cur.Consume("lt"))
      lt = true;
    else
      cur.Fail("ERR Unsupported option " + std::string(cur.Peek()));
  }
  if (!cur.ok()) {
    ctx.reply.Error(cur.error());
    return;
  }
  if (nx && (xx || gt || lt)) {
    ctx.reply.Error(err::kExpireNxWithXxGtLt);
    return;
  }
  if (gt && lt) {
    ctx.reply.Error(err::kExpireGtWithLt);
    return;
  }
  int64_t when;
  if (!ParseInt64(ctx.arg(2), &when)) {
    ctx.reply.Error(err::kNotInteger);
    return;
  }
  if (seconds) {
    if (when > LLONG_MAX / 1000 || when < LLONG_MIN / 1000) {
      ctx.reply.Error(err::InvalidExpire(ctx.cmd->name));
      return;
    }
    when *= 1000;
  }
  if (!absolute) {
    int64_t base = ctx.now_ms();
    if ((when > 0 && base > LLONG_MAX - when) || (when < 0 && base < LLONG_MIN - when)) {
      ctx.reply.Error(err::InvalidExpire(ctx.cmd->name));
      return;
    }
    when += base;
  }
  Server* server = ctx.server;
  Database* db = ctx.db();
  DbEntry* e = server->keyspace().LookupWrite(db, key);
  if (e == nullptr) {
    ctx.reply.Integer(0);
    return;
  }
  if (nx || xx || gt || lt) {
    int64_t current = e->has_expire() ? e->expire_ms : -1;
    if ((nx && current != -1) || (xx && current == -1) ||
        (gt && (current == -1 || when <= current)) || (lt && current != -1 && when >= current)) {
      ctx.reply.Integer(0);
      return;
    }
  }
  if (when <= ctx.now_ms() && server->config().replicaof.empty()) {
    server->keyspace().DeleteKey(db, key);
    server->dirty++;
    ctx.PropagateAs({"DEL", std::string(key)});
    server->keyspace().NotifyKeyspaceEvent('g', "del", key, db->index());
    ctx.reply.Integer(1);
    return;
  }
  server->keyspace().SetExpire(db, e, when);
  server->keyspace().SignalModifiedKey(db, key);
  server->dirty++;
  if (ctx.cmd->name != "pexpireat") {
    // The NX/XX/GT/LT options travel with it, as Redis only rewrites the name and the time.
    std::vector<std::string> prop = {"PEXPIREAT", std::string(key), Int64ToString(when)};
    prop.insert(prop.end(), ctx.args.begin() + 3, ctx.args.end());
    ctx.PropagateAs(std::move(prop));
  }
  server->keyspace().NotifyKeyspaceEvent('g', "expire", key, db->index());
  ctx.reply.Integer(1);
}

void Expire(CommandContext& ctx) { ExpireGeneric(ctx, true, false); }
void PExpire(CommandContext& ctx) { ExpireGeneric(ctx, false, false); }
void ExpireAt(CommandContext& ctx) { ExpireGeneric(ctx, true, true); }
void PExpireAt(CommandContext& ctx) { ExpireGeneric(ctx, false, true); }

// TTL key / PTTL key / EXPIRETIME key / PEXPIRETIME key
void TtlGeneric(CommandContext& ctx, bool ms, bool absolute) {
  DbEntry* e = ctx.keyspace().LookupRead(ctx.db(), ctx.arg(1), /*touch=*/false);
  if (e == nullptr) {
    ctx.reply.Integer(-2);
    return;
  }
  if (!e->has_expire()) {
    ctx.reply.Integer(-1);
    return;
  }
  int64_t ttl = absolute ? e->expire_ms : e->expire_ms - ctx.now_ms();
  if (ttl < 0) ttl = 0;
  ctx.reply.Integer(ms ? ttl : (ttl + 500) / 1000);
}

void Ttl(CommandContext& ctx) { TtlGeneric(ctx, false, false); }
void PTtl(CommandContext& ctx) { TtlGeneric(ctx, true, false); }
void ExpireTime(CommandContext& ctx) { TtlGeneric(ctx, false, true); }
void PExpireTime(CommandContext& ctx) { TtlGeneric(ctx, true, true); }

// PERSIST key
void Persist(CommandContext& ctx) {
  DbEntry* e = ctx.keyspace().LookupWrite(ctx.db(), ctx.arg(1));
  if (e == nullptr || !e->has_expire()) {
    ctx.reply.Integer(0);
    return;
  }
  ctx.db()->RemoveExpire(e);
  ctx.Modified(ctx.arg(1), 'g', "persist");
  ctx.reply.Integer(1);
}

// ---- Enumeration ----------------------------------------------------------------------------

// KEYS pattern
void Keys(CommandContext& ctx) {
  std::string_view pattern = ctx.arg(1);
  bool all = pattern == "*";
  std::vector<std::string> out;
  int64_t now = ctx.now_ms();
  ctx.db()->table().ForEach([&](DbEntry* e) {
    if (e->has_expire() && e->expire_ms <= now) return;
    if (all || GlobMatch(pattern, e->key())) out.emplace_back(e->key());
  });
  ctx.reply.BulkArray(out);
}

// SCAN cursor [MATCH pattern] [COUNT count] [TYPE type]
void Scan(CommandContext& ctx) {
  // Run on its own, SCAN feeds the DELs of the expired keys it meets one by one, never as a
  // transaction (as Redis does); inside EXEC or a script (kClientDenyBlocking) they are wrapped
  // with the rest.
  if (!ctx.client->has(kClientDenyBlocking)) ctx.server->PropagateWithoutMulti();
  uint64_t cursor;
  if (!ParseScanCursor(ctx.arg(1), &cursor)) {
    ctx.reply.Error(err::kInvalidCursor);
    return;
  }
  ScanOptions opts;
  std::string error = ParseScanOptions(ctx.args, 2, &opts, /*allow_type=*/true);
  if (!error.empty()) {
    ctx.reply.Error(error);
    return;
  }
  std::vector<std::string> keys;
  KeyTable& table = ctx.db()->table();
  // Visit buckets until enough keys are collected or the work bound is reached (Redis visits at
  // most count*10 buckets per call).
  int64_t max_iterations = opts.count * 10;
  do {
    cursor = table.Scan(cursor, [&](DbEntry* e) { keys.emplace_back(e->key()); });
  } while (cursor != 0 && --max_iterations > 0 && static_cast<int64_t>(keys.size()) < opts.count);
  // Filters run after collection: expired keys are removed (and deleted) as Redis does.
  // As in Redis: the pattern first, then the type (a lookup, counted as a hit or miss), then
  // expiry (expired keys are deleted and left out).
  std::vector<std::string> out;
  for (auto& k : keys) {
    if (opts.use_pattern && !GlobMatch(opts.pattern, k)) continue;
    DbEntry* e;
    if (opts.use_type) {
      e = ctx.keyspace().LookupRead(ctx.db(), k, /*touch=*/false);
      if (e == nullptr || !EqualsIgnoreCase(TypeName(e->value.type()), opts.type)) continue;
    } else {
      e = ctx.db()->Find(k);
      if (e == nullptr || ctx.keyspace().ExpireIfNeeded(ctx.db(), e)) continue;
    }
    out.push_back(std::move(k));
  }
  ctx.reply.ArrayHeader(2);
  ctx.reply.Bulk(Int64ToString(static_cast<int64_t>(cursor)));
  ctx.reply.BulkArray(out);
}

uint64_t NextRandom(void* rng) { return static_cast<Random*>(rng)->Next(); }

// RANDOMKEY
void RandomKey(CommandContext& ctx) {
  // As for SCAN: on its own, the DELs of expired keys met on the way are not wrapped.
  if (!ctx.client->has(kClientDenyBlocking)) ctx.server->PropagateWithoutMulti();
  Database* db = ctx.db();
  // Keys picked but expired are deleted and another is tried; if every key is volatile and
  // expired, give up after a bounded number of tries (as Redis does on replicas).
  for (int tries = 0; tries < 100; tries++) {
    DbEntry* e = db->table().RandomEntry(NextRandom, &ctx.server->rng());
    if (e == nullptr) break;
    if (e->has_expire() && e->expire_ms <= ctx.now_ms()) {
      if (ctx.server->config().replicaof.empty()) {
        ctx.keyspace().ExpireIfNeeded(db, e);
        continue;
      }
      if (tries < 99) continue;
    }
    ctx.reply.Bulk(e->key());
    return;
  }
  ctx.reply.Null();
}

// DBSIZE
void DbSize(CommandContext& ctx) { ctx.reply.Integer(static_cast<int64_t>(ctx.db()->size())); }

// ---- Databases ------------------------------------------------------------------------------

bool ParseFlushMode(CommandContext& ctx, bool* async) {
  *async = ctx.server->config().lazyfree_lazy_user_flush;
  if (ctx.argc() == 1) return true;
  if (ctx.argc() == 2 && EqualsIgnoreCase(ctx.arg(1), "async")) {
    *async = true;
    return true;
  }
  if (ctx.argc() == 2 && EqualsIgnoreCase(ctx.arg(1), "sync")) {
    *async = false;
    return true;
  }
  ctx.reply.Error(err::kSyntax);
  return false;
}

// FLUSHDB [ASYNC | SYNC]
void FlushDb(CommandContext& ctx) {
  bool async;
  if (!ParseFlushMode(ctx, &async)) return;
  ctx.keyspace().FlushDatabases(ctx.client->db_index, async);
  ctx.server->dirty++;
  ctx.reply.Ok();
}

// FLUSHALL [ASYNC | SYNC]
void FlushAll(CommandContext& ctx) {
  bool async;
  if (!ParseFlushMode(ctx, &async)) return;
  ctx.keyspace().FlushDatabases(-1, async);
  ctx.server->dirty++;
  ctx.reply.Ok();
}

// SELECT index
void Select(CommandContext& ctx) {
  int64_t requested;
  if (ctx.server->config().cluster_enabled && ParseInt64(ctx.arg(1), &requested) &&
      requested >= INT_MIN && requested <= INT_MAX && requested != 0) {
    ctx.reply.Error("ERR SELECT is not allowed in cluster mode");
    return;
  }
  int index;
  if (!ParseDbIndex(ctx, ctx.arg(1), &index)) return;
  ctx.client->db_index = index;
  ctx.client->db = ctx.keyspace().db(index);
  ctx.reply.Ok();
}

// SWAPDB index1 index2
void SwapDb(CommandContext& ctx) {
  if (ctx.server->config().cluster_enabled) {
    ctx.reply.Error("ERR SWAPDB is not allowed in cluster mode");
    return;
  }
  int64_t a, b;
  if (!ParseInt64(ctx.arg(1), &a) || a < INT_MIN || a > INT_MAX) {
    ctx.reply.Error(err::kInvalidFirstDbIndex);
    return;
  }
  if (!ParseInt64(ctx.arg(2), &b) || b < INT_MIN || b > INT_MAX) {
    ctx.reply.Error(err::kInvalidSecondDbIndex);
    return;
  }
  if (a < 0 || a >= ctx.keyspace().db_count() || b < 0 || b >= ctx.keyspace().db_count()) {
    ctx.reply.Error(err::kDbIndexOutOfRange);
    return;
  }
  if (a != b) ctx.keyspace().SwapDatabases(static_cast<int>(a), static_cast<int>(b));
  ctx.server->dirty++;
  ctx.reply.Ok();
}

// ---- OBJECT ---------------------------------------------------------------------------------

bool LfuPolicy(const ServerConfig& c) {
  return c.maxmemory_policy.find("lfu") != std::string::npos;
}

// OBJECT ENCODING key
void ObjectEncoding(CommandContext& ctx) {
  DbEntry* e = ctx.keyspace().LookupRead(ctx.db(), ctx.arg(2), /*touch=*/false);
  if (e == nullptr)
    ctx.reply.Null();
  else
    ctx.reply.Bulk(EncodingName(e->value.encoding()));
}

// OBJECT FREQ key
void ObjectFreq(CommandContext& ctx) {
  DbEntry* e = ctx.keyspace().LookupRead(ctx.db(), ctx.arg(2), /*touch=*/false);
  if (e == nullptr) {
    ctx.reply.Null();
    return;
  }
  if (!LfuPolicy(ctx.server->config())) {
    ctx.reply.Error(
        "ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please note "
        "that when switching between policies at runtime LRU and LFU data will take some time to "
        "adjust.");
    return;
  }
  ctx.reply.Integer(ctx.server->evictor().LfuCounter(e->access));
}

// OBJECT IDLETIME key
void ObjectIdleTime(CommandContext& ctx) {
  DbEntry* e = ctx.keyspace().LookupRead(ctx.db(), ctx.arg(2), /*touch=*/false);
  if (e == nullptr) {
    ctx.reply.Null();
    return;
  }
  if (LfuPolicy(ctx.server->config())) {
    ctx.reply.Error(
        "ERR An LRU maxmemory policy is selected, idle time not tracked. Please note that when "
        "switching between policies at runtime LRU and LFU data will take some time to adjust.");
    return;
  }
  uint32_t now = ctx.server->LruClock();
  uint32_t then = ctx.keyspace().AccessClock(e) & ((1u << 24) - 1);
  uint32_t idle = now >= then ? now - then : now + ((1u << 24) - then);
  ctx.reply.Integer(idle);
}

// OBJECT REFCOUNT key
void ObjectRefCount(CommandContext& ctx) {
  DbEntry* e = ctx.keyspace().LookupRead(ctx.db(), ctx.arg(2), /*touch=*/false);
  if (e == nullptr) {
    ctx.reply.Null();
    return;
  }
  // Redis shares the integer objects 0..9999 (reported with INT_MAX references) unless a
  // maxmemory limit with an LRU or LFU policy needs per-key access data.
  bool shared = e->value.shared() && ctx.keyspace().SharesIntegers();
  ctx.reply.Integer(shared ? INT_MAX : 1);
}

// OBJECT HELP
void ObjectHelp(CommandContext& ctx) {
  ReplyHelp(ctx, "OBJECT",
            {"ENCODING <key>",
             "    Return the kind of internal representation used in order to store the value",
             "    associated with a <key>.", "FREQ <key>",
             "    Return the access frequency index of the <key>. The returned integer is",
             "    proportional to the logarithm of the recent access frequency of the key.",
             "IDLETIME <key>",
             "    Return the idle time of the <key>, that is the approximated number of",
             "    seconds elapsed since the last access to the key.", "REFCOUNT <key>",
             "    Return the number of references of the value associated with the specified",
             "    <key>."});
}

}  // namespace

void RegisterKeysFamily(CommandTable& t) {
  t.Register("del", Del);
  t.Register("unlink", Del);
  t.Register("exists", Exists);
  t.Register("touch", Touch);
  t.Register("type", Type);
  t.Register("rename", Rename);
  t.Register("renamenx", RenameNx);
  t.Register("copy", Copy);
  t.Register("move", Move);
  t.Register("expire", Expire);
  t.Register("pexpire", PExpire);
  t.Register("expireat", ExpireAt);
  t.Register("pexpireat", PExpireAt);
  t.Register("ttl", Ttl);
  t.Register("pttl", PTtl);
  t.Register("expiretime", ExpireTime);
  t.Register("pexpiretime", PExpireTime);
  t.Register("persist", Persist);
  t.Register("keys", Keys);
  t.Register("scan", Scan);
  t.Register("randomkey", RandomKey);
  t.Register("dbsize", DbSize);
  t.Register("flushdb", FlushDb);
  t.Register("flushall", FlushAll);
  t.Register("select", Select);
  t.Register("swapdb", SwapDb);
  t.Register("object|encoding", ObjectEncoding);
  t.Register("object|freq", ObjectFreq);
  t.Register("object|idletime", ObjectIdleTime);
  t.Register("object|refcount", ObjectRefCount);
  t.Register("object|help", ObjectHelp);
}

}  // namespace redsim
