// Consumer-group commands: XGROUP CREATE|SETID|DESTROY|CREATECONSUMER|DELCONSUMER|HELP, XACK,
// XPENDING, XCLAIM, XAUTOCLAIM — with Redis 7.0's argument order of checks, errors and replies.
//
// XCLAIM and XAUTOCLAIM are not propagated as written: each entry they claim (or drop from the
// pending list because it was deleted from the stream) is propagated as a forced XCLAIM that
// states the final delivery time and count, and a LASTID move as XGROUP SETID, as Redis does, so
// replicas end up with identical pending lists whatever their clocks say.
#include <climits>
#include <string>
#include <vector>

#include "engine/base/strutil.h"
#include "engine/commands/families.h"
#include "engine/commands/help.h"
#include "engine/commands/stream_common.h"

namespace redsim {
namespace {

using namespace stream;  // NOLINT: this file is part of the stream family

std::string NoGroupError(std::string_view key, std::string_view group) {
  return "NOGROUP No such key '" + std::string(key) + "' or consumer group '" + std::string(group) +
         "'";
}

// ---- XGROUP -------------------------------------------------------------------------------

struct GroupArgs {
  bool mkstream = false;
  int64_t entries_read = kInvalidEntriesRead;
  std::string key;
  std::string group_name;
  StreamObject* stream = nullptr;
  StreamGroup* group = nullptr;
};

// The parsing every XGROUP subcommand shares (options from argument 5, key and group checks).
// Returns false after replying an error.
bool ParseGroupArgs(CommandContext& ctx, GroupArgs* a) {
  std::string_view sub = ctx.arg(1);
  bool create = EqualsIgnoreCase(sub, "create"), setid = EqualsIgnoreCase(sub, "setid");
  for (size_t i = 5; i < ctx.argc();) {
    if (create && EqualsIgnoreCase(ctx.arg(i), "mkstream")) {
      a->mkstream = true;
      i++;
    } else if ((create || setid) && EqualsIgnoreCase(ctx.arg(i), "entriesread") &&
               i + 1 < ctx.argc()) {
      if (!ParseInt64(ctx.arg(i + 1), &a->entries_read)) {
        ctx.reply.Error(err::kNotInteger);
        return false;
      }
      if (a->entries_read < 0 && a->entries_read != kInvalidEntriesRead) {
        ctx.reply.Error("ERR value for ENTRIESREAD must be positive or -1");
        return false;
      }
      i += 2;
    } else {
      ctx.reply.Error("ERR unknown subcommand or wrong number of arguments for '" +
                      std::string(sub) + "'. Try XGROUP HELP.");
      return false;
    }
  }
  a->key = std::string(ctx.arg(2));
  a->group_name = std::string(ctx.arg(3));
  bool wrong_type;
  a->stream = WriteStream(ctx, a->key, &wrong_type);
  if (wrong_type) return false;
  if (a->mkstream) return true;
  if (a->stream == nullptr) {
    ctx.reply.Error(
        "ERR The XGROUP subcommand requires the key to exist. Note that for CREATE "
        "you may want to use the MKSTREAM option to create an empty stream "
        "automatically.");
    return false;
  }
  a->group = a->stream->FindGroup(a->group_name);
  if (a->group == nullptr && !create && !EqualsIgnoreCase(sub, "destroy")) {
    ctx.reply.Error("NOGROUP No such consumer group '" + a->group_name + "' for key name '" +
                    a->key + "'");
    return false;
  }
  return true;
}

// XGROUP CREATE key group <id | $> [MKSTREAM] [ENTRIESREAD entries-read]
void XGroupCreate(CommandContext& ctx) {
  GroupArgs a;
  if (!ParseGroupArgs(ctx, &a)) return;
  StreamId id;
  if (ctx.arg(4) == "$") {
    id = a.stream != nullptr ? a.stream->last_id() : StreamId::Min();
  } else if (!ParseId(ctx, ctx.arg(4), 0, true, &id)) {
    return;
  }
  if (a.stream == nullptr) {
    DbEntry* e =
        ctx.keyspace().AddKey(ctx.db(), a.key, Value::FromObject(std::make_unique<StreamObject>()));
    a.stream = e->value.As<StreamObject>();
  }
  if (a.stream->CreateGroup(a.group_name, id, a.entries_read) == nullptr) {
    ctx.reply.Error("BUSYGROUP Consumer Group name already exists");
    return;
  }
  ctx.reply.Ok();
  ctx.server->dirty++;
  ctx.keyspace().NotifyKeyspaceEvent('t', "xgroup-create", a.key, ctx.db()->index());
}

// XGROUP SETID key group <id | $> [ENTRIESREAD entries-read]
void XGroupSetId(CommandContext& ctx) {
  GroupArgs a;
  if (!ParseGroupArgs(ctx, &a)) return;
  StreamId id;
  if (ctx.arg(4) == "$") {
    id = a.stream->last_id();
  } else if (!ParseId(ctx, ctx.arg(4), 0, /*strict=*/false, &id)) {  // SETID takes - and +
    return;
  }
  a.group->last_id = id;
  a.group->entries_read = a.entries_read;
  ctx.reply.Ok();
  ctx.server->dirty++;
  ctx.keyspace().NotifyKeyspaceEvent('t', "xgroup-setid", a.key, ctx.db()->index());
}

// XGROUP DESTROY key group
void XGroupDestroy(CommandContext& ctx) {
  GroupArgs a;
  if (!ParseGroupArgs(ctx, &a)) return;
  if (a.group == nullptr) {
    ctx.reply.Integer(0);
    return;
  }
  a.stream->groups().erase(a.group_name);
  ctx.reply.Integer(1);
  ctx.server->dirty++;
  ctx.keyspace().NotifyKeyspaceEvent('t', "xgroup-destroy", a.key, ctx.db()->index());
  // Readers blocked on this group get their NOGROUP error.
  ctx.keyspace().SignalKeyReady(ctx.db(), a.key);
}

// XGROUP CREATECONSUMER key group consumer
void XGroupCreateConsumer(CommandContext& ctx) {
  GroupArgs a;
  if (!ParseGroupArgs(ctx, &a)) return;
  if (a.group->CreateConsumer(ctx.arg(4), ctx.now_ms()) == nullptr) {
    ctx.reply.Integer(0);
    return;
  }
  ctx.reply.Integer(1);
  ctx.server->dirty++;
  ctx.keyspace().NotifyKeyspaceEvent('t', "xgroup-createconsumer", a.key, ctx.db()->index());
}

// XGROUP DELCONSUMER key group consumer
void XGroupDelConsumer(CommandContext& ctx) {
  GroupArgs a;
  if (!ParseGroupArgs(ctx, &a)) return;
  if (a.group->FindConsumer(ctx.arg(4)) == nullptr) {
    ctx.reply.Integer(0);
    return;
  }
  size_t pending = a.group->DeleteConsumer(ctx.arg(4));
  ctx.reply.Integer(static_cast<int64_t>(pending));
  ctx.server->dirty++;
  ctx.keyspace().NotifyKeyspaceEvent('t', "xgroup-delconsumer", a.key, ctx.db()->index());
}

// XGROUP HELP
void XGroupHelp(CommandContext& ctx) {
  static const char* const kLines[] = {
      "XGROUP <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
      "CREATE <key> <groupname> <id|$> [option]",
      "    Create a new consumer group. Options are:",
      "    * MKSTREAM",
      "      Create the empty stream if it does not exist.",
      "    * ENTRIESREAD entries_read",
      "      Set the group's entries_read counter (internal use).",
      "CREATECONSUMER <key> <groupname> <consumer>",
      "    Create a new consumer in the specified group.",
      "DELCONSUMER <key> <groupname> <consumer>",
      "    Remove the specified consumer.",
      "DESTROY <key> <groupname>",
      "    Remove the specified group.",
      "SETID <key> <groupname> <id|$> [ENTRIESREAD entries_read]",
      "    Set the current group ID and entries_read counter.",
      "HELP",
      "    Prints this help.",
  };
  ctx.reply.ArrayHeader(static_cast<int64_t>(std::size(kLines)));
  for (const char* line : kLines) ctx.reply.Simple(line);
}

// ---- XACK ---------------------------------------------------------------------------------

// Removes `id` from the group's and its consumer's pending lists; false when not pending.
bool Acknowledge(StreamGroup* g, const StreamId& id) {
  auto it = g->pending.find(id);
  if (it == g->pending.end()) return false;
  it->second.consumer->pending.erase(id);
  g->pending.erase(it);
  return true;
}

// XACK key group id [id ...]
void XAck(CommandContext& ctx) {
  bool wrong_type;
  StreamObject* s = ReadStream(ctx, ctx.arg(1), &wrong_type);
  if (wrong_type) return;
  StreamGroup* g = s == nullptr ? nullptr : s->FindGroup(ctx.arg(2));
  if (g == nullptr) {
    ctx.reply.Integer(0);
    return;
  }
  // All IDs are checked first: an error must not follow a partial acknowledgement.
  std::vector<StreamId> ids;
  for (size_t i = 3; i < ctx.argc(); i++) {
    StreamId id;
    if (!ParseId(ctx, ctx.arg(i), 0, true, &id)) return;
    ids.push_back(id);
  }
  int64_t acked = 0;
  for (const StreamId& id : ids) {
    if (!Acknowledge(g, id)) continue;
    acked++;
    ctx.server->dirty++;
  }
  ctx.reply.Integer(acked);
}

// ---- XPENDING -----------------------------------------------------------------------------

void ReplyPendingSummary(CommandContext& ctx, const StreamGroup* g) {
  ctx.reply.ArrayHeader(4);
  ctx.reply.Integer(static_cast<int64_t>(g->pending.size()));
  if (g->pending.empty()) {
    ctx.reply.Null();
    ctx.reply.Null();
    ctx.reply.NullArray();
    return;
  }
  ReplyId(ctx.reply, g->pending.begin()->first);
  ReplyId(ctx.reply, g->pending.rbegin()->first);
  int64_t with_pending = 0;
  for (const auto& [name, c] : g->consumers) with_pending += c->pending.empty() ? 0 : 1;
  ctx.reply.ArrayHeader(with_pending);
  for (const auto& [name, c] : g->consumers) {
    if (c->pending.empty()) continue;
    ctx.reply.ArrayHeader(2);
    ctx.reply.Bulk(name);
    ctx.reply.BulkInteger(static_cast<int64_t>(c->pending.size()));
  }
}

// XPENDING key group [[IDLE min-idle-time] start end count [consumer]]
void XPending(CommandContext& ctx) {
  size_t argc = ctx.argc();
  if (argc != 3 && (argc < 6 || argc > 9)) {
    ctx.reply.Error(err::kSyntax);
    return;
  }
  int64_t min_idle = 0, count = 0;
  StreamId start, end;
  std::string_view consumer_name;
  bool has_consumer = false;
  if (argc >= 6) {
    size_t at = 3;
    if (EqualsIgnoreCase(ctx.arg(3), "idle")) {
      if (!ParseInt64(ctx.arg(4), &min_idle)) {
        ctx.reply.Error(err::kNotInteger);
        return;
      }
      if (argc < 8) {
        ctx.reply.Error(err::kSyntax);
        return;
      }
      at += 2;
    }
    if (!ParseInt64(ctx.arg(at + 2), &count)) {
      ctx.reply.Error(err::kNotInteger);
      return;
    }
    if (count < 0) count = 0;
    bool ex;
    if (!ParseIntervalId(ctx, ctx.arg(at), 0, &start, &ex)) return;
    if (ex && !start.Increment()) {
      ctx.reply.Error("ERR invalid start ID for the interval");
      return;
    }
    if (!ParseIntervalId(ctx, ctx.arg(at + 1), UINT64_MAX, &end, &ex)) return;
    if (ex && !end.Decrement()) {
      ctx.reply.Error("ERR invalid end ID for the interval");
      return;
    }
    if (at + 3 < argc) {
      consumer_name = ctx.arg(at + 3);
      has_consumer = true;
    }
  }
  bool wrong_type;
  StreamObject* s = ReadStream(ctx, ctx.arg(1), &wrong_type);
  if (wrong_type) return;
  StreamGroup* g = s == nullptr ? nullptr : s->FindGroup(ctx.arg(2));
  if (g == nullptr) {
    ctx.reply.Error(NoGroupError(ctx.arg(1), ctx.arg(2)));
    return;
  }
  if (argc == 3) {
    ReplyPendingSummary(ctx, g);
    return;
  }
  StreamConsumer* consumer = has_consumer ? g->FindConsumer(consumer_name) : nullptr;
  if (has_consumer && consumer == nullptr) {
    ctx.reply.EmptyArray();
    return;
  }
  std::string body;
  ReplyBuilder inner(&body, ctx.reply.resp());
  int64_t n = 0, now = ctx.now_ms();
  auto emit = [&](const StreamId& id, const PendingEntry& pe) {
    int64_t idle = now - pe.delivery_time_ms;
    if (min_idle != 0 && idle < min_idle) return;
    inner.ArrayHeader(4);
    ReplyId(inner, id);
    inner.Bulk(pe.consumer->name);
    inner.Integer(idle < 0 ? 0 : idle);
    inner.Integer(static_cast<int64_t>(pe.delivery_count));
    n++;
  };
  if (consumer != nullptr) {
    for (auto it = consumer->pending.lower_bound(start);
         n < count && it != consumer->pending.end() && *it <= end; ++it) {
      emit(*it, g->pending.at(*it));
    }
  } else {
    for (auto it = g->pending.lower_bound(start);
         n < count && it != g->pending.end() && it->first <= end; ++it) {
      emit(it->first, it->second);
    }
  }
  ctx.reply.ArrayHeader(n);
  ctx.reply.Raw(body);
}

// ---- XCLAIM / XAUTOCLAIM ------------------------------------------------------------------

// Gives the pending entry `id` to `consumer` with the given delivery time; the count is set
// (retry_count >= 0), kept (JUSTID) or incremented. Replies the entry (or its ID) and
// propagates the claim.
void ClaimEntry(CommandContext& ctx, ReplyBuilder& reply, StreamObject* s, StreamGroup* g,
                const StreamId& id, PendingEntry& pe, StreamConsumer* consumer, int64_t delivery_ms,
                int64_t retry_count, bool just_id) {
  if (pe.consumer != consumer && pe.consumer != nullptr) pe.consumer->pending.erase(id);
  pe.delivery_time_ms = delivery_ms;
  if (retry_count >= 0) {
    pe.delivery_count = static_cast<uint64_t>(retry_count);
  } else if (!just_id) {
    pe.delivery_count++;
  }
  pe.consumer = consumer;
  consumer->pending.insert(id);
  if (just_id) {
    ReplyId(reply, id);
  } else {
    bool found = false;
    s->Range(id, id, false, [&](const StreamObject::Entry& e) {
      ReplyEntry(reply, e);
      found = true;
      return false;
    });
    if (!found) reply.Null();
  }
  PropagateClaim(ctx, ctx.arg(1), ctx.arg(2), *g, id, pe);
  ctx.server->dirty++;
}

// A pending entry whose stream entry is gone is dropped (and the drop propagated).
void DropDeletedPending(CommandContext& ctx, StreamGroup* g, const StreamId& id) {
  PendingEntry& pe = g->pending.at(id);
  PropagateClaim(ctx, ctx.arg(1), ctx.arg(2), *g, id, pe);
  ctx.server->dirty++;
  Acknowledge(g, id);
}

struct ClaimOptions {
  int64_t delivery_ms = -1;
  int64_t retry_count = -1;
  bool force = false;
  bool just_id = false;
  StreamId last_id;
};

// Parses XCLAIM's options from `j`; false after replying an error.
bool ParseClaimOptions(CommandContext& ctx, size_t j, int64_t now, ClaimOptions* o) {
  for (; j < ctx.argc(); j++) {
    bool more = j + 1 < ctx.argc();
    std::string_view opt = ctx.arg(j);
    auto integer = [&](int64_t* out, const char* error) {
      if (ParseInt64(ctx.arg(++j), out)) return true;
      ctx.reply.Error(error);
      return false;
    };
    if (EqualsIgnoreCase(opt, "force")) {
      o->force = true;
    } else if (EqualsIgnoreCase(opt, "justid")) {
      o->just_id = true;
    } else if (EqualsIgnoreCase(opt, "idle") && more) {
      int64_t idle;
      if (!integer(&idle, "ERR Invalid IDLE option argument for XCLAIM")) return false;
      o->delivery_ms = now - idle;
    } else if (EqualsIgnoreCase(opt, "time") && more) {
      if (!integer(&o->delivery_ms, "ERR Invalid TIME option argument for XCLAIM")) return false;
    } else if (EqualsIgnoreCase(opt, "retrycount") && more) {
      if (!integer(&o->retry_count, "ERR Invalid RETRYCOUNT option argument for XCLAIM")) {
        return false;
      }
    } else if (EqualsIgnoreCase(opt, "lastid") && more) {
      if (!ParseId(ctx, ctx.arg(++j), 0, true, &o->last_id)) return false;
    } else {
      ctx.reply.Error("ERR Unrecognized XCLAIM option '" + std::string(opt) + "'");
      return false;
    }
  }
  return true;
}

// XCLAIM key group consumer min-idle-time id [id ...] [IDLE ms] [TIME unix-time-milliseconds]
//   [RETRYCOUNT count] [FORCE] [JUSTID] [LASTID lastid]
void XClaim(CommandContext& ctx) {
  bool wrong_type;
  StreamObject* s = ReadStream(ctx, ctx.arg(1), &wrong_type);
  if (wrong_type) return;
  StreamGroup* g = s == nullptr ? nullptr : s->FindGroup(ctx.arg(2));
  if (g == nullptr) {
    ctx.reply.Error(NoGroupError(ctx.arg(1), ctx.arg(2)));
    return;
  }
  int64_t min_idle;
  if (!ParseInt64(ctx.arg(4), &min_idle)) {
    ctx.reply.Error("ERR Invalid min-idle-time argument for XCLAIM");
    return;
  }
  if (min_idle < 0) min_idle = 0;
  // The IDs run until the first argument that is not one; options follow.
  std::vector<StreamId> ids;
  size_t j = 5;
  for (StreamId id; j < ctx.argc(); j++) {
    if (!ParseIdQuiet(ctx.arg(j), 0, true, &id)) break;
    ids.push_back(id);
  }
  int64_t now = ctx.now_ms();
  ClaimOptions o;
  if (!ParseClaimOptions(ctx, j, now, &o)) return;
  ctx.PropagateAs({});
  bool propagate_last_id = false;
  if (o.last_id > g->last_id) {
    g->last_id = o.last_id;
    propagate_last_id = true;
  }
  if (o.delivery_ms < 0 || o.delivery_ms > now) o.delivery_ms = now;
  StreamConsumer* consumer = nullptr;
  std::string body;
  ReplyBuilder inner(&body, ctx.reply.resp());
  int64_t n = 0;
  for (const StreamId& id : ids) {
    auto it = g->pending.find(id);
    if (!s->Contains(id)) {
      if (it != g->pending.end()) {
        DropDeletedPending(ctx, g, id);
        propagate_last_id = false;
      }
      continue;
    }
    if (it == g->pending.end()) {
      if (!o.force) continue;
      // A forced entry starts as a fresh delivery (count 1), as Redis creates it.
      it = g->pending.emplace(id, PendingEntry{now, 1, nullptr}).first;
    }
    PendingEntry& pe = it->second;
    if (pe.consumer != nullptr && min_idle != 0 && now - pe.delivery_time_ms < min_idle) continue;
    if (consumer == nullptr) {
      consumer = LookupOrCreateConsumer(ctx, ctx.arg(1), ctx.arg(2), g, ctx.arg(3), false);
    }
    ClaimEntry(ctx, inner, s, g, id, pe, consumer, o.delivery_ms, o.retry_count, o.just_id);
    n++;
    propagate_last_id = false;
  }
  if (propagate_last_id) {
    PropagateGroupId(ctx, ctx.arg(1), ctx.arg(2), *g);
    ctx.server->dirty++;
  }
  ctx.reply.ArrayHeader(n);
  ctx.reply.Raw(body);
}

// XAUTOCLAIM key group consumer min-idle-time start [COUNT count] [JUSTID]
void XAutoClaim(CommandContext& ctx) {
  int64_t min_idle;
  if (!ParseInt64(ctx.arg(4), &min_idle)) {
    ctx.reply.Error("ERR Invalid min-idle-time argument for XAUTOCLAIM");
    return;
  }
  if (min_idle < 0) min_idle = 0;
  StreamId start;
  bool ex;
  if (!ParseIntervalId(ctx, ctx.arg(5), 0, &start, &ex)) return;
  if (ex && !start.Increment()) {
    ctx.reply.Error("ERR invalid start ID for the interval");
    return;
  }
  int64_t count = 100;
  bool just_id = false;
  for (size_t j = 6; j < ctx.argc(); j++) {
    if (EqualsIgnoreCase(ctx.arg(j), "count") && j + 1 < ctx.argc()) {
      // Redis bounds COUNT so that count * 16 bytes of IDs fits in a long.
      if (!ParseInt64(ctx.arg(j + 1), &count) || count < 1 || count > LONG_MAX / 16) {
        ctx.reply.Error("ERR COUNT must be > 0");
        return;
      }
      j++;
    } else if (EqualsIgnoreCase(ctx.arg(j), "justid")) {
      just_id = true;
    } else {
      ctx.reply.Error(err::kSyntax);
      return;
    }
  }
  bool wrong_type;
  StreamObject* s = ReadStream(ctx, ctx.arg(1), &wrong_type);
  if (wrong_type) return;
  StreamGroup* g = s == nullptr ? nullptr : s->FindGroup(ctx.arg(2));
  if (g == nullptr) {
    ctx.reply.Error(NoGroupError(ctx.arg(1), ctx.arg(2)));
    return;
  }
  ctx.PropagateAs({});
  int64_t attempts = count * 10, now = ctx.now_ms(), n = 0;
  StreamConsumer* consumer = nullptr;
  std::vector<StreamId> deleted;
  std::string body;
  ReplyBuilder inner(&body, ctx.reply.resp());
  auto it = g->pending.lower_bound(start);
  while (attempts-- > 0 && count > 0 && it != g->pending.end()) {
    StreamId id = it->first;
    PendingEntry& pe = it->second;
    ++it;
    if (!s->Contains(id)) {
      DropDeletedPending(ctx, g, id);
      deleted.push_back(id);
      count--;
      continue;
    }
    if (min_idle != 0 && now - pe.delivery_time_ms < min_idle) continue;
    if (consumer == nullptr) {
      consumer = LookupOrCreateConsumer(ctx, ctx.arg(1), ctx.arg(2), g, ctx.arg(3), false);
    }
    ClaimEntry(ctx, inner, s, g, id, pe, consumer, now, -1, just_id);
    n++;
    count--;
  }
  ctx.reply.ArrayHeader(3);
  ReplyId(ctx.reply, it == g->pending.end() ? StreamId::Min() : it->first);
  ctx.reply.ArrayHeader(n);
  ctx.reply.Raw(body);
  ctx.reply.ArrayHeader(static_cast<int64_t>(deleted.size()));
  for (const StreamId& id : deleted) ReplyId(ctx.reply, id);
}

}  // namespace

void RegisterStreamGroupFamily(CommandTable& t) {
  t.Register("xgroup|create", XGroupCreate);
  t.Register("xgroup|setid", XGroupSetId);
  t.Register("xgroup|destroy", XGroupDestroy);
  t.Register("xgroup|createconsumer", XGroupCreateConsumer);
  t.Register("xgroup|delconsumer", XGroupDelConsumer);
  t.Register("xgroup|help", XGroupHelp);
  t.Register("xack", XAck);
  t.Register("xpending", XPending);
  t.Register("xclaim", XClaim);
  t.Register("xautoclaim", XAutoClaim);
}

}  // namespace redsim
