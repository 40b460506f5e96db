// Set commands: SADD and friends, random picks, algebra (SINTER/SUNION/SDIFF and their STORE
// forms), SSCAN.
//
// The encodings (intset / hashtable) and their conversions live in SetObject; this file follows
// Redis 7.0's choices of which encoding a new or computed set starts in, so OBJECT ENCODING
// answers as Redis does (e.g. SUNIONSTORE of integer sets is an intset).
#include <algorithm>
#include <climits>
#include <unordered_set>

#include "engine/base/strutil.h"
#include "engine/commands/families.h"
#include "engine/commands/scan_args.h"
#include "engine/server/arg_cursor.h"
#include "engine/server/command_context.h"
#include "engine/types/set_object.h"

namespace redsim {
namespace {

// ---- Keyspace-level helpers -------------------------------------------------------------------

SetObject* AsSet(DbEntry* e) { return e == nullptr ? nullptr : e->value.As<SetObject>(); }

int64_t MaxIntset(const CommandContext& ctx) { return ctx.server->config().set_max_intset_entries; }

// Stores `set` at `key` (replacing whatever is there, any type), or deletes the key when the set
// is empty, with the notifications the STORE commands send. Returns the stored cardinality.
int64_t StoreSet(CommandContext& ctx, std::string_view key, std::unique_ptr<SetObject> set,
                 std::string_view event) {
  Server* server = ctx.server;
  Database* db = ctx.db();
  int64_t card = static_cast<int64_t>(set->Length());
  if (card == 0) {
    if (server->keyspace().LookupWrite(db, key) != nullptr) {
      server->keyspace().DeleteKey(db, key);
      server->keyspace().NotifyKeyspaceEvent('g', "del", key, db->index());
      server->dirty++;
    }
    return 0;
  }
  server->keyspace().SetKey(db, key, Value::FromObject(std::move(set)));
  server->keyspace().NotifyKeyspaceEvent('s', std::string(event), key, db->index());
  server->dirty++;
  return card;
}

// Deletes `key` if its set became empty (after SREM, SPOP, SMOVE).
void DeleteIfEmpty(CommandContext& ctx, std::string_view key, SetObject* set) {
  if (set->Length() != 0) return;
  ctx.keyspace().DeleteKey(ctx.db(), key);
  ctx.keyspace().NotifyKeyspaceEvent('g', "del", key, ctx.db()->index());
}

void ReplyMembers(ReplyBuilder& reply, const SetObject& set) {
  reply.SetHeader(static_cast<int64_t>(set.Length()));
  set.ForEachMember([&](std::string_view m) { reply.Bulk(m); });
}

// ---- Basic commands ---------------------------------------------------------------------------

// SADD key member [member ...]
void SAdd(CommandContext& ctx) {
  bool wrong_type;
  std::string_view key = ctx.arg(1);
  DbEntry* e = ctx.Write(key, ObjType::kSet, &wrong_type);
  if (wrong_type) return;
  SetObject* set = AsSet(e);
  if (set == nullptr) {
    auto created = SetObject::CreateFor(ctx.arg(2), ctx.server->rng().Next());
    set = created.get();
    ctx.keyspace().AddKey(ctx.db(), key, Value::FromObject(std::move(created)));
  }
  int64_t added = 0;
  for (size_t i = 2; i < ctx.argc(); i++) {
    if (set->Add(ctx.arg(i), MaxIntset(ctx))) added++;
  }
  if (added > 0) ctx.Modified(key, 's', "sadd", static_cast<uint64_t>(added));
  ctx.reply.Integer(added);
}

// SREM key member [member ...]
void SRem(CommandContext& ctx) {
  bool wrong_type;
  std::string_view key = ctx.arg(1);
  SetObject* set = AsSet(ctx.Write(key, ObjType::kSet, &wrong_type));
  if (wrong_type) return;
  int64_t removed = 0;
  if (set != nullptr) {
    for (size_t i = 2; i < ctx.argc() && set->Length() > 0; i++) {
      if (set->Remove(ctx.arg(i))) removed++;
    }
  }
  if (removed > 0) {
    ctx.keyspace().NotifyKeyspaceEvent('s', "srem", key, ctx.db()->index());
    DeleteIfEmpty(ctx, key, set);
    ctx.keyspace().SignalModifiedKey(ctx.db(), key);
    ctx.server->dirty += static_cast<uint64_t>(removed);
  }
  ctx.reply.Integer(removed);
}

// SCARD key
void SCard(CommandContext& ctx) {
  bool wrong_type;
  SetObject* set = AsSet(ctx.Read(ctx.arg(1), ObjType::kSet, &wrong_type));
  if (wrong_type) return;
  ctx.reply.Integer(set == nullptr ? 0 : static_cast<int64_t>(set->Length()));
}

// SISMEMBER key member
void SIsMember(CommandContext& ctx) {
  bool wrong_type;
  SetObject* set = AsSet(ctx.Read(ctx.arg(1), ObjType::kSet, &wrong_type));
  if (wrong_type) return;
  ctx.reply.Integer(set != nullptr && set->Contains(ctx.arg(2)) ? 1 : 0);
}

// SMISMEMBER key member [member ...]
void SMIsMember(CommandContext& ctx) {
  bool wrong_type;
  SetObject* set = AsSet(ctx.Read(ctx.arg(1), ObjType::kSet, &wrong_type));
  if (wrong_type) return;
  ctx.reply.ArrayHeader(static_cast<int64_t>(ctx.argc() - 2));
  for (size_t i = 2; i < ctx.argc(); i++) {
    ctx.reply.Integer(set != nullptr && set->Contains(ctx.arg(i)) ? 1 : 0);
  }
}

// SMOVE source destination member
void SMove(CommandContext& ctx) {
  Server* server = ctx.server;
  Database* db = ctx.db();
  std::string_view src = ctx.arg(1), dst = ctx.arg(2), member = ctx.arg(3);
  DbEntry* src_entry = server->keyspace().LookupWrite(db, src);
  DbEntry* dst_entry = server->keyspace().LookupWrite(db, dst);
  if (src_entry == nullptr) {
    ctx.reply.Integer(0);
    return;
  }
  if (src_entry->value.type() != ObjType::kSet ||
      (dst_entry != nullptr && dst_entry->value.type() != ObjType::kSet)) {
    ctx.reply.Error(err::kWrongType);
    return;
  }
  SetObject* src_set = AsSet(src_entry);
  if (src_entry == dst_entry) {
    ctx.reply.Integer(src_set->Contains(member) ? 1 : 0);
    return;
  }
  if (!src_set->Remove(member)) {
    ctx.reply.Integer(0);
    return;
  }
  server->keyspace().NotifyKeyspaceEvent('s', "srem", src, db->index());
  DeleteIfEmpty(ctx, src, src_set);
  SetObject* dst_set = AsSet(dst_entry);
  if (dst_set == nullptr) {
    auto created = SetObject::CreateFor(member, server->rng().Next());
    dst_set = created.get();
    server->keyspace().AddKey(db, dst, Value::FromObject(std::move(created)));
  }
  server->keyspace().SignalModifiedKey(db, src);
  server->dirty++;
  if (dst_set->Add(member, MaxIntset(ctx))) {
    server->dirty++;
    server->keyspace().SignalModifiedKey(db, dst);
    server->keyspace().NotifyKeyspaceEvent('s', "sadd", dst, db->index());
  }
  ctx.reply.Integer(1);
}

// ---- Random picks -----------------------------------------------------------------------------

// Redis pops by rebuilding the set from the survivors when fewer than 1/5 of the popped count
// would remain; the survivors' set then starts in the encoding of its first member, which is
// visible through OBJECT ENCODING, so it is done the same way here.
constexpr int64_t kSpopMoveStrategyMul = 5;

void SPopWithCount(CommandContext& ctx) {
  int64_t count;
  if (!ParseInt64(ctx.arg(2), &count) || count < 0) {
    ctx.reply.Error(err::kCountPositive);
    return;
  }
  bool wrong_type;
  std::string key(ctx.arg(1));
  DbEntry* e = ctx.Write(key, ObjType::kSet, &wrong_type);
  if (wrong_type) return;
  SetObject* set = AsSet(e);
  if (set == nullptr || count == 0) {
    ctx.reply.SetHeader(0);
    return;
  }
  Server* server = ctx.server;
  Database* db = ctx.db();
  int64_t size = static_cast<int64_t>(set->Length());
  server->keyspace().NotifyKeyspaceEvent('s', "spop", key, db->index());
  server->dirty += static_cast<uint64_t>(std::min(count, size));
  if (count >= size) {
    ReplyMembers(ctx.reply, *set);
    server->keyspace().DeleteKey(db, key);
    server->keyspace().NotifyKeyspaceEvent('g', "del", key, db->index());
    ctx.PropagateAs({"DEL", key});
    return;
  }
  std::vector<std::string> popped;
  int64_t remaining = size - count;
  if (remaining * kSpopMoveStrategyMul > count) {
    for (int64_t i = 0; i < count; i++) popped.push_back(set->PopRandom(server->rng()));
  } else {
    std::unique_ptr<SetObject> survivors;
    for (int64_t i = 0; i < remaining; i++) {
      std::string m = set->PopRandom(server->rng());
      if (!survivors) survivors = SetObject::CreateFor(m, server->rng().Next());
      survivors->Add(m, MaxIntset(ctx));
    }
    popped = set->Members();
    e->value = Value::FromObject(std::move(survivors));
  }
  ctx.reply.SetHeader(static_cast<int64_t>(popped.size()));
  for (const auto& m : popped) ctx.reply.Bulk(m);
  // One SREM per member, as Redis 7.0 does; the propagation unit wraps them in MULTI ... EXEC.
  ctx.PropagateAs({});
  for (const auto& m : popped) ctx.AlsoPropagate({"SREM", key, m});
  server->keyspace().SignalModifiedKey(db, key);
}

// SPOP key [count]
void SPop(CommandContext& ctx) {
  if (ctx.argc() == 3) {
    SPopWithCount(ctx);
    return;
  }
  if (ctx.argc() > 3) {
    ctx.reply.Error(err::kSyntax);
    return;
  }
  bool wrong_type;
  std::string key(ctx.arg(1));
  SetObject* set = AsSet(ctx.Write(key, ObjType::kSet, &wrong_type));
  if (wrong_type) return;
  if (set == nullptr) {
    ctx.reply.Null();
    return;
  }
  std::string member = set->PopRandom(ctx.server->rng());
  ctx.keyspace().NotifyKeyspaceEvent('s', "spop", key, ctx.db()->index());
  ctx.reply.Bulk(member);
  DeleteIfEmpty(ctx, key, set);
  ctx.PropagateAs({"SREM", key, member});
  ctx.keyspace().SignalModifiedKey(ctx.db(), key);
  ctx.server->dirty++;
}

// Positive count: distinct members; negative: |count| picks with repetition.
void SRandMemberWithCount(CommandContext& ctx) {
  int64_t count;
  if (!ParseInt64(ctx.arg(2), &count)) {
    ctx.reply.Error(err::kNotInteger);
    return;
  }
  if (count == INT64_MIN) {
    ctx.reply.Error(
        "ERR value is out of range, value must between -9223372036854775807 and "
        "9223372036854775807");
    return;
  }
  bool wrong_type;
  SetObject* set = AsSet(ctx.Read(ctx.arg(1), ObjType::kSet, &wrong_type));
  if (wrong_type) return;
  if (set == nullptr || count == 0) {
    ctx.reply.ArrayHeader(0);
    return;
  }
  Random& rng = ctx.server->rng();
  if (count < 0) {
    ctx.reply.ArrayHeader(-count);
    for (int64_t i = 0; i < -count; i++) ctx.reply.Bulk(set->RandomMember(rng));
    return;
  }
  size_t size = set->Length();
  if (static_cast<uint64_t>(count) >= size) {
    ctx.reply.ArrayHeader(static_cast<int64_t>(size));
    set->ForEachMember([&](std::string_view m) { ctx.reply.Bulk(m); });
    return;
  }
  if (static_cast<uint64_t>(count) * 3 <= size) {
    // Few picks from a big set: draw at random, skipping repeats (no copy of the set).
    std::unordered_set<std::string> picked;
    while (picked.size() < static_cast<size_t>(count)) picked.insert(set->RandomMember(rng));
    ctx.reply.ArrayHeader(count);
    for (const auto& m : picked) ctx.reply.Bulk(m);
    return;
  }
  // Many picks: a partial shuffle of a snapshot, drawing without replacement.
  std::vector<std::string> members = set->Members();
  ctx.reply.ArrayHeader(count);
  for (int64_t i = 0; i < count; i++) {
    size_t j = static_cast<size_t>(i) + rng.Uniform(members.size() - static_cast<size_t>(i));
    std::swap(members[static_cast<size_t>(i)], members[j]);
    ctx.reply.Bulk(members[static_cast<size_t>(i)]);
  }
}

// SRANDMEMBER key [count]
void SRandMember(CommandContext& ctx) {
  if (ctx.argc() == 3) {
    SRandMemberWithCount(ctx);
    return;
  }
  if (ctx.argc() > 3) {
    ctx.reply.Error(err::kSyntax);
    return;
  }
  bool wrong_type;
  SetObject* set = AsSet(ctx.Read(ctx.arg(1), ObjType::kSet, &wrong_type));
  if (wrong_type) return;
  if (set == nullptr)
    ctx.reply.Null();
  else
    ctx.reply.Bulk(set->RandomMember(ctx.server->rng()));
}

// ---- Algebra ----------------------------------------------------------------------------------

// Looks up the sets named by args[first..first+n). Missing keys are nullptr. Replies WRONGTYPE
// and returns false if one is not a set. With `stop_at_missing`, stops looking at the first
// missing key (SINTER answers empty before checking the types of later keys).
bool LoadSets(CommandContext& ctx, size_t first, size_t n, bool for_write,
              std::vector<SetObject*>* sets, bool* any_missing) {
  *any_missing = false;
  for (size_t i = 0; i < n; i++) {
    std::string_view key = ctx.arg(first + i);
    // Redis 7.0 reads the sources as reads even for the STORE variants (hit/miss statistics,
    // "keymiss" notifications); the destination is written separately.
    (void)for_write;
    DbEntry* e = ctx.keyspace().LookupRead(ctx.db(), key);
    if (e == nullptr) {
      *any_missing = true;
      sets->push_back(nullptr);
      continue;
    }
    if (e->value.type() != ObjType::kSet) {
      ctx.reply.Error(err::kWrongType);
      return false;
    }
    sets->push_back(AsSet(e));
  }
  return true;
}

// Members of the intersection, walking the smallest set. Stops after `limit` (0: no limit).
std::vector<std::string> Intersect(std::vector<SetObject*> sets, size_t limit, size_t* count_only) {
  std::sort(sets.begin(), sets.end(),
            [](SetObject* a, SetObject* b) { return a->Length() < b->Length(); });
  std::vector<std::string> out;
  size_t count = 0;
  bool done = false;
  sets[0]->ForEachMember([&](std::string_view m) {
    if (done) return;
    for (size_t j = 1; j < sets.size(); j++) {
      if (sets[j] == sets[0]) continue;
      if (!sets[j]->Contains(m)) return;
    }
    count++;
    if (count_only == nullptr) out.emplace_back(m);
    if (limit != 0 && count >= limit) done = true;
  });
  if (count_only != nullptr) *count_only = count;
  return out;
}

// SINTER / SINTERSTORE. `first` is the index of the first source key.
void SInterGeneric(CommandContext& ctx, size_t first, const std::string* dst) {
  std::vector<SetObject*> sets;
  bool any_missing;
  if (!LoadSets(ctx, first, ctx.argc() - first, dst != nullptr, &sets, &any_missing)) return;
  std::vector<std::string> members;
  if (!any_missing) members = Intersect(sets, 0, nullptr);
  if (dst == nullptr) {
    ctx.reply.SetHeader(static_cast<int64_t>(members.size()));
    for (const auto& m : members) ctx.reply.Bulk(m);
    return;
  }
  auto result = SetObject::CreateIntset(ctx.server->rng().Next());
  for (const auto& m : members) result->Add(m, MaxIntset(ctx));
  ctx.reply.Integer(StoreSet(ctx, *dst, std::move(result), "sinterstore"));
}

enum class SetOp { kUnion, kDiff };

// SUNION / SDIFF and their STORE forms. Builds the result set as Redis does (starting as an
// intset), including its choice between the two difference algorithms, because the order of
// adds and removes decides the result's encoding.
std::unique_ptr<SetObject> UnionOrDiff(CommandContext& ctx, const std::vector<SetObject*>& sets,
                                       SetOp op) {
  auto result = SetObject::CreateIntset(ctx.server->rng().Next());
  int64_t max_intset = MaxIntset(ctx);
  if (op == SetOp::kUnion) {
    for (SetObject* s : sets) {
      if (s == nullptr) continue;
      s->ForEachMember([&](std::string_view m) { result->Add(m, max_intset); });
    }
    return result;
  }
  if (sets[0] == nullptr) return result;
  size_t work_one = 0, work_two = 0;
  for (SetObject* s : sets) {
    if (s == nullptr) continue;
    work_one += sets[0]->Length();
    work_two += s->Length();
  }
  if (work_one / 2 <= work_two) {
    sets[0]->ForEachMember([&](std::string_view m) {
      for (size_t j = 1; j < sets.size(); j++) {
        if (sets[j] == nullptr) continue;
        if (sets[j] == sets[0] || sets[j]->Contains(m)) return;
      }
      result->Add(m, max_intset);
    });
    return result;
  }
  for (size_t j = 0; j < sets.size(); j++) {
    if (sets[j] == nullptr) continue;
    sets[j]->ForEachMember([&](std::string_view m) {
      if (j == 0)
        result->Add(m, max_intset);
      else
        result->Remove(m);
    });
    if (result->Length() == 0) break;
  }
  return result;
}

void SUnionDiffGeneric(CommandContext& ctx, size_t first, const std::string* dst, SetOp op) {
  std::vector<SetObject*> sets;
  bool any_missing;
  if (!LoadSets(ctx, first, ctx.argc() - first, dst != nullptr, &sets, &any_missing)) return;
  auto result = UnionOrDiff(ctx, sets, op);
  if (dst == nullptr) {
    ReplyMembers(ctx.reply, *result);
    return;
  }
  const char* event = op == SetOp::kUnion ? "sunionstore" : "sdiffstore";
  ctx.reply.Integer(StoreSet(ctx, *dst, std::move(result), event));
}

// SINTER key [key ...]
void SInter(CommandContext& ctx) { SInterGeneric(ctx, 1, nullptr); }
// SMEMBERS key
void SMembers(CommandContext& ctx) { SInterGeneric(ctx, 1, nullptr); }
// SINTERSTORE destination key [key ...]
void SInterStore(CommandContext& ctx) {
  std::string dst(ctx.arg(1));
  SInterGeneric(ctx, 2, &dst);
}
// SUNION key [key ...]
void SUnion(CommandContext& ctx) { SUnionDiffGeneric(ctx, 1, nullptr, SetOp::kUnion); }
// SUNIONSTORE destination key [key ...]
void SUnionStore(CommandContext& ctx) {
  std::string dst(ctx.arg(1));
  SUnionDiffGeneric(ctx, 2, &dst, SetOp::kUnion);
}
// SDIFF key [key ...]
void SDiff(CommandContext& ctx) { SUnionDiffGeneric(ctx, 1, nullptr, SetOp::kDiff); }
// SDIFFSTORE destination key [key ...]
void SDiffStore(CommandContext& ctx) {
  std::string dst(ctx.arg(1));
  SUnionDiffGeneric(ctx, 2, &dst, SetOp::kDiff);
}

// SINTERCARD numkeys key [key ...] [LIMIT limit]
void SInterCard(CommandContext& ctx) {
  int64_t numkeys;
  if (!ParseInt64(ctx.arg(1), &numkeys) || numkeys <= 0) {
    ctx.reply.Error(err::kNumkeysNotPositive);
    return;
  }
  if (numkeys > static_cast<int64_t>(ctx.argc() - 2)) {
    ctx.reply.Error(err::kMoreKeysThanArgs);
    return;
  }
  int64_t limit = 0;
  ArgCursor cur(ctx.args, 2 + static_cast<size_t>(numkeys));
  while (cur.ok() && !cur.done()) {
    // LIMIT without its value is a syntax error; a bad or negative value is answered at once.
    if (cur.remaining() >= 2 && cur.Consume("limit")) {
      limit = cur.NextInt64("ERR LIMIT can't be negative");
      if (cur.ok() && limit < 0) cur.Fail("ERR LIMIT can't be negative");
    } else {
      cur.Fail(err::kSyntax);
    }
  }
  if (!cur.ok()) {
    ctx.reply.Error(cur.error());
    return;
  }
  std::vector<SetObject*> sets;
  bool any_missing;
  if (!LoadSets(ctx, 2, static_cast<size_t>(numkeys), false, &sets, &any_missing)) return;
  size_t count = 0;
  if (!any_missing) Intersect(sets, static_cast<size_t>(limit), &count);
  ctx.reply.Integer(static_cast<int64_t>(count));
}

// SSCAN key cursor [MATCH pattern] [COUNT count]
void SScan(CommandContext& ctx) {
  uint64_t cursor;
  ScanOptions opts;
  DbEntry* e = BeginCollectionScan(ctx, ObjType::kSet, &cursor, &opts);
  if (e == nullptr) return;
  SetObject* set = AsSet(e);
  std::vector<std::string> found;
  auto collect = [&](std::string_view m) {
    if (!opts.use_pattern || GlobMatch(opts.pattern, m)) found.emplace_back(m);
  };
  int64_t budget = opts.count * 10;
  size_t gathered = 0;
  do {
    cursor = set->Scan(cursor, [&](std::string_view m) {
      gathered++;
      collect(m);
    });
  } while (cursor != 0 && --budget > 0 && gathered < static_cast<size_t>(opts.count));
  ctx.reply.ArrayHeader(2);
  ctx.reply.Bulk(std::to_string(cursor));
  ctx.reply.BulkArray(found);
}

}  // namespace

void RegisterSetFamily(CommandTable& t) {
  t.Register("sadd", SAdd);
  t.Register("srem", SRem);
  t.Register("scard", SCard);
  t.Register("sismember", SIsMember);
  t.Register("smismember", SMIsMember);
  t.Register("smembers", SMembers);
  t.Register("smove", SMove);
  t.Register("spop", SPop);
  t.Register("srandmember", SRandMember);
  t.Register("sinter", SInter);
  t.Register("sintercard", SInterCard);
  t.Register("sinterstore", SInterStore);
  t.Register("sunion", SUnion);
  t.Register("sunionstore", SUnionStore);
  t.Register("sdiff", SDiff);
  t.Register("sdiffstore", SDiffStore);
  t.Register("sscan", SScan);
}

}  // namespace redsim
