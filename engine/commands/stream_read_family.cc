// Stream readers XREAD and XREADGROUP (one parser, one server loop), and XINFO.
//
// A reader first decides which streams it can serve, then replies: RESP2 gets an array of
// [key, entries] pairs, RESP3 a map. XREADGROUP with ">" delivers entries after the group's last
// ID, adds them to the group's and the consumer's pending lists (unless NOACK) and propagates
// each delivery as the XCLAIM Redis sends its replicas; with a concrete ID it replays the
// consumer's own pending entries after that ID.
#include <string>
#include <vector>

#include "engine/base/strutil.h"
#include "engine/commands/families.h"
#include "engine/commands/help.h"
#include "engine/commands/stream_common.h"

namespace redsim {
namespace {

using namespace stream;  // NOLINT: this file is part of the stream family

constexpr int64_t kMaxBlockingTimeoutMs = 1'000'000'000'000'000;
constexpr int64_t kBlockedReadDefaultCount = 1000;
// ">" is parsed as the largest ID (and resolved to the group's last ID when serving).
constexpr StreamId kNewEntriesId = StreamId::Max();

struct ReadArgs {
  bool group_read = false;   // XREADGROUP
  int64_t deadline_ms = -1;  // -1: no BLOCK; 0: forever; else absolute Unix ms
  int64_t count = 0;         // 0: unlimited
  bool noack = false;
  std::string_view group, consumer;
  bool has_group = false;
  size_t streams_index = 0;
  size_t stream_count = 0;
};

bool ParseReadArgs(CommandContext& ctx, ReadArgs* a) {
  const char* name = a->group_read ? "XREADGROUP" : "XREAD";
  for (size_t i = 1; i < ctx.argc(); i++) {
    size_t more = ctx.argc() - i - 1;
    std::string_view o = ctx.arg(i);
    if (EqualsIgnoreCase(o, "block") && more > 0) {
      int64_t ms;
      if (!ParseInt64(ctx.arg(++i), &ms)) {
        ctx.reply.Error("ERR timeout is not an integer or out of range");
        return false;
      }
      if (ms < 0) {
        ctx.reply.Error(err::kTimeoutNegative);
        return false;
      }
      a->deadline_ms = ms == 0 ? 0 : ctx.now_ms() + std::min(ms, kMaxBlockingTimeoutMs);
    } else if (EqualsIgnoreCase(o, "count") && more > 0) {
      if (!ParseInt64(ctx.arg(++i), &a->count)) {
        ctx.reply.Error(err::kNotInteger);
        return false;
      }
      if (a->count < 0) a->count = 0;
    } else if (EqualsIgnoreCase(o, "streams") && more > 0) {
      a->streams_index = i + 1;
      size_t n = ctx.argc() - a->streams_index;
      if (n % 2 != 0) {
        ctx.reply.Error(std::string("ERR Unbalanced ") + name +
                        " list of streams: for each stream key an ID or '$' must be specified.");
        return false;
      }
      a->stream_count = n / 2;
      break;
    } else if (EqualsIgnoreCase(o, "group") && more >= 2) {
      if (!a->group_read) {
        ctx.reply.Error(
            "ERR The GROUP option is only supported by XREADGROUP. You called XREAD "
            "instead.");
        return false;
      }
      a->group = ctx.arg(i + 1);
      a->consumer = ctx.arg(i + 2);
      a->has_group = true;
      i += 2;
    } else if (EqualsIgnoreCase(o, "noack")) {
      if (!a->group_read) {
        ctx.reply.Error(
            "ERR The NOACK option is only supported by XREADGROUP. You called XREAD "
            "instead.");
        return false;
      }
      a->noack = true;
    } else {
      ctx.reply.Error(err::kSyntax);
      return false;
    }
  }
  if (a->streams_index == 0) {
    ctx.reply.Error(err::kSyntax);
    return false;
  }
  if (a->group_read && !a->has_group) {
    ctx.reply.Error("ERR Missing GROUP option for XREADGROUP");
    return false;
  }
  return true;
}

// One stream named by the reader, once looked up.
struct ReadTarget {
  std::string_view key;
  StreamObject* stream = nullptr;
  StreamGroup* group = nullptr;
  StreamId after;            // serve entries with IDs above this (or the history after it)
  bool new_entries = false;  // ">"
  bool serve = false;
};

// Looks up every stream and parses its ID, in Redis's order (type, group, then ID, per key).
bool ResolveTargets(CommandContext& ctx, const ReadArgs& a, std::vector<ReadTarget>* out) {
  for (size_t i = 0; i < a.stream_count; i++) {
    ReadTarget t;
    t.key = ctx.arg(a.streams_index + i);
    std::string_view id_arg = ctx.arg(a.streams_index + a.stream_count + i);
    bool wrong_type;
    t.stream = ReadStream(ctx, t.key, &wrong_type);
    if (wrong_type) return false;
    if (a.group_read) {
      t.group = t.stream == nullptr ? nullptr : t.stream->FindGroup(a.group);
      if (t.group == nullptr) {
        ctx.reply.Error("NOGROUP No such key '" + std::string(t.key) + "' or consumer group '" +
                        std::string(a.group) + "' in XREADGROUP with GROUP option");
        return false;
      }
    }
    if (id_arg == "$") {
      if (a.group_read) {
        ctx.reply.Error(
            "ERR The $ ID is meaningless in the context of XREADGROUP: you want to read the "
            "history of this consumer by specifying a proper ID, or use the > ID to get new "
            "messages. The $ ID would just return an empty result set.");
        return false;
      }
      t.after = t.stream != nullptr ? t.stream->last_id() : StreamId::Min();
    } else if (id_arg == ">") {
      if (!a.group_read) {
        ctx.reply.Error(
            "ERR The > ID can be specified only when calling XREADGROUP using the "
            "GROUP <group> <consumer> option.");
        return false;
      }
      t.after = kNewEntriesId;
      t.new_entries = true;
    } else if (!ParseId(ctx, id_arg, 0, true, &t.after)) {
      return false;
    }
    // Redis stands ">" for the largest ID, so that ID given explicitly means ">" too.
    if (a.group_read && t.after == kNewEntriesId) t.new_entries = true;
    out->push_back(t);
  }
  return true;
}

// Whether a synchronous read can serve this stream now (and, for ">", from where).
void DecideServe(ReadTarget* t, bool group_read) {
  if (group_read && !t->new_entries) {
    t->serve = true;  // history: always answered, even when empty
    return;
  }
  if (t->stream == nullptr || t->stream->length() == 0) return;
  StreamObject::Entry last;
  t->stream->LastEntry(&last);
  if (group_read) t->after = t->group->last_id;
  t->serve = last.id > t->after;
}

// Delivers entries after `after` to a consumer of `group` (XREADGROUP ">"), writing them to
// `reply`; returns how many.
int64_t DeliverNew(CommandContext& ctx, ReplyBuilder& reply, ReadTarget& t, const ReadArgs& a,
                   StreamConsumer* consumer, int64_t count) {
  StreamObject* s = t.stream;
  StreamGroup* g = t.group;
  StreamId start = t.after;
  if (!start.Increment()) return 0;
  bool propagate_last_id = false;
  int64_t n = 0;
  int64_t now = ctx.now_ms();
  s->Range(start, StreamId::Max(), false, [&](const StreamObject::Entry& e) {
    if (e.id > g->last_id) {
      if (g->entries_read != kInvalidEntriesRead && !s->RangeHasTombstones(e.id, StreamId::Max())) {
        g->entries_read++;
      } else if (s->entries_added() != 0) {
        g->entries_read = s->EstimateEntriesUpTo(e.id);
      }
      g->last_id = e.id;
      if (a.noack) propagate_last_id = true;
    }
    ReplyEntry(reply, e);
    if (!a.noack) {
      auto [it, inserted] = g->pending.try_emplace(e.id);
      PendingEntry& pe = it->second;
      // An entry already pending (the group's ID was moved back) changes owner.
      if (!inserted && pe.consumer != nullptr) pe.consumer->pending.erase(e.id);
      pe.consumer = consumer;
      pe.delivery_time_ms = now;
      pe.delivery_count = 1;
      consumer->pending.insert(e.id);
      PropagateClaim(ctx, t.key, a.group, *g, e.id, pe);
    }
    return ++n != count;
  });
  if (propagate_last_id) PropagateGroupId(ctx, t.key, a.group, *g);
  return n;
}

// Replays a consumer's pending entries after `after` (XREADGROUP with an ID). An entry deleted
// from the stream meanwhile comes back as [id, nil].
int64_t DeliverHistory(CommandContext& ctx, ReplyBuilder& reply, ReadTarget& t,
                       StreamConsumer* consumer, int64_t count) {
  StreamId start = t.after;
  if (!start.Increment()) return 0;
  int64_t n = 0;
  for (auto it = consumer->pending.lower_bound(start);
       it != consumer->pending.end() && (count == 0 || n < count); ++it, ++n) {
    bool found = false;
    t.stream->Range(*it, *it, false, [&](const StreamObject::Entry& e) {
      ReplyEntry(reply, e);
      found = true;
      return false;
    });
    if (!found) {
      reply.ArrayHeader(2);
      ReplyId(reply, *it);
      reply.NullArray();
      continue;
    }
    PendingEntry& pe = t.group->pending[*it];
    pe.delivery_time_ms = ctx.now_ms();
    pe.delivery_count++;
  }
  return n;
}

// Replies [key, entries] for one served stream.
void ServeTarget(CommandContext& ctx, ReplyBuilder& out, ReadTarget& t, const ReadArgs& a,
                 int64_t count) {
  if (ctx.client->resp == 2) out.ArrayHeader(2);
  out.Bulk(t.key);
  std::string body;
  ReplyBuilder inner(&body, ctx.reply.resp());
  int64_t n;
  if (a.group_read) {
    // Redis propagates the creation only with NOACK: otherwise the XCLAIMs create the consumer
    // on the replica (and a read that delivers nothing leaves it unknown there).
    StreamConsumer* consumer =
        LookupOrCreateConsumer(ctx, t.key, a.group, t.group, a.consumer, a.noack);
    n = t.new_entries ? DeliverNew(ctx, inner, t, a, consumer, count)
                      : DeliverHistory(ctx, inner, t, consumer, count);
    ctx.server->dirty++;
  } else {
    StreamId start = t.after;
    n = 0;
    if (start.Increment()) {
      t.stream->Range(start, StreamId::Max(), false, [&](const StreamObject::Entry& e) {
        ReplyEntry(inner, e);
        return ++n != count;
      });
    }
  }
  out.ArrayHeader(n);
  out.Raw(body);
}

void ReplyStreamsHeader(CommandContext& ctx, int64_t n) {
  if (ctx.client->resp == 2) {
    ctx.reply.ArrayHeader(n);
  } else {
    ctx.reply.MapHeader(n);
  }
}

// A re-run after `ready` was signalled: serve that stream alone or keep waiting.
void ServeReadyStream(CommandContext& ctx, const ReadArgs& a, std::vector<ReadTarget>& targets,
                      std::string_view ready) {
  ReadTarget* t = nullptr;
  for (auto& candidate : targets) {
    if (candidate.key == ready) {
      t = &candidate;
      break;
    }
  }
  if (t == nullptr) return;
  DbEntry* e = ctx.keyspace().LookupWrite(ctx.db(), t->key);
  bool is_stream = e != nullptr && e->value.type() == ObjType::kStream;
  t->stream = is_stream ? e->value.As<StreamObject>() : nullptr;
  if (a.group_read) {
    if (!is_stream) {
      ctx.reply.Error("UNBLOCKED the stream key no longer exists");
      return;
    }
    t->group = t->stream->FindGroup(a.group);
    if (t->group == nullptr) {
      ctx.reply.Error("NOGROUP the consumer group this client was blocked on no longer exists");
      return;
    }
    t->after = t->group->last_id;
  }
  if (!is_stream || !(t->stream->last_id() > t->after)) return;  // keeps waiting
  ReplyStreamsHeader(ctx, 1);
  ServeTarget(ctx, ctx.reply, *t, a, a.count != 0 ? a.count : kBlockedReadDefaultCount);
}

// XREAD [COUNT count] [BLOCK milliseconds] STREAMS key [key ...] id [id ...]
// XREADGROUP GROUP group consumer [COUNT count] [BLOCK milliseconds] [NOACK] STREAMS key
//   [key ...] id [id ...]
void ReadGeneric(CommandContext& ctx, bool group_read) {
  ReadArgs a;
  a.group_read = group_read;
  if (!ParseReadArgs(ctx, &a)) return;
  std::vector<ReadTarget> targets;
  const std::string* ready = ctx.server->blocking().ready_key();
  if (ctx.client->has(kClientReprocessing) && ready != nullptr) {
    // The stored arguments parsed before; look the ready stream up afresh.
    for (size_t i = 0; i < a.stream_count; i++) {
      ReadTarget t;
      t.key = ctx.arg(a.streams_index + i);
      std::string_view id_arg = ctx.arg(a.streams_index + a.stream_count + i);
      t.new_entries = id_arg == ">";
      if (!t.new_entries) ParseIdQuiet(id_arg, 0, true, &t.after);
      if (group_read && t.after == kNewEntriesId) t.new_entries = true;
      targets.push_back(t);
    }
    if (group_read) ctx.PropagateAs({});
    ServeReadyStream(ctx, a, targets, *ready);
    return;
  }
  if (!ResolveTargets(ctx, a, &targets)) return;
  if (group_read) ctx.PropagateAs({});  // its effects propagate as XCLAIM / XGROUP SETID
  // Each stream is judged after serving the previous ones (the same stream named twice in a
  // group read is served once: the first delivery moved the group's last ID).
  int64_t served = 0;
  std::string body;
  ReplyBuilder inner(&body, ctx.reply.resp());
  for (auto& t : targets) {
    DecideServe(&t, group_read);
    if (!t.serve) continue;
    served++;
    ServeTarget(ctx, inner, t, a, a.count);
  }
  if (served > 0) {
    ReplyStreamsHeader(ctx, served);
    ctx.reply.Raw(body);
    return;
  }
  if (a.deadline_ms < 0 || ctx.client->has(kClientDenyBlocking)) {
    ctx.reply.NullArray();
    return;
  }
  // Block, remembering "$" as the ID it stood for now.
  std::vector<std::string> stored(ctx.args.begin(), ctx.args.end());
  std::vector<std::string> keys;
  for (size_t i = 0; i < a.stream_count; i++) {
    keys.emplace_back(targets[i].key);
    std::string& id = stored[a.streams_index + a.stream_count + i];
    if (id == "$") id = targets[i].after.ToString();
  }
  std::vector<std::string_view> views(stored.begin(), stored.end());
  ctx.server->blocking().BlockClient(ctx.client, views, ctx.cmd, keys, a.deadline_ms);
}

void XRead(CommandContext& ctx) { ReadGeneric(ctx, false); }
void XReadGroup(CommandContext& ctx) { ReadGeneric(ctx, true); }

// ---- XINFO ------------------------------------------------------------------------------------

void SubcommandSyntaxError(CommandContext& ctx, std::string_view container) {
  ctx.reply.Error("ERR unknown subcommand or wrong number of arguments for '" +
                  std::string(ctx.arg(1)) + "'. Try " + std::string(container) + " HELP.");
}

StreamObject* InfoStream(CommandContext& ctx) {
  bool wrong_type;
  StreamObject* s = ReadStream(ctx, ctx.arg(2), &wrong_type);
  if (wrong_type) return nullptr;
  if (s == nullptr) ctx.reply.Error(err::kNoSuchKey);
  return s;
}

void ReplyLag(ReplyBuilder& reply, const StreamObject* s, const StreamGroup* g) {
  int64_t entries = static_cast<int64_t>(s->entries_added());
  if (s->entries_added() == 0) {
    reply.Integer(0);
  } else if (g->entries_read != kInvalidEntriesRead &&
             !s->RangeHasTombstones(g->last_id, StreamId::Max())) {
    reply.Integer(entries - g->entries_read);
  } else {
    int64_t read = s->EstimateEntriesUpTo(g->last_id);
    if (read == kInvalidEntriesRead) {
      reply.Null();
    } else {
      reply.Integer(entries - read);
    }
  }
}

void ReplyEntriesRead(ReplyBuilder& reply, const StreamGroup* g) {
  if (g->entries_read == kInvalidEntriesRead) {
    reply.Null();
  } else {
    reply.Integer(g->entries_read);
  }
}

void ReplyStreamHead(ReplyBuilder& reply, const StreamObject* s) {
  reply.Bulk("length");
  reply.Integer(static_cast<int64_t>(s->length()));
  reply.Bulk("radix-tree-keys");
  reply.Integer(static_cast<int64_t>(s->block_count()));
  // Redis counts the nodes of its radix tree; ours is a sorted map with one node per key, and
  // an empty tree still has its root.
  reply.Bulk("radix-tree-nodes");
  reply.Integer(static_cast<int64_t>(s->block_count() + 1));
  reply.Bulk("last-generated-id");
  ReplyId(reply, s->last_id());
  reply.Bulk("max-deleted-entry-id");
  ReplyId(reply, s->max_deleted_id());
  reply.Bulk("entries-added");
  reply.Integer(static_cast<int64_t>(s->entries_added()));
  reply.Bulk("recorded-first-entry-id");
  ReplyId(reply, s->first_id());
}

// The first `count` entries (0: all) as an array.
void ReplyRangeAll(ReplyBuilder& reply, const StreamObject* s, int64_t count) {
  std::string body;
  ReplyBuilder inner(&body, reply.resp());
  int64_t n = 0;
  s->Range(StreamId::Min(), StreamId::Max(), false, [&](const StreamObject::Entry& e) {
    ReplyEntry(inner, e);
    return ++n != count;
  });
  reply.ArrayHeader(n);
  reply.Raw(body);
}

void ReplyFullGroup(ReplyBuilder& reply, const StreamObject* s, const std::string& name,
                    const StreamGroup* g, int64_t count) {
  reply.MapHeader(7);
  reply.Bulk("name");
  reply.Bulk(name);
  reply.Bulk("last-delivered-id");
  ReplyId(reply, g->last_id);
  reply.Bulk("entries-read");
  ReplyEntriesRead(reply, g);
  reply.Bulk("lag");
  ReplyLag(reply, s, g);
  reply.Bulk("pel-count");
  reply.Integer(static_cast<int64_t>(g->pending.size()));
  reply.Bulk("pending");
  int64_t n =
      std::min<int64_t>(static_cast<int64_t>(g->pending.size()), count == 0 ? INT64_MAX : count);
  reply.ArrayHeader(n);
  auto it = g->pending.begin();
  for (int64_t i = 0; i < n; i++, ++it) {
    reply.ArrayHeader(4);
    ReplyId(reply, it->first);
    reply.Bulk(it->second.consumer->name);
    reply.Integer(it->second.delivery_time_ms);
    reply.Integer(static_cast<int64_t>(it->second.delivery_count));
  }
  reply.Bulk("consumers");
  reply.ArrayHeader(static_cast<int64_t>(g->consumers.size()));
  for (const auto& [cname, c] : g->consumers) {
    reply.MapHeader(4);
    reply.Bulk("name");
    reply.Bulk(cname);
    reply.Bulk("seen-time");
    reply.Integer(c->seen_time_ms);
    reply.Bulk("pel-count");
    reply.Integer(static_cast<int64_t>(c->pending.size()));
    reply.Bulk("pending");
    int64_t m =
        std::min<int64_t>(static_cast<int64_t>(c->pending.size()), count == 0 ? INT64_MAX : count);
    reply.ArrayHeader(m);
    auto pit = c->pending.begin();
    for (int64_t i = 0; i < m; i++, ++pit) {
      const PendingEntry& pe = g->pending.at(*pit);
      reply.ArrayHeader(3);
      ReplyId(reply, *pit);
      reply.Integer(pe.delivery_time_ms);
      reply.Integer(static_cast<int64_t>(pe.delivery_count));
    }
  }
}

// XINFO STREAM key [FULL [COUNT count]]
void XInfoStream(CommandContext& ctx) {
  StreamObject* s = InfoStream(ctx);
  if (s == nullptr) return;
  bool full = false;
  int64_t count = 10;
  if (ctx.argc() > 3) {
    bool shape_ok = EqualsIgnoreCase(ctx.arg(3), "full") &&
                    (ctx.argc() == 4 || (ctx.argc() == 6 && EqualsIgnoreCase(ctx.arg(4), "count")));
    if (!shape_ok) {
      SubcommandSyntaxError(ctx, "XINFO");
      return;
    }
    full = true;
    if (ctx.argc() == 6) {
      if (!ParseInt64(ctx.arg(5), &count)) {
        ctx.reply.Error(err::kNotInteger);
        return;
      }
      if (count < 0) count = 0;
    }
  }
  ReplyBuilder& reply = ctx.reply;
  reply.MapHeader(full ? 9 : 10);
  ReplyStreamHead(reply, s);
  if (!full) {
    reply.Bulk("groups");
    reply.Integer(static_cast<int64_t>(s->groups().size()));
    StreamObject::Entry e;
    reply.Bulk("first-entry");
    if (s->FirstEntry(&e))
      ReplyEntry(reply, e);
    else
      reply.Null();
    reply.Bulk("last-entry");
    if (s->LastEntry(&e))
      ReplyEntry(reply, e);
    else
      reply.Null();
    return;
  }
  reply.Bulk("entries");
  ReplyRangeAll(reply, s, count);
  reply.Bulk("groups");
  reply.ArrayHeader(static_cast<int64_t>(s->groups().size()));
  for (const auto& [name, g] : s->groups()) ReplyFullGroup(reply, s, name, g.get(), count);
}

// XINFO GROUPS key
void XInfoGroups(CommandContext& ctx) {
  StreamObject* s = InfoStream(ctx);
  if (s == nullptr) return;
  ctx.reply.ArrayHeader(static_cast<int64_t>(s->groups().size()));
  for (const auto& [name, g] : s->groups()) {
    ctx.reply.MapHeader(6);
    ctx.reply.Bulk("name");
    ctx.reply.Bulk(name);
    ctx.reply.Bulk("consumers");
    ctx.reply.Integer(static_cast<int64_t>(g->consumers.size()));
    ctx.reply.Bulk("pending");
    ctx.reply.Integer(static_cast<int64_t>(g->pending.size()));
    ctx.reply.Bulk("last-delivered-id");
    ReplyId(ctx.reply, g->last_id);
    ctx.reply.Bulk("entries-read");
    ReplyEntriesRead(ctx.reply, g.get());
    ctx.reply.Bulk("lag");
    ReplyLag(ctx.reply, s, g.get());
  }
}

// XINFO CONSUMERS key group
void XInfoConsumers(CommandContext& ctx) {
  StreamObject* s = InfoStream(ctx);
  if (s == nullptr) return;
  StreamGroup* g = s->FindGroup(ctx.arg(3));
  if (g == nullptr) {
    ctx.reply.Error("NOGROUP No such consumer group '" + std::string(ctx.arg(3)) +
                    "' for key name '" + std::string(ctx.arg(2)) + "'");
    return;
  }
  ctx.reply.ArrayHeader(static_cast<int64_t>(g->consumers.size()));
  for (const auto& [name, c] : g->consumers) {
    ctx.reply.MapHeader(3);
    ctx.reply.Bulk("name");
    ctx.reply.Bulk(name);
    ctx.reply.Bulk("pending");
    ctx.reply.Integer(static_cast<int64_t>(c->pending.size()));
    ctx.reply.Bulk("idle");
    int64_t idle = ctx.now_ms() - c->seen_time_ms;
    ctx.reply.Integer(idle < 0 ? 0 : idle);
  }
}

// XINFO HELP
void XInfoHelp(CommandContext& ctx) {
  ctx.reply.ArrayHeader(9);
  ctx.reply.Simple("XINFO <subcommand> [<arg> [value] [opt] ...]. Subcommands are:");
  ctx.reply.Simple("CONSUMERS <key> <groupname>");
  ctx.reply.Simple("    Show consumers of <groupname>.");
  ctx.reply.Simple("GROUPS <key>");
  ctx.reply.Simple("    Show the stream consumer groups.");
  ctx.reply.Simple("STREAM <key> [FULL [COUNT <count>]");
  ctx.reply.Simple("    Show information about the stream.");
  ctx.reply.Simple("HELP");
  ctx.reply.Simple("    Prints this help.");
}

}  // namespace

void RegisterStreamReaders(CommandTable& t) {
  t.Register("xread", XRead);
  t.Register("xreadgroup", XReadGroup);
}

void RegisterStreamInfo(CommandTable& t) {
  t.Register("xinfo|stream", XInfoStream);
  t.Register("xinfo|groups", XInfoGroups);
  t.Register("xinfo|consumers", XInfoConsumers);
  t.Register("xinfo|help", XInfoHelp);
}

}  // namespace redsim
