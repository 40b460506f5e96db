// Stream commands without consumer-group management: XADD XLEN XRANGE XREVRANGE XDEL XTRIM
// XSETID XINFO, and the readers XREAD / XREADGROUP (which share parsing and blocking), with
// Redis 7.0's replies, errors and propagation. Group management (XGROUP, XACK, XPENDING,
// XCLAIM, XAUTOCLAIM) is in stream_group_family.cc.
//
// Blocking follows the list family's pattern: a reader that finds nothing blocks on its keys;
// when one is signalled ready the command is re-run (kClientReprocessing) and serves from that
// key only, replying one stream. XREAD's "$" is resolved to the stream's last ID before blocking
// (the stored arguments carry the resolved ID) so a re-run waits for entries after that point.
// XREADGROUP answers an error when its group or stream disappears while it waits, as 7.0 does.
#include <cerrno>
#include <cstdlib>
#include <string>
#include <vector>

#include "engine/base/strutil.h"
#include "engine/commands/families.h"
#include "engine/commands/help.h"
#include "engine/commands/stream_common.h"

namespace redsim {
namespace stream {

bool ParseUll(std::string_view s, uint64_t* out) {
  int64_t v;
  if (ParseInt64(s, &v)) {
    if (v < 0) return false;
    *out = static_cast<uint64_t>(v);
    return true;
  }
  // strtoull's grammar, written out: blanks, an optional sign, at least one digit, nothing after.
  size_t i = 0;
  while (i < s.size() && (s[i] == ' ' || (s[i] >= '\t' && s[i] <= '\r'))) i++;
  bool negative = false;
  if (i < s.size() && (s[i] == '+' || s[i] == '-')) negative = s[i++] == '-';
  if (i == s.size()) return false;
  uint64_t v2 = 0;
  for (; i < s.size(); i++) {
    if (s[i] < '0' || s[i] > '9') return false;
    uint64_t digit = static_cast<uint64_t>(s[i] - '0');
    if (v2 > (UINT64_MAX - digit) / 10) return false;  // ERANGE
    v2 = v2 * 10 + digit;
  }
  *out = negative ? (~v2 + 1) : v2;
  return true;
}

bool ParseIdQuiet(std::string_view arg, uint64_t missing_seq, bool strict, StreamId* out,
                  bool* seq_given) {
  if (arg.size() > 127) return false;
  if (seq_given != nullptr) *seq_given = true;
  if (arg == "-" || arg == "+") {
    if (strict) return false;
    *out = arg == "-" ? StreamId::Min() : StreamId::Max();
    return true;
  }
  // Redis reads the argument as a C string: it ends at a NUL byte.
  std::string_view text = arg.substr(0, arg.find('\0'));
  size_t dash = text.find('-');
  uint64_t ms, seq = missing_seq;
  if (!ParseUll(text.substr(0, dash), &ms)) return false;
  if (dash != std::string_view::npos) {
    std::string_view tail = text.substr(dash + 1);
    if (seq_given != nullptr && tail == "*") {
      seq = 0;
      *seq_given = false;
    } else if (!ParseUll(tail, &seq)) {
      return false;
    }
  }
  *out = StreamId{ms, seq};
  return true;
}

bool ParseId(CommandContext& ctx, std::string_view arg, uint64_t missing_seq, bool strict,
             StreamId* out, bool* seq_given) {
  if (ParseIdQuiet(arg, missing_seq, strict, out, seq_given)) return true;
  ctx.reply.Error(kInvalidId);
  return false;
}

bool ParseIntervalId(CommandContext& ctx, std::string_view arg, uint64_t missing_seq, StreamId* out,
                     bool* exclusive) {
  *exclusive = arg.size() > 1 && arg[0] == '(';
  if (*exclusive) return ParseId(ctx, arg.substr(1), missing_seq, true, out);
  return ParseId(ctx, arg, missing_seq, false, out);
}

void ReplyId(ReplyBuilder& reply, const StreamId& id) { reply.Bulk(id.ToString()); }

void ReplyEntry(ReplyBuilder& reply, const StreamObject::Entry& e) {
  reply.ArrayHeader(2);
  ReplyId(reply, e.id);
  reply.ArrayHeader(static_cast<int64_t>(e.fields_values.size()));
  for (std::string_view s : e.fields_values) reply.Bulk(s);
}

StreamObject* ReadStream(CommandContext& ctx, std::string_view key, bool* wrong_type) {
  DbEntry* e = ctx.Read(key, ObjType::kStream, wrong_type);
  return e == nullptr ? nullptr : e->value.As<StreamObject>();
}

StreamObject* WriteStream(CommandContext& ctx, std::string_view key, bool* wrong_type) {
  DbEntry* e = ctx.Write(key, ObjType::kStream, wrong_type);
  return e == nullptr ? nullptr : e->value.As<StreamObject>();
}

void Touched(CommandContext& ctx, std::string_view key, const char* event) {
  ctx.Modified(key, 't', event, /*changes=*/0);  // callers count their own changes
}

void PropagateClaim(CommandContext& ctx, std::string_view key, std::string_view group_name,
                    const StreamGroup& group, const StreamId& id, const PendingEntry& pe) {
  ctx.AlsoPropagate({"XCLAIM", std::string(key), std::string(group_name), pe.consumer->name, "0",
                     id.ToString(), "TIME", std::to_string(pe.delivery_time_ms), "RETRYCOUNT",
                     std::to_string(pe.delivery_count), "FORCE", "JUSTID", "LASTID",
                     group.last_id.ToString()});
}

void PropagateGroupId(CommandContext& ctx, std::string_view key, std::string_view group_name,
                      const StreamGroup& group) {
  ctx.AlsoPropagate({"XGROUP", "SETID", std::string(key), std::string(group_name),
                     group.last_id.ToString(), "ENTRIESREAD", std::to_string(group.entries_read)});
}

void PropagateConsumerCreation(CommandContext& ctx, std::string_view key,
                               std::string_view group_name, std::string_view consumer) {
  ctx.AlsoPropagate({"XGROUP", "CREATECONSUMER", std::string(key), std::string(group_name),
                     std::string(consumer)});
}

StreamConsumer* LookupOrCreateConsumer(CommandContext& ctx, std::string_view key,
                                       std::string_view group_name, StreamGroup* group,
                                       std::string_view consumer_name, bool propagate) {
  StreamConsumer* c = group->FindConsumer(consumer_name);
  if (c != nullptr) {
    c->seen_time_ms = ctx.now_ms();
    return c;
  }
  c = group->CreateConsumer(consumer_name, ctx.now_ms());
  if (propagate) PropagateConsumerCreation(ctx, key, group_name, consumer_name);
  ctx.server->dirty++;
  ctx.keyspace().NotifyKeyspaceEvent('t', "xgroup-createconsumer", key, ctx.db()->index());
  return c;
}

}  // namespace stream

namespace {

using namespace stream;  // NOLINT: this file is the stream family

constexpr std::string_view kIdNotGreater =
    "ERR The ID specified in XADD is equal or smaller than the target stream top item";

StreamNodeLimits NodeLimits(CommandContext& ctx) {
  return {ctx.server->config().stream_node_max_bytes, ctx.server->config().stream_node_max_entries};
}

// A master link or a loading client replays what the primary decided: no LIMIT enforcement.
bool MustObey(CommandContext& ctx) {
  return ctx.client->has(kClientMaster) || ctx.server->loading();
}

// ---- XADD / XTRIM arguments ------------------------------------------------------------------

enum class Trim { kNone, kMaxLen, kMinId };

struct TrimArgs {
  Trim strategy = Trim::kNone;
  bool approx = false;
  int64_t max_len = 0;
  StreamId min_id;
  int64_t limit = 0;
  size_t value_index = 0;  // argument holding the threshold (rewritten for propagation)
  // XADD only.
  bool no_mkstream = false;
  bool id_given = false;
  bool seq_given = true;
  StreamId id;
};

// Parses the options of XADD (is_xadd) or XTRIM from argument 2 on. Returns the index of the ID
// argument for XADD (or argc for XTRIM), or 0 after replying an error.
size_t ParseTrimArgs(CommandContext& ctx, bool is_xadd, TrimArgs* a) {
  size_t i = 2;
  bool limit_given = false;
  auto fail = [&](std::string_view error) {
    ctx.reply.Error(error);
    return size_t{0};
  };
  for (; i < ctx.argc(); i++) {
    size_t more = ctx.argc() - 1 - i;
    std::string_view opt = ctx.arg(i);
    if (is_xadd && opt == "*") break;
    bool maxlen = EqualsIgnoreCase(opt, "maxlen"), minid = EqualsIgnoreCase(opt, "minid");
    if ((maxlen || minid) && more > 0) {
      if (a->strategy != Trim::kNone) {
        return fail(
            "ERR syntax error, MAXLEN and MINID options at the same time are not "
            "compatible");
      }
      a->approx = false;
      std::string_view next = ctx.arg(i + 1);
      if (more >= 2 && (next == "~" || next == "=")) {
        a->approx = next == "~";
        i++;
      }
      if (maxlen) {
        if (!ParseInt64(ctx.arg(i + 1), &a->max_len)) return fail(err::kNotInteger);
        if (a->max_len < 0) return fail("ERR The MAXLEN argument must be >= 0.");
      } else if (!ParseId(ctx, ctx.arg(i + 1), 0, true, &a->min_id)) {
        return 0;
      }
      i++;
      a->strategy = maxlen ? Trim::kMaxLen : Trim::kMinId;
      a->value_index = i;
    } else if (EqualsIgnoreCase(opt, "limit") && more > 0) {
      if (!ParseInt64(ctx.arg(i + 1), &a->limit)) return fail(err::kNotInteger);
      if (a->limit < 0) return fail("ERR The LIMIT argument must be >= 0.");
      limit_given = true;
      i++;
    } else if (is_xadd && EqualsIgnoreCase(opt, "nomkstream")) {
      a->no_mkstream = true;
    } else if (is_xadd) {
      if (!ParseId(ctx, opt, 0, true, &a->id, &a->seq_given)) return 0;
      a->id_given = true;
      break;
    } else {
      return fail(err::kSyntax);
    }
  }
  if (a->limit != 0 && a->strategy == Trim::kNone) {
    return fail("ERR syntax error, LIMIT cannot be used without specifying a trimming strategy");
  }
  if (!is_xadd && a->strategy == Trim::kNone) {
    return fail("ERR syntax error, XTRIM must be called with a trimming strategy");
  }
  if (MustObey(ctx)) {
    a->limit = 0;
  } else if (limit_given) {
    if (!a->approx) {
      return fail("ERR syntax error, LIMIT cannot be used without the special ~ option");
    }
  } else if (a->approx) {
    a->limit = 100 * ctx.server->config().stream_node_max_entries;
    if (a->limit <= 0 || a->limit > 1000000) a->limit = 1000000;
  } else {
    a->limit = 0;
  }
  return i;
}

uint64_t ApplyTrim(StreamObject* s, const TrimArgs& a) {
  if (a.strategy == Trim::kMaxLen) {
    return s->TrimMaxLen(static_cast<uint64_t>(a.max_len), a.approx, a.limit);
  }
  return s->TrimMinId(a.min_id, a.approx, a.limit);
}

// After an approximate trim, the propagated command says exactly what was kept: "=" and the
// length (MAXLEN) or the first ID (MINID), so replicas and the AOF end up identical.
void RewriteApproxTrim(const TrimArgs& a, const StreamObject* s, std::vector<std::string>* args) {
  if (!a.approx) return;
  (*args)[a.value_index - 1].assign(1, '=');
  if (a.strategy == Trim::kMaxLen) {
    (*args)[a.value_index] = std::to_string(s->length());
  } else {
    StreamObject::Entry first;
    (*args)[a.value_index] = s->FirstEntry(&first) ? first.id.ToString() : "0-0";
  }
}

// ---- XADD -------------------------------------------------------------------------------------

// The ID XADD assigns, or false (after replying) when it would not be above the top item.
bool NextAddId(CommandContext& ctx, const StreamObject* s, const TrimArgs& a, StreamId* id) {
  const StreamId& last = s->last_id();
  if (a.id_given && a.seq_given) {
    *id = a.id;
  } else if (a.id_given) {
    if (a.id.ms == last.ms) {
      if (last.seq == UINT64_MAX) {
        ctx.reply.Error(kIdNotGreater);
        return false;
      }
      *id = StreamId{last.ms, last.seq + 1};
    } else {
      *id = a.id;
    }
  } else {
    // The wall clock may go backwards: IDs keep increasing from the last one regardless.
    auto now = static_cast<uint64_t>(ctx.now_ms());
    *id = last;
    if (now > last.ms) {
      *id = StreamId{now, 0};
    } else {
      id->Increment();
    }
  }
  if (*id <= last) {
    ctx.reply.Error(kIdNotGreater);
    return false;
  }
  return true;
}

// XADD key [NOMKSTREAM] [<MAXLEN | MINID> [= | ~] threshold [LIMIT count]] <* | id> field value
//   [field value ...]
void XAdd(CommandContext& ctx) {
  TrimArgs a;
  size_t id_index = ParseTrimArgs(ctx, true, &a);
  if (id_index == 0) return;
  size_t field_index = id_index + 1;
  if (field_index >= ctx.argc() || (ctx.argc() - field_index) % 2 != 0) {
    ctx.reply.Error(err::WrongArgs("xadd"));
    return;
  }
  if (a.id_given && a.seq_given && a.id.IsZero()) {
    ctx.reply.Error("ERR The ID specified in XADD must be greater than 0-0");
    return;
  }
  std::string key(ctx.arg(1));
  bool wrong_type;
  StreamObject* s = WriteStream(ctx, key, &wrong_type);
  if (wrong_type) return;
  if (s == nullptr && a.no_mkstream) {
    ctx.reply.Null();
    return;
  }
  bool created = s == nullptr;
  std::unique_ptr<StreamObject> fresh;
  if (created) {
    fresh = std::make_unique<StreamObject>();
    s = fresh.get();
  }
  if (s->last_id() == StreamId::Max()) {
    ctx.reply.Error("ERR The stream has exhausted the last possible ID, unable to add more items");
    return;
  }
  StreamId id;
  if (!NextAddId(ctx, s, a, &id)) return;
  if (created) {
    ctx.keyspace().AddKey(ctx.db(), key, Value::FromObject(std::move(fresh)));
  }
  std::vector<std::string_view> fields(ctx.args.begin() + static_cast<long>(field_index),
                                       ctx.args.end());
  s->Append(id, fields, NodeLimits(ctx));
  ReplyId(ctx.reply, id);
  Touched(ctx, key, "xadd");
  ctx.server->dirty++;
  std::vector<std::string> prop(ctx.args.begin(), ctx.args.end());
  prop[id_index] = id.ToString();
  if (a.strategy != Trim::kNone) {
    if (ApplyTrim(s, a) > 0) {
      ctx.keyspace().NotifyKeyspaceEvent('t', "xtrim", key, ctx.db()->index());
    }
    RewriteApproxTrim(a, s, &prop);
  }
  ctx.PropagateAs(std::move(prop));
  ctx.keyspace().SignalKeyReady(ctx.db(), key);
}

// XTRIM key <MAXLEN | MINID> [= | ~] threshold [LIMIT count]
void XTrim(CommandContext& ctx) {
  TrimArgs a;
  size_t end = ParseTrimArgs(ctx, false, &a);
  if (end == 0) return;
  std::string key(ctx.arg(1));
  bool wrong_type;
  StreamObject* s = WriteStream(ctx, key, &wrong_type);
  if (wrong_type) return;
  if (s == nullptr) {
    ctx.reply.Integer(0);
    return;
  }
  uint64_t removed = ApplyTrim(s, a);
  if (removed > 0) {
    Touched(ctx, key, "xtrim");
    ctx.server->dirty += removed;
  }
  std::vector<std::string> prop(ctx.args.begin(), ctx.args.end());
  RewriteApproxTrim(a, s, &prop);
  ctx.PropagateAs(std::move(prop));
  ctx.reply.Integer(static_cast<int64_t>(removed));
}

// XLEN key
void XLen(CommandContext& ctx) {
  bool wrong_type;
  StreamObject* s = ReadStream(ctx, ctx.arg(1), &wrong_type);
  if (wrong_type) return;
  ctx.reply.Integer(s == nullptr ? 0 : static_cast<int64_t>(s->length()));
}

// Replies entries of [start, end] (up to count, 0 = all) as an array.
void ReplyRange(ReplyBuilder& reply, const StreamObject* s, StreamId start, StreamId end,
                bool reverse, int64_t count) {
  std::string body;
  ReplyBuilder inner(&body, reply.resp());
  int64_t n = 0;
  s->Range(start, end, reverse, [&](const StreamObject::Entry& e) {
    ReplyEntry(inner, e);
    return ++n != count;
  });
  reply.ArrayHeader(n);
  reply.Raw(body);
}

// XRANGE key start end [COUNT count] / XREVRANGE key end start [COUNT count]
void RangeGeneric(CommandContext& ctx, bool reverse) {
  std::string_view start_arg = ctx.arg(reverse ? 3 : 2), end_arg = ctx.arg(reverse ? 2 : 3);
  StreamId start, end;
  bool start_ex, end_ex;
  if (!ParseIntervalId(ctx, start_arg, 0, &start, &start_ex)) return;
  if (start_ex && !start.Increment()) {
    ctx.reply.Error("ERR invalid start ID for the interval");
    return;
  }
  if (!ParseIntervalId(ctx, end_arg, UINT64_MAX, &end, &end_ex)) return;
  if (end_ex && !end.Decrement()) {
    ctx.reply.Error("ERR invalid end ID for the interval");
    return;
  }
  int64_t count = -1;
  for (size_t j = 4; j < ctx.argc(); j++) {
    if (EqualsIgnoreCase(ctx.arg(j), "count") && j + 1 < ctx.argc()) {
      if (!ParseInt64(ctx.arg(j + 1), &count)) {
        ctx.reply.Error(err::kNotInteger);
        return;
      }
      if (count < 0) count = 0;
      j++;
    } else {
      ctx.reply.Error(err::kSyntax);
      return;
    }
  }
  bool wrong_type;
  StreamObject* s = ReadStream(ctx, ctx.arg(1), &wrong_type);
  if (wrong_type) return;
  if (s == nullptr) {
    ctx.reply.EmptyArray();
  } else if (count == 0) {
    ctx.reply.NullArray();
  } else {
    ReplyRange(ctx.reply, s, start, end, reverse, count < 0 ? 0 : count);
  }
}

void XRange(CommandContext& ctx) { RangeGeneric(ctx, false); }
void XRevRange(CommandContext& ctx) { RangeGeneric(ctx, true); }

// XDEL key id [id ...]
void XDel(CommandContext& ctx) {
  std::string key(ctx.arg(1));
  bool wrong_type;
  StreamObject* s = WriteStream(ctx, key, &wrong_type);
  if (wrong_type) return;
  if (s == nullptr) {
    ctx.reply.Integer(0);
    return;
  }
  // Every ID is checked before anything is deleted, so a bad ID deletes nothing.
  std::vector<StreamId> ids;
  for (size_t i = 2; i < ctx.argc(); i++) {
    StreamId id;
    if (!ParseId(ctx, ctx.arg(i), 0, true, &id)) return;
    ids.push_back(id);
  }
  int64_t deleted = 0;
  bool first_deleted = false;
  for (const StreamId& id : ids) {
    if (!s->Delete(id)) continue;
    deleted++;
    if (id == s->first_id()) first_deleted = true;
    if (id > s->max_deleted_id()) s->set_max_deleted_id(id);
  }
  if (deleted > 0) {
    if (s->length() == 0 || first_deleted) s->RefreshFirstId();
    Touched(ctx, key, "xdel");
    ctx.server->dirty += static_cast<uint64_t>(deleted);
  }
  ctx.reply.Integer(deleted);
}

// XSETID key last-id [ENTRIESADDED entries-added] [MAXDELETEDID max-deleted-id]
void XSetId(CommandContext& ctx) {
  StreamId id, max_xdel;
  int64_t entries_added = -1;
  if (!ParseId(ctx, ctx.arg(2), 0, true, &id)) return;
  for (size_t i = 3; i < ctx.argc(); i++) {
    bool more = i + 1 < ctx.argc();
    if (EqualsIgnoreCase(ctx.arg(i), "entriesadded") && more) {
      if (!ParseInt64(ctx.arg(i + 1), &entries_added)) {
        ctx.reply.Error(err::kNotInteger);
        return;
      }
      if (entries_added < 0) {
        ctx.reply.Error("ERR entries_added must be positive");
        return;
      }
      i++;
    } else if (EqualsIgnoreCase(ctx.arg(i), "maxdeletedid") && more) {
      if (!ParseId(ctx, ctx.arg(i + 1), 0, true, &max_xdel)) return;
      if (id < max_xdel) {
        ctx.reply.Error(
            "ERR The ID specified in XSETID is smaller than the provided "
            "max_deleted_entry_id");
        return;
      }
      i++;
    } else {
      ctx.reply.Error(err::kSyntax);
      return;
    }
  }
  std::string key(ctx.arg(1));
  bool wrong_type;
  StreamObject* s = WriteStream(ctx, key, &wrong_type);
  if (wrong_type) return;
  if (s == nullptr) {
    ctx.reply.Error(err::kNoSuchKey);
    return;
  }
  // Redis 7.0 checks the ID against the top entry only (not against max_deleted_entry_id).
  if (s->length() > 0) {
    StreamObject::Entry last;
    s->LastEntry(&last);
    if (id < last.id) {
      ctx.reply.Error("ERR The ID specified in XSETID is smaller than the target stream top item");
      return;
    }
    if (entries_added != -1 && static_cast<uint64_t>(entries_added) < s->length()) {
      ctx.reply.Error(
          "ERR The entries_added specified in XSETID is smaller than the target stream length");
      return;
    }
  }
  s->set_last_id(id);
  if (entries_added != -1) s->set_entries_added(static_cast<uint64_t>(entries_added));
  if (!max_xdel.IsZero()) s->set_max_deleted_id(max_xdel);
  Touched(ctx, key, "xsetid");
  ctx.server->dirty++;
  ctx.reply.Ok();
}

}  // namespace

namespace rdb {
bool RegisterStreamCodec();  // engine/persistence/stream_codec.cc
}  // namespace rdb

void RegisterStreamInfo(CommandTable& t);
void RegisterStreamReaders(CommandTable& t);
void RegisterStreamGroupFamily(CommandTable& t);

void RegisterStreamFamily(CommandTable& t) {
  t.Register("xadd", XAdd);
  t.Register("xtrim", XTrim);
  t.Register("xlen", XLen);
  t.Register("xrange", XRange);
  t.Register("xrevrange", XRevRange);
  t.Register("xdel", XDel);
  t.Register("xsetid", XSetId);
  RegisterStreamReaders(t);
  RegisterStreamInfo(t);
  RegisterStreamGroupFamily(t);
  rdb::RegisterStreamCodec();
}

}  // namespace redsim
