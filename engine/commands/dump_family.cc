// DUMP and RESTORE: a key's value serialized with the RDB value encoding (engine/persistence/
// rdb_codec.h, the same codecs RDB files and the AOF preamble use), followed by the 2-byte RDB
// version and a CRC64 trailer, so payloads move between redsim and Redis 7.0 both ways.
//
// RESTORE validates the payload completely before touching the keyspace (the loader checks
// every nested encoding, count and duplicate, as sanitize-dump-payload yes does); a payload that
// fails is answered with Redis's errors and changes nothing.
#include <algorithm>
#include <climits>
#include <string>

#include "engine/base/strutil.h"
#include "engine/commands/families.h"
#include "engine/persistence/rdb_codec.h"
#include "engine/server/command.h"
#include "engine/server/command_context.h"
#include "engine/server/errors.h"
#include "engine/server/server.h"

namespace redsim {

namespace {

// ---- Keyspace layer -------------------------------------------------------------------------

// The DUMP payload of `value` (compressed when rdbcompression is on, as Redis does).
std::string DumpValue(const Server* server, const Value& value, bool* ok) {
  std::string body;
  rdb::Encoder enc(&body, server->config().rdbcompression);
  *ok = rdb::SaveValue(value, enc);
  return *ok ? rdb::MakeDumpPayload(body) : std::string();
}

// Decodes a payload into a value; false when it is not a well-formed value of a known type
// (an empty collection counts as malformed here, as in Redis).
bool LoadPayloadValue(Server* server, std::string_view body, Value* out) {
  rdb::Decoder dec(body);
  uint8_t type;
  if (!dec.Byte(&type)) return false;
  rdb::LoadContext ctx;
  ctx.config = &server->config();
  ctx.deep_sanitize = true;
  ctx.rng = &server->rng();
  return rdb::LoadValue(type, dec, ctx, out) && !out->empty();
}

struct RestoreOptions {
  bool replace = false;
  bool absttl = false;
  int64_t idle_s = -1;
  int64_t freq = -1;
};

// Parses REPLACE ABSTTL IDLETIME FREQ (IDLETIME and FREQ exclude each other). Replies on error.
bool ParseRestoreOptions(CommandContext& ctx, RestoreOptions* o) {
  for (size_t i = 4; i < ctx.argc(); i++) {
    std::string_view a = ctx.arg(i);
    bool has_next = i + 1 < ctx.argc();
    if (EqualsIgnoreCase(a, "replace")) {
      o->replace = true;
    } else if (EqualsIgnoreCase(a, "absttl")) {
      o->absttl = true;
    } else if (EqualsIgnoreCase(a, "idletime") && has_next && o->freq == -1) {
      if (!ParseInt64(ctx.arg(++i), &o->idle_s)) {
        ctx.reply.Error(err::kNotInteger);
        return false;
      }
      if (o->idle_s < 0) {
        ctx.reply.Error("ERR Invalid IDLETIME value, must be >= 0");
        return false;
      }
    } else if (EqualsIgnoreCase(a, "freq") && has_next && o->idle_s == -1) {
      if (!ParseInt64(ctx.arg(++i), &o->freq)) {
        ctx.reply.Error(err::kNotInteger);
        return false;
      }
      if (o->freq < 0 || o->freq > 255) {
        ctx.reply.Error("ERR Invalid FREQ value, must be >= 0 and <= 255");
        return false;
      }
    } else {
      ctx.reply.Error(err::kSyntax);
      return false;
    }
  }
  return true;
}

// Sets the restored key's access data as OBJECT IDLETIME / FREQ will read it.
void ApplyAccess(Server* server, DbEntry* e, const RestoreOptions& o) {
  bool lfu = server->config().maxmemory_policy.find("lfu") != std::string::npos;
  if (lfu && o.freq >= 0) {
    e->access = static_cast<uint32_t>(o.freq);
  } else if (!lfu && o.idle_s >= 0) {
    uint32_t idle = static_cast<uint32_t>(std::min<int64_t>(o.idle_s, (1 << 24) - 1));
    e->access = (server->LruClock() - idle) & ((1u << 24) - 1);
  }
}

// ---- Handlers -------------------------------------------------------------------------------

// DUMP key
void Dump(CommandContext& ctx) {
  DbEntry* e = ctx.keyspace().LookupRead(ctx.db(), ctx.arg(1));
  if (e == nullptr) {
    ctx.reply.Null();
    return;
  }
  bool ok;
  std::string payload = DumpValue(ctx.server, e->value, &ok);
  if (!ok) {
    ctx.reply.Error("ERR DUMP of this type is not supported");
    return;
  }
  ctx.reply.Bulk(payload);
}

// RESTORE key ttl serialized-value [REPLACE] [ABSTTL] [IDLETIME seconds] [FREQ frequency]
void Restore(CommandContext& ctx) {
  RestoreOptions o;
  if (!ParseRestoreOptions(ctx, &o)) return;
  Server* server = ctx.server;
  Database* db = ctx.db();
  std::string_view key = ctx.arg(1);
  if (!o.replace && server->keyspace().LookupWrite(db, key) != nullptr) {
    ctx.reply.Error("BUSYKEY Target key name already exists.");
    return;
  }
  int64_t ttl;
  if (!ParseInt64(ctx.arg(2), &ttl)) {
    ctx.reply.Error(err::kNotInteger);
    return;
  }
  if (ttl < 0) {
    ctx.reply.Error("ERR Invalid TTL value, must be >= 0");
    return;
  }
  std::string_view body;
  if (!rdb::CheckDumpPayload(ctx.arg(3), &body)) {
    ctx.reply.Error("ERR DUMP payload version or checksum are wrong");
    return;
  }
  Value value;
  if (!LoadPayloadValue(server, body, &value)) {
    ctx.reply.Error("ERR Bad data format");
    return;
  }
  bool deleted = o.replace && server->keyspace().DeleteKey(db, key);
  if (ttl != 0 && !o.absttl) ttl = ttl > LLONG_MAX - ctx.now_ms() ? LLONG_MAX : ttl + ctx.now_ms();
  bool already_expired =
      ttl != 0 && ttl <= ctx.now_ms() && !server->loading() && server->config().replicaof.empty();
  if (already_expired) {
    // The key would be born expired: only the deletion of the old one (if any) happened.
    if (deleted) {
      server->keyspace().NotifyKeyspaceEvent('g', "del", key, db->index());
      server->dirty++;
      ctx.PropagateAs({"DEL", std::string(key)});
    } else {
      ctx.PropagateAs({});
    }
    ctx.reply.Ok();
    return;
  }
  DbEntry* e = server->keyspace().AddKey(db, key, std::move(value));
  if (ttl != 0) {
    server->keyspace().SetExpire(db, e, ttl);
    if (!o.absttl) {
      // Replicas and the AOF get the absolute expiry time.
      std::vector<std::string> args(ctx.args.begin(), ctx.args.end());
      args[2] = std::to_string(ttl);
      args.push_back("ABSTTL");
      ctx.PropagateAs(std::move(args));
    }
  }
  ApplyAccess(server, e, o);
  server->keyspace().SignalKeyReady(db, key);
  server->keyspace().NotifyKeyspaceEvent('g', "restore", key, db->index());
  server->dirty++;
  ctx.reply.Ok();
}

}  // namespace

void RegisterDumpFamily(CommandTable& t) {
  t.Register("dump", Dump);
  t.Register("restore", Restore);
  t.Register("restore-asking", Restore);  // RESTORE that a cluster node runs on an importing slot
}

}  // namespace redsim
