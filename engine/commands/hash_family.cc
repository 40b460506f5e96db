// Hash commands: HSET and friends, counters (HINCRBY, HINCRBYFLOAT), whole-hash reads, HRANDFIELD
// and HSCAN. Representations and their conversion thresholds live in engine/types/hash_object.h;
// this file parses arguments, applies Redis 7.0's argument-checking order, and replies.
#include <cmath>
#include <memory>
#include <string>
#include <unordered_set>
#include <utility>
#include <vector>

#include "engine/base/strutil.h"
#include "engine/commands/families.h"
#include "engine/commands/scan_args.h"
#include "engine/server/command_context.h"
#include "engine/types/hash_object.h"

namespace redsim {
namespace {

constexpr std::string_view kHashValueNotInteger = "ERR hash value is not an integer";
constexpr std::string_view kHashValueNotFloat = "ERR hash value is not a float";
constexpr std::string_view kIncrementNanOrInf = "ERR value is NaN or Infinity";
constexpr std::string_view kValueOutOfRange = "ERR value is out of range";
constexpr std::string_view kCountRangeError =
    "ERR value is out of range, value must between -9223372036854775807 and "
    "9223372036854775807";

// ---- Keyspace-level helpers ----------------------------------------------------------------

hash::Limits LimitsOf(const Server* server) {
  return {server->config().hash_max_listpack_entries, server->config().hash_max_listpack_value};
}

HashObject* ReadHash(CommandContext& ctx, std::string_view key, bool* wrong_type) {
  DbEntry* e = ctx.Read(key, ObjType::kHash, wrong_type);
  return e == nullptr ? nullptr : e->value.As<HashObject>();
}

// The entry of the hash at `key` for writing, created (empty, with room for `expected_bytes`)
// when absent; nullptr after replying WRONGTYPE.
DbEntry* HashForWrite(CommandContext& ctx, std::string_view key, size_t expected_bytes) {
  bool wrong_type;
  DbEntry* e = ctx.Write(key, ObjType::kHash, &wrong_type);
  if (wrong_type) return nullptr;
  if (e == nullptr) {
    return ctx.keyspace().AddKey(ctx.db(), key, Value::FromObject(hash::Create(expected_bytes)));
  }
  hash::Reserve(e->value, expected_bytes);
  return e;
}

bool SetField(CommandContext& ctx, DbEntry* e, std::string_view field, std::string_view value) {
  return hash::Set(e->value, field, value, LimitsOf(ctx.server), ctx.server->rng());
}

void Touched(CommandContext& ctx, std::string_view key, const char* event) {
  ctx.Modified(key, 'h', event, /*changes=*/0);  // callers count their own changes
}

// ---- Setting fields -------------------------------------------------------------------------

// HSET / HMSET key field value [field value ...]
void SetGeneric(CommandContext& ctx, bool reply_ok) {
  if (ctx.argc() % 2 != 0) {
    ctx.reply.Error(err::WrongArgs(ctx.cmd->name));
    return;
  }
  std::string_view key = ctx.arg(1);
  size_t bytes = 0;
  for (size_t i = 2; i < ctx.argc(); i += 2) {
    bytes += hash::PackedPairBytes(ctx.arg(i), ctx.arg(i + 1));
  }
  DbEntry* e = HashForWrite(ctx, key, bytes);
  if (e == nullptr) return;
  int64_t created = 0;
  for (size_t i = 2; i < ctx.argc(); i += 2) {
    created += SetField(ctx, e, ctx.arg(i), ctx.arg(i + 1)) ? 1 : 0;
  }
  Touched(ctx, key, "hset");
  ctx.server->dirty += (ctx.argc() - 2) / 2;
  if (reply_ok)
    ctx.reply.Ok();
  else
    ctx.reply.Integer(created);
}

void HSet(CommandContext& ctx) { SetGeneric(ctx, false); }
void HMSet(CommandContext& ctx) { SetGeneric(ctx, true); }

// HSETNX key field value
void HSetNx(CommandContext& ctx) {
  std::string_view key = ctx.arg(1);
  DbEntry* e = HashForWrite(ctx, key, hash::PackedPairBytes(ctx.arg(2), ctx.arg(3)));
  if (e == nullptr) return;
  if (e->value.As<HashObject>()->Find(ctx.arg(2))) {
    ctx.reply.Integer(0);
    return;
  }
  SetField(ctx, e, ctx.arg(2), ctx.arg(3));
  Touched(ctx, key, "hset");
  ctx.server->dirty++;
  ctx.reply.Integer(1);
}

// HDEL key field [field ...]
void HDel(CommandContext& ctx) {
  std::string_view key = ctx.arg(1);
  bool wrong_type;
  DbEntry* e = ctx.Write(key, ObjType::kHash, &wrong_type);
  if (wrong_type) return;
  if (e == nullptr) {
    ctx.reply.Integer(0);
    return;
  }
  int64_t deleted = 0;
  bool key_removed = false;
  for (size_t i = 2; i < ctx.argc(); i++) {
    if (!hash::Delete(e->value, ctx.arg(i))) continue;
    deleted++;
    if (e->value.As<HashObject>()->Length() == 0) {
      ctx.keyspace().DeleteKey(ctx.db(), key);
      key_removed = true;
      break;
    }
  }
  if (deleted > 0) {
    Touched(ctx, key, "hdel");
    if (key_removed) ctx.keyspace().NotifyKeyspaceEvent('g', "del", key, ctx.db()->index());
    ctx.server->dirty += static_cast<uint64_t>(deleted);
  }
  ctx.reply.Integer(deleted);
}

// ---- Reading fields -------------------------------------------------------------------------

// HGET key field
void HGet(CommandContext& ctx) {
  bool wrong_type;
  HashObject* h = ReadHash(ctx, ctx.arg(1), &wrong_type);
  if (wrong_type) return;
  auto value = h == nullptr ? std::nullopt : h->Find(ctx.arg(2));
  if (value)
    ctx.reply.Bulk(*value);
  else
    ctx.reply.Null();
}

// HMGET key field [field ...]
void HMGet(CommandContext& ctx) {
  bool wrong_type;
  HashObject* h = ReadHash(ctx, ctx.arg(1), &wrong_type);
  if (wrong_type) return;
  ctx.reply.ArrayHeader(static_cast<int64_t>(ctx.argc() - 2));
  for (size_t i = 2; i < ctx.argc(); i++) {
    auto value = h == nullptr ? std::nullopt : h->Find(ctx.arg(i));
    if (value)
      ctx.reply.Bulk(*value);
    else
      ctx.reply.Null();
  }
}

// HLEN key
void HLen(CommandContext& ctx) {
  bool wrong_type;
  HashObject* h = ReadHash(ctx, ctx.arg(1), &wrong_type);
  if (wrong_type) return;
  ctx.reply.Integer(h == nullptr ? 0 : static_cast<int64_t>(h->Length()));
}

// HSTRLEN key field
void HStrLen(CommandContext& ctx) {
  bool wrong_type;
  HashObject* h = ReadHash(ctx, ctx.arg(1), &wrong_type);
  if (wrong_type) return;
  auto value = h == nullptr ? std::nullopt : h->Find(ctx.arg(2));
  ctx.reply.Integer(value ? static_cast<int64_t>(value->size()) : 0);
}

// HEXISTS key field
void HExists(CommandContext& ctx) {
  bool wrong_type;
  HashObject* h = ReadHash(ctx, ctx.arg(1), &wrong_type);
  if (wrong_type) return;
  ctx.reply.Integer(h != nullptr && h->Find(ctx.arg(2)) ? 1 : 0);
}

enum GetAllParts : unsigned { kFields = 1, kValues = 2 };

// HKEYS / HVALS / HGETALL key
void GetAllGeneric(CommandContext& ctx, unsigned parts) {
  bool wrong_type;
  HashObject* h = ReadHash(ctx, ctx.arg(1), &wrong_type);
  if (wrong_type) return;
  int64_t n = h == nullptr ? 0 : static_cast<int64_t>(h->Length());
  if (parts == (kFields | kValues))
    ctx.reply.MapHeader(n);
  else
    ctx.reply.ArrayHeader(n);
  if (h == nullptr) return;
  h->ForEach([&](std::string_view field, std::string_view value) {
    if (parts & kFields) ctx.reply.Bulk(field);
    if (parts & kValues) ctx.reply.Bulk(value);
  });
}

void HKeys(CommandContext& ctx) { GetAllGeneric(ctx, kFields); }
void HVals(CommandContext& ctx) { GetAllGeneric(ctx, kValues); }
void HGetAll(CommandContext& ctx) { GetAllGeneric(ctx, kFields | kValues); }

// ---- Counters -------------------------------------------------------------------------------

// HINCRBY key field increment
void HIncrBy(CommandContext& ctx) {
  int64_t increment;
  if (!ParseInt64(ctx.arg(3), &increment)) {
    ctx.reply.Error(err::kNotInteger);
    return;
  }
  std::string_view key = ctx.arg(1);
  std::string_view field = ctx.arg(2);
  DbEntry* e = HashForWrite(ctx, key, 0);
  if (e == nullptr) return;
  int64_t current = 0;
  auto old = e->value.As<HashObject>()->Find(field);
  if (old && !ParseInt64(*old, &current)) {
    ctx.reply.Error(kHashValueNotInteger);
    return;
  }
  if ((increment < 0 && current < 0 && increment < INT64_MIN - current) ||
      (increment > 0 && current > 0 && increment > INT64_MAX - current)) {
    ctx.reply.Error(err::kOverflow);
    return;
  }
  int64_t result = current + increment;
  SetField(ctx, e, field, Int64ToString(result));
  Touched(ctx, key, "hincrby");
  ctx.server->dirty++;
  ctx.reply.Integer(result);
}

// HINCRBYFLOAT key field increment
void HIncrByFloat(CommandContext& ctx) {
  long double increment;
  if (!ParseLongDouble(ctx.arg(3), &increment)) {
    ctx.reply.Error(err::kNotFloat);
    return;
  }
  if (std::isnan(increment) || std::isinf(increment)) {
    ctx.reply.Error(kIncrementNanOrInf);
    return;
  }
  std::string_view key = ctx.arg(1);
  std::string_view field = ctx.arg(2);
  DbEntry* e = HashForWrite(ctx, key, 0);
  if (e == nullptr) return;
  long double current = 0;
  auto old = e->value.As<HashObject>()->Find(field);
  if (old && !ParseLongDouble(*old, &current)) {
    ctx.reply.Error(kHashValueNotFloat);
    return;
  }
  long double result = current + increment;
  if (std::isnan(result) || std::isinf(result)) {
    ctx.reply.Error(err::kIncrFloatNanOrInf);
    return;
  }
  std::string text = LongDoubleToString(result);
  SetField(ctx, e, field, text);
  Touched(ctx, key, "hincrbyfloat");
  ctx.server->dirty++;
  ctx.reply.Bulk(text);
  // Replicas and the AOF get the exact resulting text, so float formatting cannot diverge.
  ctx.PropagateAs({"HSET", std::string(key), std::string(field), text});
}

// ---- HRANDFIELD -----------------------------------------------------------------------------

using Pair = std::pair<std::string_view, std::string_view>;

std::vector<Pair> AllPairs(const HashObject* h) {
  std::vector<Pair> pairs;
  pairs.reserve(h->Length());
  h->ForEach([&](std::string_view f, std::string_view v) { pairs.emplace_back(f, v); });
  return pairs;
}

// Replies `n` picks: in RESP3, WITHVALUES gives [field, value] pairs; in RESP2 a flat array.
class PickReplier {
 public:
  PickReplier(ReplyBuilder& reply, bool with_values, uint64_t n)
      : reply_(reply), with_values_(with_values) {
    bool flat = with_values && reply.resp() == 2;
    reply.ArrayHeader(static_cast<int64_t>(flat ? 2 * n : n));
  }
  void Add(std::string_view field, std::string_view value) {
    if (with_values_ && reply_.resp() > 2) reply_.ArrayHeader(2);
    reply_.Bulk(field);
    if (with_values_) reply_.Bulk(value);
  }

