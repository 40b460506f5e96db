// List commands: pushes and pops at both ends, indexed access, LINSERT/LREM/LTRIM/LPOS, moves
// between lists, and the blocking pops BLPOP BRPOP BLMOVE BRPOPLPUSH BLMPOP.
//
// Blocking follows Redis 7.0. A blocking command that finds nothing blocks on its keys
// (Server::BlockClient). When one of them is signalled ready the server re-runs the command with
// kClientReprocessing set; the command then serves only from the key that became ready (as Redis
// 7.0 serves the client from that key, not from the first of its keys holding data), stays
// blocked when that key is not a non-empty list (calling BlockClient again keeps its place in
// line), and for BLMOVE answers WRONGTYPE when the destination holds another type. Inside
// MULTI/EXEC (kClientDenyBlocking) a blocking command that finds nothing answers as a timeout.
#include <climits>
#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include "engine/base/strutil.h"
#include "engine/commands/families.h"
#include "engine/server/arg_cursor.h"
#include "engine/server/command_context.h"
#include "engine/types/list_object.h"

namespace redsim {
namespace {

using End = ListObject::End;

constexpr std::string_view kNumkeysError = "ERR numkeys should be greater than 0";
constexpr std::string_view kMpopCountError = "ERR count should be greater than 0";
constexpr std::string_view kRankZeroError =
    "ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... or use "
    "negative to start from the end of the list";
constexpr std::string_view kCountNegativeError = "ERR COUNT can't be negative";
constexpr std::string_view kMaxlenNegativeError = "ERR MAXLEN can't be negative";
// Longest wait we schedule (~31,000 years): keeps deadline arithmetic far from overflow.
constexpr int64_t kMaxBlockingTimeoutMs = 1'000'000'000'000'000;

// ---- Keyspace-level helpers ----------------------------------------------------------------

const char* PushEvent(End end) { return end == End::kHead ? "lpush" : "rpush"; }
const char* PopEvent(End end) { return end == End::kHead ? "lpop" : "rpop"; }

bool ParseEnd(std::string_view s, End* end) {
  if (EqualsIgnoreCase(s, "left"))
    *end = End::kHead;
  else if (EqualsIgnoreCase(s, "right"))
    *end = End::kTail;
  else
    return false;
  return true;
}

// A list key changed: WATCH invalidation and the keyspace event.
void Touched(CommandContext& ctx, std::string_view key, const char* event) {
  ctx.Modified(key, 'l', event, /*changes=*/0);  // callers count their own changes
}

// Redis never keeps an empty list: the key goes when its last element does.
void DeleteIfEmpty(CommandContext& ctx, std::string_view key, const ListObject* list) {
  if (list->length() != 0) return;
  ctx.keyspace().DeleteKey(ctx.db(), key);
  ctx.keyspace().NotifyKeyspaceEvent('g', "del", key, ctx.db()->index());
}

// The list at `key` for a push (the caller checked the type), created when absent; creating it
// wakes clients blocked on the key.
ListObject* ListForPush(CommandContext& ctx, std::string_view key) {
  DbEntry* e = ctx.keyspace().LookupWrite(ctx.db(), key);
  if (e != nullptr) return e->value.As<ListObject>();
  auto list = std::make_unique<ListObject>(ctx.server->config().list_max_listpack_size);
  e = ctx.keyspace().AddKey(ctx.db(), key, Value::FromObject(std::move(list)));
  ctx.keyspace().SignalKeyReady(ctx.db(), key);
  return e->value.As<ListObject>();
}

ListObject* ReadList(CommandContext& ctx, std::string_view key, bool* wrong_type) {
  DbEntry* e = ctx.Read(key, ObjType::kList, wrong_type);
  return e == nullptr ? nullptr : e->value.As<ListObject>();
}

ListObject* WriteList(CommandContext& ctx, std::string_view key, bool* wrong_type) {
  DbEntry* e = ctx.Write(key, ObjType::kList, wrong_type);
  return e == nullptr ? nullptr : e->value.As<ListObject>();
}

// Pops up to `count` elements from one end of a non-empty list, replying them as an array.
// Returns how many were popped; the caller deletes the key if it became empty.
size_t PopIntoArray(ReplyBuilder& reply, ListObject* list, End end, uint64_t count) {
  size_t n = count < list->length() ? static_cast<size_t>(count) : list->length();
  reply.ArrayHeader(static_cast<int64_t>(n));
  for (size_t i = 0; i < n; i++) {
    reply.Bulk(list->Peek(end));
    list->Pop(end);
  }
  return n;
}

// Moves one element from the non-empty list `src` to `dst_key`, replying with the element, or
// with WRONGTYPE (moving nothing) when the destination holds another type. Returns whether it
// moved.
bool MoveElement(CommandContext& ctx, std::string_view src_key, ListObject* src,
                 std::string_view dst_key, End from, End to) {
  DbEntry* d = ctx.keyspace().LookupWrite(ctx.db(), dst_key);
  if (d != nullptr && d->value.type() != ObjType::kList) {
    ctx.reply.Error(err::kWrongType);
    return false;
  }
  std::string element(src->Peek(from));
  src->Pop(from);
  // When source and destination are the same key, `d` is the source: the element goes back
  // onto the same list, which therefore never looks empty to anyone.
  ListObject* dst = d != nullptr ? d->value.As<ListObject>() : ListForPush(ctx, dst_key);
  dst->Push(to, element);
  // Redis announces the push before the pop (then the source's deletion).
  Touched(ctx, dst_key, PushEvent(to));
  Touched(ctx, src_key, PopEvent(from));
  if (src_key != dst_key) DeleteIfEmpty(ctx, src_key, src);
  ctx.server->dirty++;
  ctx.reply.Bulk(element);
  return true;
}

// Parses a blocking command's timeout (seconds, fractions allowed) as Redis 7.0 does: read as a
// long double, scaled to milliseconds and rounded up, so 0.0001 waits 1 ms while -0.0001 is 0
// (wait forever). Values too large for 64-bit milliseconds come out negative, as on Redis.
// Replies with the error and returns false when invalid; *deadline_ms is absolute (0: forever).
bool ParseBlockingTimeout(CommandContext& ctx, std::string_view arg, int64_t* deadline_ms) {
  long double seconds;
  if (!ParseLongDouble(arg, &seconds)) {
    ctx.reply.Error(err::kTimeoutNotFloat);
    return false;
  }
  long double ms = ceill(seconds * 1000.0L);
  int64_t timeout_ms = INT64_MIN;
  if (ms > -9223372036854775808.0L && ms < 9223372036854775808.0L) {
    timeout_ms = static_cast<int64_t>(ms);
  }
  if (timeout_ms < 0) {
    ctx.reply.Error(err::kTimeoutNegative);
    return false;
  }
  *deadline_ms = timeout_ms == 0 ? 0 : ctx.now_ms() + std::min(timeout_ms, kMaxBlockingTimeoutMs);
  return true;
}

// The keys a blocked command re-run by the server may serve from: just the one that became
// ready. Outside a re-run: all of them.
std::vector<std::string_view> KeysToServe(CommandContext& ctx,
                                          const std::vector<std::string_view>& keys) {
  const std::string* ready = ctx.server->blocking().ready_key();
  if (ctx.client->has(kClientReprocessing) && ready != nullptr) return {*ready};
  return keys;
}

void Block(CommandContext& ctx, const std::vector<std::string_view>& keys, int64_t deadline_ms) {
  std::vector<std::string> owned(keys.begin(), keys.end());
  ctx.server->blocking().BlockClient(ctx.client, ctx.args, ctx.cmd, owned, deadline_ms);
}

// ---- Pushes and pops ------------------------------------------------------------------------

// LPUSH / RPUSH / LPUSHX / RPUSHX key element [element ...]
void PushGeneric(CommandContext& ctx, End end, bool only_if_exists) {
  std::string_view key = ctx.arg(1);
  bool wrong_type;
  ListObject* list = WriteList(ctx, key, &wrong_type);
  if (wrong_type) return;
  if (list == nullptr) {
    if (only_if_exists) {
      ctx.reply.Integer(0);
      return;
    }
    list = ListForPush(ctx, key);
  }
  for (size_t i = 2; i < ctx.argc(); i++) list->Push(end, ctx.arg(i));
  Touched(ctx, key, PushEvent(end));
  ctx.server->dirty += ctx.argc() - 2;
  ctx.reply.Integer(static_cast<int64_t>(list->length()));
}

void LPush(CommandContext& ctx) { PushGeneric(ctx, End::kHead, false); }
void RPush(CommandContext& ctx) { PushGeneric(ctx, End::kTail, false); }
void LPushX(CommandContext& ctx) { PushGeneric(ctx, End::kHead, true); }
void RPushX(CommandContext& ctx) { PushGeneric(ctx, End::kTail, true); }

// LPOP / RPOP key [count]
void PopGeneric(CommandContext& ctx, End end) {
  if (ctx.argc() > 3) {
    ctx.reply.Error(err::WrongArgs(ctx.cmd->name));
    return;
  }
  std::string_view key = ctx.arg(1);
  bool has_count = ctx.argc() == 3;
  int64_t count = 1;
  if (has_count && (!ParseInt64(ctx.arg(2), &count) || count < 0)) {
    ctx.reply.Error(err::kCountPositive);
    return;
  }
  bool wrong_type;
  ListObject* list = WriteList(ctx, key, &wrong_type);
  if (wrong_type) return;
  if (list == nullptr) {
    if (has_count)
      ctx.reply.NullArray();
    else
      ctx.reply.Null();
    return;
  }
  if (has_count && count == 0) {
    ctx.reply.EmptyArray();  // nothing popped, nothing changed
    return;
  }
  size_t popped = 1;
  if (has_count) {
    popped = PopIntoArray(ctx.reply, list, end, static_cast<uint64_t>(count));
  } else {
    ctx.reply.Bulk(list->Peek(end));
    list->Pop(end);
  }
  Touched(ctx, key, PopEvent(end));
  DeleteIfEmpty(ctx, key, list);
  ctx.server->dirty += popped;
}

void LPop(CommandContext& ctx) { PopGeneric(ctx, End::kHead); }
void RPop(CommandContext& ctx) { PopGeneric(ctx, End::kTail); }

// LLEN key
void LLen(CommandContext& ctx) {
  bool wrong_type;
  ListObject* list = ReadList(ctx, ctx.arg(1), &wrong_type);
  if (wrong_type) return;
  ctx.reply.Integer(list == nullptr ? 0 : static_cast<int64_t>(list->length()));
}

// ---- Indexed access -------------------------------------------------------------------------

// LRANGE key start stop
void LRange(CommandContext& ctx) {
  int64_t start, stop;
  if (!ParseInt64(ctx.arg(2), &start) || !ParseInt64(ctx.arg(3), &stop)) {
    ctx.reply.Error(err::kNotInteger);
    return;
  }
  bool wrong_type;
  ListObject* list = ReadList(ctx, ctx.arg(1), &wrong_type);
  if (wrong_type) return;
  size_t first, last;
  if (list == nullptr || !NormalizeListRange(start, stop, list->length(), &first, &last)) {
    ctx.reply.EmptyArray();
    return;
  }
  ctx.reply.ArrayHeader(static_cast<int64_t>(last - first + 1));
  ListObject::Iter it = list->IterAt(first);
  for (size_t i = first; i <= last; i++, it.Next()) ctx.reply.Bulk(it.Get());
}

// LINDEX key index
void LIndex(CommandContext& ctx) {
  bool wrong_type;
  ListObject* list = ReadList(ctx, ctx.arg(1), &wrong_type);
  if (wrong_type) return;
  if (list == nullptr) {
    ctx.reply.Null();
    return;
  }
  int64_t index;
  if (!ParseInt64(ctx.arg(2), &index)) {
    ctx.reply.Error(err::kNotInteger);
    return;
  }
  auto element = list->Index(index);
  if (element)
    ctx.reply.Bulk(*element);
  else
    ctx.reply.Null();
}

// LSET key index element
void LSet(CommandContext& ctx) {
  std::string_view key = ctx.arg(1);
  bool wrong_type;
  ListObject* list = WriteList(ctx, key, &wrong_type);
  if (wrong_type) return;
  if (list == nullptr) {
    ctx.reply.Error(err::kNoSuchKey);
    return;
  }
  int64_t index;
  if (!ParseInt64(ctx.arg(2), &index)) {
    ctx.reply.Error(err::kNotInteger);
    return;
  }
  if (!list->Set(index, ctx.arg(3))) {
    ctx.reply.Error(err::kIndexOutOfRange);
    return;
  }
  Touched(ctx, key, "lset");
  ctx.server->dirty++;
  ctx.reply.Ok();
}

// LINSERT key BEFORE | AFTER pivot element
void LInsert(CommandContext& ctx) {
  std::string_view key = ctx.arg(1);
  bool after;
  if (EqualsIgnoreCase(ctx.arg(2), "after"))
    after = true;
  else if (EqualsIgnoreCase(ctx.arg(2), "before"))
    after = false;
  else {
    ctx.reply.Error(err::kSyntax);
    return;
  }
  bool wrong_type;
  ListObject* list = WriteList(ctx, key, &wrong_type);
  if (wrong_type) return;
  if (list == nullptr) {
    ctx.reply.Integer(0);
    return;
  }
  if (!list->Insert(ctx.arg(3), ctx.arg(4), after)) {
    ctx.reply.Integer(-1);
    return;
  }
  Touched(ctx, key, "linsert");
  ctx.server->dirty++;
  ctx.reply.Integer(static_cast<int64_t>(list->length()));
}

// LREM key count element
void LRem(CommandContext& ctx) {
  std::string_view key = ctx.arg(1);
  int64_t count;
  if (!ParseInt64(ctx.arg(2), &count)) {
    ctx.reply.Error(err::kNotInteger);
    return;
  }
  bool wrong_type;
  ListObject* list = WriteList(ctx, key, &wrong_type);
  if (wrong_type) return;
  size_t removed = list == nullptr ? 0 : list->Remove(ctx.arg(3), count);
  if (removed > 0) {
    Touched(ctx, key, "lrem");
    DeleteIfEmpty(ctx, key, list);
    ctx.server->dirty += removed;
  }
  ctx.reply.Integer(static_cast<int64_t>(removed));
}

// LTRIM key start stop
void LTrim(CommandContext& ctx) {
  std::string_view key = ctx.arg(1);
  int64_t start, stop;
  if (!ParseInt64(ctx.arg(2), &start) || !ParseInt64(ctx.arg(3), &stop)) {
    ctx.reply.Error(err::kNotInteger);
    return;
  }
  bool wrong_type;
  ListObject* list = WriteList(ctx, key, &wrong_type);
  if (wrong_type) return;
  if (list == nullptr) {
    ctx.reply.Ok();
    return;
  }
  size_t length = list->length();
  size_t first, last;
  size_t from_head = length, from_tail = 0;
  if (NormalizeListRange(start, stop, length, &first, &last)) {
    from_head = first;
    from_tail = length - 1 - last;
  }
  list->TrimEnds(from_head, from_tail);
  Touched(ctx, key, "ltrim");
  DeleteIfEmpty(ctx, key, list);
  ctx.server->dirty += from_head + from_tail;
  ctx.reply.Ok();
}

struct LposOptions {
  int64_t rank = 1;
  int64_t count = -1;  // -1: not given (reply a single index)
  int64_t maxlen = 0;  // 0: no limit
};

// Parses LPOS's options, replying the error and returning false when they are invalid.
bool ParseLposOptions(CommandContext& ctx, LposOptions* o) {
  ArgCursor cur(ctx.args, 3);
  // Options come in name-value pairs: a name without a value is a syntax error whatever it is.
  while (cur.ok() && !cur.done()) {
    if (cur.remaining() < 2) {
      cur.Fail(err::kSyntax);
    } else if (cur.Consume("rank")) {
      o->rank = cur.NextInt64();
      if (cur.ok() && o->rank == 0) cur.Fail(kRankZeroError);
    } else if (cur.Consume("count")) {
      o->count = cur.NextInt64(kCountNegativeError);
      if (cur.ok() && o->count < 0) cur.Fail(kCountNegativeError);
    } else if (cur.Consume("maxlen")) {
      o->maxlen = cur.NextInt64(kMaxlenNegativeError);
      if (cur.ok() && o->maxlen < 0) cur.Fail(kMaxlenNegativeError);
    } else {
      cur.Fail(err::kSyntax);
    }
  }
  if (!cur.ok()) {
    ctx.reply.Error(cur.error());
    return false;
  }
  return true;
}

// LPOS key element [RANK rank] [COUNT num-matches] [MAXLEN len]
void LPos(CommandContext& ctx) {
  LposOptions o;
  if (!ParseLposOptions(ctx, &o)) return;
  bool wrong_type;
  ListObject* list = ReadList(ctx, ctx.arg(1), &wrong_type);
  if (wrong_type) return;
  bool reply_array = o.count != -1;
  if (list == nullptr) {
    if (reply_array)
      ctx.reply.EmptyArray();
    else
      ctx.reply.Null();
    return;
  }
  bool from_tail = o.rank < 0;
  // Matches to skip before reporting (RANK 2 skips one); computed unsigned as rank may be
  // INT64_MIN.
  uint64_t skip =
      (from_tail ? 0 - static_cast<uint64_t>(o.rank) : static_cast<uint64_t>(o.rank)) - 1;
  uint64_t want = o.count > 0 ? static_cast<uint64_t>(o.count) : (o.count == 0 ? UINT64_MAX : 1);
  if (o.rank == INT64_MIN) {
    // Redis cannot negate this rank: it searches from the tail, reports from the first match on,
    // and its COUNT test never stops the search. Answer the same.
    skip = 0;
    if (o.count > 0) want = UINT64_MAX;
  }
  uint64_t maxlen = o.maxlen == 0 ? UINT64_MAX : static_cast<uint64_t>(o.maxlen);
  std::string_view element = ctx.arg(2);
  size_t length = list->length();
  std::vector<int64_t> found;
  ListObject::Iter it = list->IterAt(from_tail ? length - 1 : 0);
  for (uint64_t i = 0; it.valid() && i < maxlen; i++) {
    if (it.Get() == element) {
      if (skip > 0) {
        skip--;
      } else {
        found.push_back(static_cast<int64_t>(from_tail ? length - 1 - i : i));
        if (found.size() == want) break;
      }
    }
    if (from_tail)
      it.Prev();
    else
      it.Next();
  }
  if (!reply_array) {
    if (found.empty())
      ctx.reply.Null();
    else
      ctx.reply.Integer(found[0]);
    return;
  }
  ctx.reply.ArrayHeader(static_cast<int64_t>(found.size()));
  for (int64_t index : found) ctx.reply.Integer(index);
}

// ---- Moves ----------------------------------------------------------------------------------

void MoveGeneric(CommandContext& ctx, End from, End to) {
  std::string_view src_key = ctx.arg(1);
  bool wrong_type;
  ListObject* src = WriteList(ctx, src_key, &wrong_type);
  if (wrong_type) return;
  if (src == nullptr) {
    ctx.reply.Null();
    return;
  }
  MoveElement(ctx, src_key, src, ctx.arg(2), from, to);
}

// LMOVE source destination LEFT | RIGHT LEFT | RIGHT
void LMove(CommandContext& ctx) {
  End from, to;
  if (!ParseEnd(ctx.arg(3), &from) || !ParseEnd(ctx.arg(4), &to)) {
    ctx.reply.Error(err::kSyntax);
    return;
  }
  MoveGeneric(ctx, from, to);
}

// RPOPLPUSH source destination
void RPopLPush(CommandContext& ctx) { MoveGeneric(ctx, End::kTail, End::kHead); }

// ---- LMPOP ----------------------------------------------------------------------------------

struct MpopArgs {
  std::vector<std::string_view> keys;
  End end = End::kHead;
  int64_t count = 1;
};

// Parses "numkeys key [key ...] LEFT|RIGHT [COUNT count]" starting at `numkeys_index`.
bool ParseMpopArgs(CommandContext& ctx, size_t numkeys_index, MpopArgs* out) {
  int64_t numkeys;
  if (!ParseInt64(ctx.arg(numkeys_index), &numkeys) || numkeys < 1) {
    ctx.reply.Error(kNumkeysError);
    return false;
  }
  size_t after_numkeys = ctx.argc() - numkeys_index - 1;
  if (static_cast<uint64_t>(numkeys) >= after_numkeys) {  // no room left for LEFT|RIGHT
    ctx.reply.Error(err::kSyntax);
    return false;
  }
  size_t where_index = numkeys_index + 1 + static_cast<size_t>(numkeys);
  out->keys.assign(ctx.args.begin() + static_cast<ptrdiff_t>(numkeys_index + 1),
                   ctx.args.begin() + static_cast<ptrdiff_t>(where_index));
  if (!ParseEnd(ctx.arg(where_index), &out->end)) {
    ctx.reply.Error(err::kSyntax);
    return false;
  }
  bool has_count = false;
  ArgCursor cur(ctx.args, where_index + 1);
  while (cur.ok() && !cur.done()) {
    // COUNT once, and only with its value: anything else is a syntax error.
    if (!has_count && cur.remaining() >= 2 && cur.Consume("count")) {
      out->count = cur.NextInt64(kMpopCountError);
      if (cur.ok() && out->count < 1) cur.Fail(kMpopCountError);
      has_count = true;
    } else {
      cur.Fail(err::kSyntax);
    }
  }
  if (!cur.ok()) {
    ctx.reply.Error(cur.error());
    return false;
  }
  return true;
}

enum class ServeResult { kServed, kWrongType, kNothing };

// Pops from the first of `keys` holding a non-empty list, replying [key, [elements]].
// Propagates as LPOP/RPOP key count, as Redis does.
ServeResult MpopFrom(CommandContext& ctx, const std::vector<std::string_view>& keys, End end,
                     int64_t count, bool quiet_wrong_type) {
  for (std::string_view key : keys) {
    DbEntry* e = ctx.keyspace().LookupWrite(ctx.db(), key);
    if (e == nullptr) continue;
    if (e->value.type() != ObjType::kList) {
      if (quiet_wrong_type) return ServeResult::kWrongType;
      ctx.reply.Error(err::kWrongType);
      return ServeResult::kWrongType;
    }
    auto* list = e->value.As<ListObject>();
    ctx.reply.ArrayHeader(2);
    ctx.reply.Bulk(key);
    size_t popped = PopIntoArray(ctx.reply, list, end, static_cast<uint64_t>(count));
    Touched(ctx, key, PopEvent(end));
    std::string key_copy(key);  // `key` may point into the stored command freed below
    DeleteIfEmpty(ctx, key_copy, list);
    ctx.server->dirty += popped;
    ctx.PropagateAs({end == End::kHead ? "LPOP" : "RPOP", key_copy,
                     Int64ToString(static_cast<int64_t>(popped))});
    return ServeResult::kServed;
  }
  return ServeResult::kNothing;
}

// LMPOP numkeys key [key ...] LEFT | RIGHT [COUNT count]
void LMPop(CommandContext& ctx) {
  MpopArgs a;
  if (!ParseMpopArgs(ctx, 1, &a)) return;
  if (MpopFrom(ctx, a.keys, a.end, a.count, false) == ServeResult::kNothing) ctx.reply.NullArray();
}

// ---- Blocking pops --------------------------------------------------------------------------

// BLPOP / BRPOP key [key ...] timeout
void BlockingPop(CommandContext& ctx, End end) {
  int64_t deadline_ms;
  if (!ParseBlockingTimeout(ctx, ctx.arg(ctx.argc() - 1), &deadline_ms)) return;
  std::vector<std::string_view> keys(ctx.args.begin() + 1, ctx.args.end() - 1);
  bool reprocessing = ctx.client->has(kClientReprocessing);
  for (std::string_view key : KeysToServe(ctx, keys)) {
    DbEntry* e = ctx.keyspace().LookupWrite(ctx.db(), key);
    if (e == nullptr) continue;
    if (e->value.type() != ObjType::kList) {
      // A key that became ready with another type leaves a blocked client waiting (7.0).
      if (reprocessing) break;
      ctx.reply.Error(err::kWrongType);
      return;
    }
    auto* list = e->value.As<ListObject>();
    std::string key_copy(key);
    ctx.reply.ArrayHeader(2);
    ctx.reply.Bulk(key_copy);
    ctx.reply.Bulk(list->Peek(end));
    list->Pop(end);
    Touched(ctx, key_copy, PopEvent(end));
    DeleteIfEmpty(ctx, key_copy, list);
    ctx.server->dirty++;
    ctx.PropagateAs({end == End::kHead ? "LPOP" : "RPOP", key_copy});
    return;
  }
  if (ctx.client->has(kClientDenyBlocking)) {
    ctx.reply.NullArray();
    return;
  }
  Block(ctx, keys, deadline_ms);
}

void BLPop(CommandContext& ctx) { BlockingPop(ctx, End::kHead); }
void BRPop(CommandContext& ctx) { BlockingPop(ctx, End::kTail); }

void BlockingMove(CommandContext& ctx, End from, End to, size_t timeout_index) {
  int64_t deadline_ms;
  if (!ParseBlockingTimeout(ctx, ctx.arg(timeout_index), &deadline_ms)) return;
  std::string src_key(ctx.arg(1));
  std::string dst_key(ctx.arg(2));
  bool reprocessing = ctx.client->has(kClientReprocessing);
  DbEntry* e = ctx.keyspace().LookupWrite(ctx.db(), src_key);
  if (e != nullptr && e->value.type() != ObjType::kList) {
    if (reprocessing) return;  // stays blocked, as in Redis 7.0
    ctx.reply.Error(err::kWrongType);
    return;
  }
  if (e != nullptr) {
    if (MoveElement(ctx, src_key, e->value.As<ListObject>(), dst_key, from, to)) {
      if (ctx.cmd->name == "brpoplpush") {
        ctx.PropagateAs({"RPOPLPUSH", src_key, dst_key});
      } else if (reprocessing) {
        // Served after blocking, Redis writes an LMOVE of its own, its ends in lowercase.
        ctx.PropagateAs({"LMOVE", src_key, dst_key, from == End::kHead ? "left" : "right",
                         to == End::kHead ? "left" : "right"});
      } else {
        // Served at once, the ends travel as the client spelled them.
        ctx.PropagateAs(
            {"LMOVE", src_key, dst_key, std::string(ctx.arg(3)), std::string(ctx.arg(4))});
      }
    }
    return;
  }
  if (ctx.client->has(kClientDenyBlocking)) {
    ctx.reply.Null();
    return;
  }
  Block(ctx, {ctx.arg(1)}, deadline_ms);
}

// BLMOVE source destination LEFT | RIGHT LEFT | RIGHT timeout
void BLMove(CommandContext& ctx) {
  End from, to;
  if (!ParseEnd(ctx.arg(3), &from) || !ParseEnd(ctx.arg(4), &to)) {
    ctx.reply.Error(err::kSyntax);
    return;
  }
  BlockingMove(ctx, from, to, 5);
}

// BRPOPLPUSH source destination timeout
void BRPopLPush(CommandContext& ctx) { BlockingMove(ctx, End::kTail, End::kHead, 3); }

// BLMPOP timeout numkeys key [key ...] LEFT | RIGHT [COUNT count]
void BLMPop(CommandContext& ctx) {
  MpopArgs a;
  if (!ParseMpopArgs(ctx, 2, &a)) return;
  int64_t deadline_ms;
  if (!ParseBlockingTimeout(ctx, ctx.arg(1), &deadline_ms)) return;
  bool reprocessing = ctx.client->has(kClientReprocessing);
  ServeResult r = MpopFrom(ctx, KeysToServe(ctx, a.keys), a.end, a.count, reprocessing);
  if (r != ServeResult::kNothing) return;
  if (ctx.client->has(kClientDenyBlocking)) {
    ctx.reply.NullArray();
    return;
  }
  Block(ctx, a.keys, deadline_ms);
}

}  // namespace

void RegisterListFamily(CommandTable& t) {
  t.Register("lpush", LPush);
  t.Register("rpush", RPush);
  t.Register("lpushx", LPushX);
  t.Register("rpushx", RPushX);
  t.Register("lpop", LPop);
  t.Register("rpop", RPop);
  t.Register("llen", LLen);
  t.Register("lrange", LRange);
  t.Register("lindex", LIndex);
  t.Register("lset", LSet);
  t.Register("linsert", LInsert);
  t.Register("lrem", LRem);
  t.Register("ltrim", LTrim);
  t.Register("lpos", LPos);
  t.Register("lmove", LMove);
  t.Register("rpoplpush", RPopLPush);
  t.Register("lmpop", LMPop);
  t.Register("blpop", BLPop);
  t.Register("brpop", BRPop);
  t.Register("blmove", BLMove);
  t.Register("brpoplpush", BRPopLPush);
  t.Register("blmpop", BLMPop);
}

}  // namespace redsim
