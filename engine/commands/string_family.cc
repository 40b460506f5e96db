// String commands: GET/SET and friends, counters, ranges, LCS.
//
// Plain functions at the top work on the keyspace and return values or error texts; the
// handlers below parse arguments, call them and write replies.
#include <algorithm>
#include <climits>
#include <cmath>
#include <cstring>
#include <optional>

#include "engine/base/strutil.h"
#include "engine/commands/families.h"
#include "engine/server/arg_cursor.h"
#include "engine/server/command_context.h"

namespace redsim {
namespace {

// ---- Keyspace-level operations ---------------------------------------------------------------

enum class ExpireUnit { kSeconds, kMilliseconds };

// Converts a relative or absolute expire argument to absolute Unix ms, as Redis does: the value
// must be a positive integer, must not overflow when scaled, and relative values are added to
// the command time. Returns an error text or nullopt.
std::optional<std::string> ExpireArgToAbsoluteMs(std::string_view arg, ExpireUnit unit,
                                                 bool relative, int64_t now_ms,
                                                 std::string_view command, int64_t* out) {
  int64_t v;
  if (!ParseInt64(arg, &v)) return std::string(err::kNotInteger);
  if (v <= 0 || (unit == ExpireUnit::kSeconds && v > LLONG_MAX / 1000)) {
    return err::InvalidExpire(command);
  }
  if (unit == ExpireUnit::kSeconds) v *= 1000;
  if (relative) {
    if (v > LLONG_MAX - now_ms) return err::InvalidExpire(command);
    v += now_ms;
  }
  if (v <= 0) return err::InvalidExpire(command);
  *out = v;
  return std::nullopt;
}

// Parses an integer stored in a string value (strict, as INCR requires).
bool ValueAsInt64(const Value& v, int64_t* out) {
  if (v.is_int()) {
    *out = v.int_value();
    return true;
  }
  char scratch[24];
  std::string_view s = v.StringView(scratch);
  return s.size() <= 20 && ParseInt64(s, out);
}

// INCRBY core. Returns an error text or nullopt; *result gets the new value.
std::optional<std::string_view> IncrementBy(Server* server, Database* db, std::string_view key,
                                            int64_t delta, int64_t* result) {
  DbEntry* e = server->keyspace().LookupWrite(db, key);
  int64_t current = 0;
  if (e != nullptr) {
    if (!e->value.is_string()) return err::kWrongType;
    if (!ValueAsInt64(e->value, &current)) return err::kNotInteger;
  }
  if ((delta < 0 && current < 0 && delta < LLONG_MIN - current) ||
      (delta > 0 && current > 0 && delta > LLONG_MAX - current)) {
    return err::kOverflow;
  }
  *result = current + delta;
  if (e != nullptr) {
    e->value = Value::SharableInteger(*result);
    server->keyspace().SignalModifiedKey(db, key);
  } else {
    server->keyspace().AddKey(db, key, Value::SharableInteger(*result));
  }
  server->dirty++;
  server->keyspace().NotifyKeyspaceEvent('$', "incrby", key, db->index());
  return std::nullopt;
}

// Reads a string key: nullptr when absent; sets *wrong_type for other types.
const Value* ReadString(CommandContext& ctx, std::string_view key, bool* wrong_type) {
  DbEntry* e = ctx.Read(key, ObjType::kString, wrong_type);
  return e == nullptr ? nullptr : &e->value;
}

void ReplyValue(ReplyBuilder& reply, const Value& v) {
  char scratch[24];
  reply.Bulk(v.StringView(scratch));
}

// ---- GET / SET family -----------------------------------------------------------------------

// GET key
void Get(CommandContext& ctx) {
  bool wrong_type;
  const Value* v = ReadString(ctx, ctx.arg(1), &wrong_type);
  if (wrong_type) return;
  if (v == nullptr)
    ctx.reply.Null();
  else
    ReplyValue(ctx.reply, *v);
}

enum SetFlags : unsigned {
  kSetNx = 1 << 0,
  kSetXx = 1 << 1,
  kSetGet = 1 << 2,
  kSetKeepTtl = 1 << 3,
  kSetEx = 1 << 4,
  kSetPx = 1 << 5,
  kSetExAt = 1 << 6,
  kSetPxAt = 1 << 7,
  kSetPersist = 1 << 8,  // GETEX only
};

struct SetReplies {
  enum Kind { kOkOrNull, kOneOrZero } kind = kOkOrNull;
};

// The shared body of SET, SETNX, SETEX, PSETEX and GETSET.
void SetGeneric(CommandContext& ctx, unsigned flags, std::string_view key, std::string_view value,
                std::optional<std::string_view> expire_arg, SetReplies replies) {
  int64_t when_ms = 0;
  if (expire_arg) {
    bool seconds = (flags & (kSetEx | kSetExAt)) != 0;
    bool relative = (flags & (kSetEx | kSetPx)) != 0;
    auto error = ExpireArgToAbsoluteMs(*expire_arg,
                                       seconds ? ExpireUnit::kSeconds : ExpireUnit::kMilliseconds,
                                       relative, ctx.now_ms(), ctx.cmd->name, &when_ms);
    if (error) {
      ctx.reply.Error(*error);
      return;
    }
  }
  Server* server = ctx.server;
  Database* db = ctx.db();
  if (flags & kSetGet) {
    bool wrong_type;
    const Value* old = ReadString(ctx, key, &wrong_type);
    if (wrong_type) return;
    if (old == nullptr)
      ctx.reply.Null();
    else
      ReplyValue(ctx.reply, *old);
  }
  bool found = server->keyspace().LookupWrite(db, key) != nullptr;
  if (((flags & kSetNx) && found) || ((flags & kSetXx) && !found)) {
    if (!(flags & kSetGet)) {
      if (replies.kind == SetReplies::kOneOrZero)
        ctx.reply.Integer(0);
      else
        ctx.reply.Null();
    }
    return;
  }
  DbEntry* e = server->keyspace().SetKey(db, key, Value::String(value), (flags & kSetKeepTtl) != 0);
  server->dirty++;
  server->keyspace().NotifyKeyspaceEvent('$', "set", key, db->index());
  if (expire_arg) {
    server->keyspace().SetExpire(db, e, when_ms);
    // Replicas and the AOF get the absolute time, so a replay does not extend the TTL.
    if (!(flags & kSetPxAt)) {
      ctx.PropagateAs(
          {"SET", std::string(key), std::string(value), "PXAT", Int64ToString(when_ms)});
    }
    server->keyspace().NotifyKeyspaceEvent('g', "expire", key, db->index());
  }
  if (!(flags & kSetGet)) {
    if (replies.kind == SetReplies::kOneOrZero)
      ctx.reply.Integer(1);
    else
      ctx.reply.Ok();
  }
  if ((flags & kSetGet) && !expire_arg) {
    // Propagate without GET.
    std::vector<std::string> args;
    for (size_t i = 0; i < ctx.argc(); i++) {
      if (i >= 3 && EqualsIgnoreCase(ctx.arg(i), "get")) continue;
      args.emplace_back(ctx.arg(i));
    }
    if (ctx.cmd->name == "getset") args = {"SET", std::string(key), std::string(value)};
    ctx.PropagateAs(std::move(args));
  }
}

// Which command's options ParseSetOptions reads: SET takes NX/XX/GET/KEEPTTL, GETEX takes
// PERSIST; both take one of EX/PX/EXAT/PXAT.
enum class OptionSyntax { kSet, kGetEx };

// Reads SET/GETEX options from ctx.args[first..]. As in Redis, an expiry option may be repeated
// (the last value wins) but not combined with a different one, KEEPTTL, or PERSIST; NX and XX
// exclude each other. Replies "syntax error" and returns false on bad input.
// Consumes EX, PX, EXAT or PXAT if the cursor is at one; returns its flag, or 0.
unsigned ConsumeExpireKeyword(ArgCursor& cur) {
  if (cur.Consume("ex")) return kSetEx;
  if (cur.Consume("px")) return kSetPx;
  if (cur.Consume("exat")) return kSetExAt;
  if (cur.Consume("pxat")) return kSetPxAt;
  return 0;
}

bool ParseSetOptions(CommandContext& ctx, size_t first, OptionSyntax syntax, unsigned* flags,
                     std::optional<std::string_view>* expire) {
  const bool set = syntax == OptionSyntax::kSet;
  constexpr unsigned kAnyExpire = kSetEx | kSetPx | kSetExAt | kSetPxAt;
  ArgCursor cur(ctx.args, first);
  // Every mistake here is a syntax error, so the order of the checks cannot change the reply.
  while (cur.ok() && !cur.done()) {
    if (set && !(*flags & kSetXx) && cur.Consume("nx")) {
      *flags |= kSetNx;
    } else if (set && !(*flags & kSetNx) && cur.Consume("xx")) {
      *flags |= kSetXx;
    } else if (set && cur.Consume("get")) {
      *flags |= kSetGet;
    } else if (set && !(*flags & kAnyExpire) && cur.Consume("keepttl")) {
      *flags |= kSetKeepTtl;
    } else if (!set && !(*flags & kAnyExpire) && cur.Consume("persist")) {
      *flags |= kSetPersist;
    } else if (unsigned expire_flag = ConsumeExpireKeyword(cur);
               expire_flag != 0 &&
               !(*flags & ((kAnyExpire | kSetKeepTtl | kSetPersist) & ~expire_flag))) {
      *flags |= expire_flag;
      *expire = cur.Next();  // a missing value is a syntax error
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

// SET key value [NX | XX] [GET] [EX seconds | PX milliseconds | EXAT unix-time-seconds |
//   PXAT unix-time-milliseconds | KEEPTTL]
void Set(CommandContext& ctx) {
  unsigned flags = 0;
  std::optional<std::string_view> expire;
  if (!ParseSetOptions(ctx, 3, OptionSyntax::kSet, &flags, &expire)) return;
  // A fault point of the simulated world (always false in real mode): the deliberately broken
  // engine of `--config debug-drop-acked-writes-every=N`, for testing the testbed.
  if (flags == 0 && ctx.server->env()->FaultPoint("drop-acked-write")) {
    ctx.reply.Ok();  // acknowledged, never applied
    return;
  }
  SetGeneric(ctx, flags, ctx.arg(1), ctx.arg(2), expire, {});
}

// SETNX key value
void SetNx(CommandContext& ctx) {
  SetGeneric(ctx, kSetNx, ctx.arg(1), ctx.arg(2), std::nullopt, {SetReplies::kOneOrZero});
}

// SETEX key seconds value
void SetEx(CommandContext& ctx) { SetGeneric(ctx, kSetEx, ctx.arg(1), ctx.arg(3), ctx.arg(2), {}); }

// PSETEX key milliseconds value
void PSetEx(CommandContext& ctx) {
  SetGeneric(ctx, kSetPx, ctx.arg(1), ctx.arg(3), ctx.arg(2), {});
}

// GETSET key value
void GetSet(CommandContext& ctx) {
  SetGeneric(ctx, kSetGet, ctx.arg(1), ctx.arg(2), std::nullopt, {});
}

// GETDEL key
void GetDel(CommandContext& ctx) {
  bool wrong_type;
  const Value* v = ReadString(ctx, ctx.arg(1), &wrong_type);
  if (wrong_type) return;
  if (v == nullptr) {
    ctx.reply.Null();
    return;
  }
  ReplyValue(ctx.reply, *v);
  ctx.keyspace().DeleteKey(ctx.db(), ctx.arg(1));
  ctx.server->dirty++;
  ctx.keyspace().NotifyKeyspaceEvent('g', "del", ctx.arg(1), ctx.db()->index());
  ctx.PropagateAs({"DEL", std::string(ctx.arg(1))});
}

// GETEX key [EX seconds | PX milliseconds | EXAT unix-time-seconds |
//   PXAT unix-time-milliseconds | PERSIST]
void GetEx(CommandContext& ctx) {
  unsigned flags = 0;
  std::optional<std::string_view> expire;
  if (!ParseSetOptions(ctx, 2, OptionSyntax::kGetEx, &flags, &expire)) return;
  // Redis looks the key up (nil, WRONGTYPE) before it validates the expiry value.
  std::string_view key = ctx.arg(1);
  bool wrong_type;
  DbEntry* e = ctx.Read(key, ObjType::kString, &wrong_type);
  if (wrong_type) return;
  if (e == nullptr) {
    ctx.reply.Null();
    return;
  }
  int64_t when_ms = 0;
  if (expire) {
    bool seconds = (flags & (kSetEx | kSetExAt)) != 0;
    bool relative = (flags & (kSetEx | kSetPx)) != 0;
    auto error =
        ExpireArgToAbsoluteMs(*expire, seconds ? ExpireUnit::kSeconds : ExpireUnit::kMilliseconds,
                              relative, ctx.now_ms(), "getex", &when_ms);
    if (error) {
      ctx.reply.Error(*error);
      return;
    }
  }
  ReplyValue(ctx.reply, e->value);
  Server* server = ctx.server;
  Database* db = ctx.db();
  if (expire && when_ms <= ctx.now_ms() && server->config().replicaof.empty()) {
    // Already expired: delete now, as Redis does.
    server->keyspace().DeleteKey(db, key);
    server->dirty++;
    ctx.PropagateAs({"DEL", std::string(key)});
    server->keyspace().NotifyKeyspaceEvent('g', "del", key, db->index());
  } else if (expire) {
    server->keyspace().SetExpire(db, e, when_ms);
    server->keyspace().SignalModifiedKey(db, key);
    server->dirty++;
    ctx.PropagateAs({"PEXPIREAT", std::string(key), Int64ToString(when_ms)});
    server->keyspace().NotifyKeyspaceEvent('g', "expire", key, db->index());
  } else if ((flags & kSetPersist) && e->has_expire()) {
    db->RemoveExpire(e);
    server->keyspace().SignalModifiedKey(db, key);
    server->dirty++;
    ctx.PropagateAs({"PERSIST", std::string(key)});
    server->keyspace().NotifyKeyspaceEvent('g', "persist", key, db->index());
  }
}

// MGET key [key ...]
void MGet(CommandContext& ctx) {
  ctx.reply.ArrayHeader(static_cast<int64_t>(ctx.argc() - 1));
  for (size_t i = 1; i < ctx.argc(); i++) {
    DbEntry* e = ctx.keyspace().LookupRead(ctx.db(), ctx.arg(i));
    if (e == nullptr || !e->value.is_string())
      ctx.reply.Null();
    else
      ReplyValue(ctx.reply, e->value);
  }
}

// MSET key value [key value ...] / MSETNX key value [key value ...]
void MSetGeneric(CommandContext& ctx, bool nx) {
  if (ctx.argc() % 2 == 0) {
    ctx.reply.Error(err::WrongArgs(ctx.cmd->name));
    return;
  }
  if (nx) {
    for (size_t i = 1; i < ctx.argc(); i += 2) {
      if (ctx.keyspace().LookupWrite(ctx.db(), ctx.arg(i)) != nullptr) {
        ctx.reply.Integer(0);
        return;
      }
    }
  }
  for (size_t i = 1; i < ctx.argc(); i += 2) {
    ctx.keyspace().LookupWrite(ctx.db(), ctx.arg(i));  // Redis's setKey looks the old value up
    ctx.keyspace().SetKey(ctx.db(), ctx.arg(i), Value::String(ctx.arg(i + 1)));
    ctx.keyspace().NotifyKeyspaceEvent('$', "set", ctx.arg(i), ctx.db()->index());
  }
  ctx.server->dirty += (ctx.argc() - 1) / 2;
  if (nx)
    ctx.reply.Integer(1);
  else
    ctx.reply.Ok();
}

void MSet(CommandContext& ctx) { MSetGeneric(ctx, false); }
void MSetNx(CommandContext& ctx) { MSetGeneric(ctx, true); }

// ---- Counters -------------------------------------------------------------------------------

void IncrDecr(CommandContext& ctx, int64_t delta) {
  int64_t result;
  auto error = IncrementBy(ctx.server, ctx.db(), ctx.arg(1), delta, &result);
  if (error)
    ctx.reply.Error(*error);
  else
    ctx.reply.Integer(result);
}

// INCR key
void Incr(CommandContext& ctx) { IncrDecr(ctx, 1); }
// DECR key
void Decr(CommandContext& ctx) { IncrDecr(ctx, -1); }

// INCRBY key increment
void IncrBy(CommandContext& ctx) {
  int64_t delta;
  if (!ParseInt64(ctx.arg(2), &delta)) {
    ctx.reply.Error(err::kNotInteger);
    return;
  }
  IncrDecr(ctx, delta);
}

// DECRBY key decrement
void DecrBy(CommandContext& ctx) {
  int64_t delta;
  if (!ParseInt64(ctx.arg(2), &delta)) {
    ctx.reply.Error(err::kNotInteger);
    return;
  }
  if (delta == LLONG_MIN) {
    ctx.reply.Error(err::kDecrementOverflow);
    return;
  }
  IncrDecr(ctx, -delta);
}

// INCRBYFLOAT key increment
void IncrByFloat(CommandContext& ctx) {
  std::string_view key = ctx.arg(1);
  bool wrong_type;
  DbEntry* e = ctx.Write(key, ObjType::kString, &wrong_type);
  if (wrong_type) return;
  long double current = 0, incr;
  if (e != nullptr) {
    char scratch[24];
    if (!ParseLongDouble(e->value.StringView(scratch), &current)) {
      ctx.reply.Error(err::kNotFloat);
      return;
    }
  }
  if (!ParseLongDouble(ctx.arg(2), &incr)) {
    ctx.reply.Error(err::kNotFloat);
    return;
  }
  long double result = current + incr;
  if (std::isnan(result) || std::isinf(result)) {
    ctx.reply.Error(err::kIncrFloatNanOrInf);
    return;
  }
  std::string text = LongDoubleToString(result);
  // Redis stores the formatted result as a plain string (never the int encoding).
  Value stored =
      Value::RawString(text, text.size() <= kEmbStrMaxLen ? Encoding::kEmbStr : Encoding::kRaw);
  if (e != nullptr) {
    e->value = std::move(stored);
    ctx.keyspace().SignalModifiedKey(ctx.db(), key);
  } else {
    ctx.keyspace().AddKey(ctx.db(), key, std::move(stored));
  }
  ctx.server->dirty++;
  ctx.keyspace().NotifyKeyspaceEvent('$', "incrbyfloat", key, ctx.db()->index());
  ctx.reply.Bulk(text);
  // Float formatting may differ between platforms: replicate the result, not the increment.
  ctx.PropagateAs({"SET", std::string(key), text, "KEEPTTL"});
}

// ---- Ranges and lengths ---------------------------------------------------------------------

// APPEND key value
void Append(CommandContext& ctx) {
  std::string_view key = ctx.arg(1);
  bool wrong_type;
  DbEntry* e = ctx.Write(key, ObjType::kString, &wrong_type);
  if (wrong_type) return;
  size_t new_len;
  if (e == nullptr) {
    ctx.keyspace().AddKey(ctx.db(), key, Value::String(ctx.arg(2)));
    new_len = ctx.arg(2).size();
  } else {
    size_t total = e->value.StringLength() + ctx.arg(2).size();
    if (static_cast<int64_t>(total) > ctx.server->config().proto_max_bulk_len) {
      ctx.reply.Error(err::kStringTooLong);
      return;
    }
    e->value.Append(ctx.arg(2));
    new_len = e->value.StringLength();
    ctx.keyspace().SignalModifiedKey(ctx.db(), key);
  }
  ctx.server->dirty++;
  ctx.keyspace().NotifyKeyspaceEvent('$', "append", key, ctx.db()->index());
  ctx.reply.Integer(static_cast<int64_t>(new_len));
}

// STRLEN key
void StrLen(CommandContext& ctx) {
  bool wrong_type;
  const Value* v = ReadString(ctx, ctx.arg(1), &wrong_type);
  if (wrong_type) return;
  ctx.reply.Integer(v == nullptr ? 0 : static_cast<int64_t>(v->StringLength()));
}

// GETRANGE key start end (and SUBSTR)
void GetRange(CommandContext& ctx) {
  int64_t start, end;
  if (!ParseInt64(ctx.arg(2), &start) || !ParseInt64(ctx.arg(3), &end)) {
    ctx.reply.Error(err::kNotInteger);
    return;
  }
  bool wrong_type;
  const Value* v = ReadString(ctx, ctx.arg(1), &wrong_type);
  if (wrong_type) return;
  if (v == nullptr) {
    ctx.reply.Bulk("");
    return;
  }
  char scratch[24];
  std::string_view s = v->StringView(scratch);
  int64_t len = static_cast<int64_t>(s.size());
  if (start < 0 && end < 0 && start > end) {
    ctx.reply.Bulk("");
    return;
  }
  if (start < 0) start = len + start;
  if (end < 0) end = len + end;
  if (start < 0) start = 0;
  if (end < 0) end = 0;
  if (end >= len) end = len - 1;
  if (start > end || len == 0) {
    ctx.reply.Bulk("");
    return;
  }
  ctx.reply.Bulk(s.substr(static_cast<size_t>(start), static_cast<size_t>(end - start + 1)));
}

// SETRANGE key offset value
void SetRange(CommandContext& ctx) {
  std::string_view key = ctx.arg(1);
  std::string_view value = ctx.arg(3);
  int64_t offset;
  if (!ParseInt64(ctx.arg(2), &offset)) {
    ctx.reply.Error(err::kNotInteger);
    return;
  }
  if (offset < 0) {
    ctx.reply.Error(err::kOffsetOutOfRange);
    return;
  }
  bool wrong_type;
  DbEntry* e = ctx.Write(key, ObjType::kString, &wrong_type);
  if (wrong_type) return;
  if (e == nullptr && value.empty()) {
    ctx.reply.Integer(0);
    return;
  }
  if (e != nullptr && value.empty()) {
    ctx.reply.Integer(static_cast<int64_t>(e->value.StringLength()));
    return;
  }
  if (offset > ctx.server->config().proto_max_bulk_len - static_cast<int64_t>(value.size())) {
    ctx.reply.Error(err::kStringTooLong);
    return;
  }
  size_t end = static_cast<size_t>(offset) + value.size();
  if (e == nullptr) {
    e = ctx.keyspace().AddKey(ctx.db(), key, Value::RawString(""));
  } else {
    ctx.keyspace().SignalModifiedKey(ctx.db(), key);
  }
  size_t len = std::max(end, e->value.StringLength());
  char* bytes = e->value.MutableBytes(len);
  memcpy(bytes + offset, value.data(), value.size());
  ctx.server->dirty++;
  ctx.keyspace().NotifyKeyspaceEvent('$', "setrange", key, ctx.db()->index());
  ctx.reply.Integer(static_cast<int64_t>(len));
}

// LCS key1 key2 [LEN] [IDX] [MINMATCHLEN min-match-len] [WITHMATCHLEN]
void Lcs(CommandContext& ctx) {
  // Redis looks both keys up (and checks their types) before it reads the options.
  DbEntry* ea = ctx.keyspace().LookupRead(ctx.db(), ctx.arg(1));
  DbEntry* eb = ctx.keyspace().LookupRead(ctx.db(), ctx.arg(2));
  if ((ea != nullptr && !ea->value.is_string()) || (eb != nullptr && !eb->value.is_string())) {
    ctx.reply.Error(err::kLcsKeysNotStrings);
    return;
  }
  bool want_len = false, want_idx = false, with_match_len = false;
  int64_t min_match_len = 0;
  ArgCursor cur(ctx.args, 3);
  while (cur.ok() && !cur.done()) {
    if (cur.Consume("idx")) {
      want_idx = true;
    } else if (cur.Consume("len")) {
      want_len = true;
    } else if (cur.Consume("withmatchlen")) {
      with_match_len = true;
    } else if (cur.Consume("minmatchlen")) {
      // A missing value is a syntax error, a bad one "not an integer"; negatives mean 0.
      min_match_len = std::max<int64_t>(cur.NextInt64(), 0);
    } else {
      cur.Fail(err::kSyntax);
    }
  }
  if (!cur.ok()) {
    ctx.reply.Error(cur.error());
    return;
  }
  if (want_idx && want_len) {
    ctx.reply.Error(err::kLcsLenWithIdx);
    return;
  }
  char sa[24], sb[24];
  std::string a = ea ? std::string(ea->value.StringView(sa)) : std::string();
  std::string b = eb ? std::string(eb->value.StringView(sb)) : std::string();
  size_t alen = a.size(), blen = b.size();
  // The DP table is (alen+1)*(blen+1) 32-bit cells; refuse what would exceed the bulk limit.
  unsigned long long cells = (static_cast<unsigned long long>(alen) + 1) * (blen + 1);
  if (cells > static_cast<unsigned long long>(ctx.server->config().proto_max_bulk_len) / 4 ||
      (alen != 0 && cells / (alen + 1) != blen + 1)) {
    ctx.reply.Error(err::kLcsTooLarge);
    return;
  }
  std::vector<uint32_t> dp(cells, 0);
  auto at = [&](size_t i, size_t j) -> uint32_t& { return dp[j * (alen + 1) + i]; };
  for (size_t i = 1; i <= alen; i++) {
    for (size_t j = 1; j <= blen; j++) {
      if (a[i - 1] == b[j - 1])
        at(i, j) = at(i - 1, j - 1) + 1;
      else
        at(i, j) = std::max(at(i - 1, j), at(i, j - 1));
    }
  }
  uint32_t idx = at(alen, blen);
  if (want_len) {
    ctx.reply.Integer(idx);
    return;
  }
  std::string result(idx, '\0');
  struct Match {
    int64_t a_start, a_end, b_start, b_end;
  };
  std::vector<Match> matches;
  // Walk back from the bottom-right corner, collecting runs of consecutive matches.
  size_t i = alen, j = blen;
  int64_t arange_start = static_cast<int64_t>(alen), arange_end = 0;
  int64_t brange_start = 0, brange_end = 0;
  uint32_t k = idx;
  while (i > 0 && j > 0) {
    bool emit_range = false;
    if (a[i - 1] == b[j - 1]) {
      result[k - 1] = a[i - 1];
      if (arange_start == static_cast<int64_t>(alen)) {
        arange_start = static_cast<int64_t>(i - 1);
        arange_end = static_cast<int64_t>(i - 1);
        brange_start = static_cast<int64_t>(j - 1);
        brange_end = static_cast<int64_t>(j - 1);
      } else if (arange_start == static_cast<int64_t>(i) &&
                 brange_start == static_cast<int64_t>(j)) {
        arange_start--;
        brange_start--;
      } else {
        emit_range = true;
      }
      if (arange_start == 0 || brange_start == 0) emit_range = true;
      k--;
      i--;
      j--;
    } else {
      uint32_t lcs1 = at(i - 1, j), lcs2 = at(i, j - 1);
      if (lcs1 > lcs2)
        i--;
      else
        j--;
      if (arange_start != static_cast<int64_t>(alen)) emit_range = true;
    }
    if (emit_range) {
      int64_t match_len = arange_end - arange_start + 1;
      if (min_match_len == 0 || match_len >= min_match_len) {
        matches.push_back({arange_start, arange_end, brange_start, brange_end});
      }
      arange_start = static_cast<int64_t>(alen);
    }
  }
  if (!want_idx) {
    ctx.reply.Bulk(result);
    return;
  }
  ctx.reply.MapHeader(2);
  ctx.reply.Bulk("matches");
  ctx.reply.ArrayHeader(static_cast<int64_t>(matches.size()));
  for (const auto& m : matches) {
    ctx.reply.ArrayHeader(with_match_len ? 3 : 2);
    ctx.reply.ArrayHeader(2);
    ctx.reply.Integer(m.a_start);
    ctx.reply.Integer(m.a_end);
    ctx.reply.ArrayHeader(2);
    ctx.reply.Integer(m.b_start);
    ctx.reply.Integer(m.b_end);
    if (with_match_len) ctx.reply.Integer(m.a_end - m.a_start + 1);
  }
  ctx.reply.Bulk("len");
  ctx.reply.Integer(idx);
}

}  // namespace

void RegisterStringFamily(CommandTable& t) {
  t.Register("get", Get);
  t.Register("set", Set);
  t.Register("setnx", SetNx);
  t.Register("setex", SetEx);
  t.Register("psetex", PSetEx);
  t.Register("getset", GetSet);
  t.Register("getdel", GetDel);
  t.Register("getex", GetEx);
  t.Register("mget", MGet);
  t.Register("mset", MSet);
  t.Register("msetnx", MSetNx);
  t.Register("incr", Incr);
  t.Register("decr", Decr);
  t.Register("incrby", IncrBy);
  t.Register("decrby", DecrBy);
  t.Register("incrbyfloat", IncrByFloat);
  t.Register("append", Append);
  t.Register("strlen", StrLen);
  t.Register("getrange", GetRange);
  t.Register("substr", GetRange);
  t.Register("setrange", SetRange);
  t.Register("lcs", Lcs);
}

}  // namespace redsim