 private:
  ReplyBuilder& reply_;
  bool with_values_;
};

void RandomFieldsWithCount(CommandContext& ctx, int64_t count, bool with_values) {
  bool wrong_type;
  HashObject* h = ReadHash(ctx, ctx.arg(1), &wrong_type);
  if (wrong_type) return;
  if (h == nullptr || count == 0) {
    ctx.reply.EmptyArray();
    return;
  }
  Random& rng = ctx.server->rng();
  uint64_t size = h->Length();
  if (count < 0) {
    // Picks with repetition. A packed hash is walked once into an array; a table picks in O(1).
    uint64_t n = 0 - static_cast<uint64_t>(count);
    PickReplier out(ctx.reply, with_values, n);
    if (h->packed()) {
      std::vector<Pair> pairs = AllPairs(h);
      for (uint64_t i = 0; i < n; i++) {
        const Pair& p = pairs[rng.Uniform(pairs.size())];
        out.Add(p.first, p.second);
      }
    } else {
      auto add = [&](std::string_view f, std::string_view v) { out.Add(f, v); };
      for (uint64_t i = 0; i < n; i++) h->RandomField(rng, add);
    }
    return;
  }
  uint64_t n = static_cast<uint64_t>(count);
  PickReplier out(ctx.reply, with_values, n < size ? n : size);
  if (n >= size) {
    h->ForEach([&](std::string_view f, std::string_view v) { out.Add(f, v); });
  } else if (h->packed() || n * 3 > size) {
    // Many of the fields: a partial shuffle of all of them picks n distinct ones.
    std::vector<Pair> pairs = AllPairs(h);
    for (uint64_t i = 0; i < n; i++) {
      uint64_t j = i + rng.Uniform(pairs.size() - i);
      std::swap(pairs[i], pairs[j]);
      out.Add(pairs[i].first, pairs[i].second);
    }
  } else {
    // Few of many: random picks until n distinct fields were seen.
    std::unordered_set<std::string_view> seen;
    while (seen.size() < n) {
      h->RandomField(rng, [&](std::string_view f, std::string_view v) {
        if (seen.insert(f).second) out.Add(f, v);
      });
    }
  }
}

// HRANDFIELD key [count [WITHVALUES]]
void HRandField(CommandContext& ctx) {
  if (ctx.argc() >= 3) {
    int64_t count;
    if (!ParseInt64(ctx.arg(2), &count)) {
      ctx.reply.Error(err::kNotInteger);
      return;
    }
    if (count == INT64_MIN) {
      ctx.reply.Error(kCountRangeError);
      return;
    }
    if (ctx.argc() > 4 || (ctx.argc() == 4 && !EqualsIgnoreCase(ctx.arg(3), "withvalues"))) {
      ctx.reply.Error(err::kSyntax);
      return;
    }
    bool with_values = ctx.argc() == 4;
    // With values the reply holds two entries per pick: the count must stay countable.
    if (with_values && (count < -(INT64_MAX / 2) || count > INT64_MAX / 2)) {
      ctx.reply.Error(kValueOutOfRange);
      return;
    }
    RandomFieldsWithCount(ctx, count, with_values);
    return;
  }
  bool wrong_type;
  HashObject* h = ReadHash(ctx, ctx.arg(1), &wrong_type);
  if (wrong_type) return;
  if (h == nullptr) {
    ctx.reply.Null();
    return;
  }
  h->RandomField(ctx.server->rng(),
                 [&](std::string_view f, std::string_view) { ctx.reply.Bulk(f); });
}

// ---- HSCAN ----------------------------------------------------------------------------------

// HSCAN key cursor [MATCH pattern] [COUNT count]
void HScan(CommandContext& ctx) {
  uint64_t cursor;
  ScanOptions opts;
  DbEntry* e = BeginCollectionScan(ctx, ObjType::kHash, &cursor, &opts);
  if (e == nullptr) return;
  HashObject* h = e->value.As<HashObject>();
  std::vector<Pair> found;
  uint64_t next =
      h->Scan(cursor, static_cast<size_t>(opts.count), [&](std::string_view f, std::string_view v) {
        if (!opts.use_pattern || GlobMatch(opts.pattern, f)) found.emplace_back(f, v);
      });
  ctx.reply.ArrayHeader(2);
  ctx.reply.Bulk(std::to_string(next));
  ctx.reply.ArrayHeader(static_cast<int64_t>(2 * found.size()));
  for (const auto& [f, v] : found) {
    ctx.reply.Bulk(f);
    ctx.reply.Bulk(v);
  }
}

}  // namespace

void RegisterHashFamily(CommandTable& t) {
  t.Register("hset", HSet);
  t.Register("hmset", HMSet);
  t.Register("hsetnx", HSetNx);
  t.Register("hdel", HDel);
  t.Register("hget", HGet);
  t.Register("hmget", HMGet);
  t.Register("hlen", HLen);
  t.Register("hstrlen", HStrLen);
  t.Register("hexists", HExists);
  t.Register("hkeys", HKeys);
  t.Register("hvals", HVals);
  t.Register("hgetall", HGetAll);
  t.Register("hincrby", HIncrBy);
  t.Register("hincrbyfloat", HIncrByFloat);
  t.Register("hrandfield", HRandField);
  t.Register("hscan", HScan);
}

}  // namespace redsim
