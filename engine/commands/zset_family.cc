// Sorted-set commands: ZADD/ZINCRBY, lookups, every ZRANGE form (rank, score, lex, reversed,
// limited, stored), removals by range, pops (plain, multi-key, blocking), ZRANDMEMBER, the
// algebra commands (ZUNION/ZINTER/ZDIFF, STORE forms, ZINTERCARD) and ZSCAN.
//
// Ranges are computed as rank intervals on ZSetObject (see zset_object.h), so one code path
// serves every variant. Argument parsing follows Redis 7.0's order of checks so that the first
// error reported for a bad command line is the one Redis reports.
#include "engine/commands/zset_family.h"

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cmath>
#include <cstdlib>
#include <unordered_set>

#include "engine/base/strutil.h"
#include "engine/commands/families.h"
#include "engine/commands/scan_args.h"
#include "engine/server/command_context.h"
#include "engine/types/set_object.h"
#include "engine/types/zset_object.h"

namespace redsim {
namespace {

constexpr std::string_view kMinMaxNotFloat = "ERR min or max is not a float";
constexpr std::string_view kMinMaxNotLex = "ERR min or max not valid string range item";
constexpr std::string_view kNanScore = "ERR resulting score is not a number (NaN)";

// ---- Parsing --------------------------------------------------------------------------------

// A score or weight argument as Redis reads doubles: the whole string, no leading space, no NaN,
// no overflow to infinity and no underflow to zero ("inf" itself is fine).
bool ParseScore(std::string_view s, double* out) {
  if (s.empty() || s.size() > 5000 || isspace(static_cast<unsigned char>(s[0]))) return false;
  std::string buf(s);
  errno = 0;
  char* end = nullptr;
  double v = strtod(buf.c_str(), &end);
  if (end != buf.c_str() + buf.size()) return false;
  if (errno == ERANGE && (v == HUGE_VAL || v == -HUGE_VAL || std::fpclassify(v) == FP_ZERO)) {
    return false;
  }
  if (std::isnan(v)) return false;
  *out = v;
  return true;
}

struct ScoreRange {
  double min = 0, max = 0;
  bool min_exclusive = false, max_exclusive = false;
};

// One end of a score range ("(1.5", "-inf", ...). Redis parses these with plain strtod: spaces
// before the number and overflow are accepted, only trailing junk and NaN are not.
bool ParseRangeEnd(std::string_view s, double* value, bool* exclusive) {
  *exclusive = !s.empty() && s[0] == '(';
  std::string buf(s.substr(*exclusive ? 1 : 0));
  if (buf.find('\0') != std::string::npos) buf.resize(buf.find('\0'));
  char* end = nullptr;
  double v = strtod(buf.c_str(), &end);
  if (*end != '\0' || std::isnan(v)) return false;
  *value = v;
  return true;
}

bool ParseScoreRange(std::string_view min, std::string_view max, ScoreRange* r) {
  return ParseRangeEnd(min, &r->min, &r->min_exclusive) &&
         ParseRangeEnd(max, &r->max, &r->max_exclusive);
}

struct LexRange {
  LexBound min, max;
};

bool ParseLexRange(std::string_view min, std::string_view max, LexRange* r) {
  return LexBound::Parse(min, &r->min) && LexBound::Parse(max, &r->max);
}

// [start, end) ranks of the members within a score or lex range.
std::pair<size_t, size_t> RanksOf(const ZSetObject& z, const ScoreRange& r) {
  size_t start = z.CountBelowScore(r.min, r.min_exclusive);
  size_t end = z.CountBelowScore(r.max, !r.max_exclusive);
  return {start, std::max(start, end)};
}
std::pair<size_t, size_t> RanksOf(const ZSetObject& z, const LexRange& r) {
  size_t start = z.CountBelowLex(r.min, false);
  size_t end = z.CountBelowLex(r.max, true);
  return {start, std::max(start, end)};
}

// Redis's index rules for rank ranges: negatives count from the end; an empty interval when
// start > end or start is past the end. Returns [start, end).
std::pair<size_t, size_t> RankInterval(int64_t start, int64_t end, size_t length) {
  auto len = static_cast<int64_t>(length);
  if (start < 0) start += len;
  if (end < 0) end += len;
  if (start < 0) start = 0;
  if (start > end || start >= len) return {0, 0};
  if (end >= len) end = len - 1;
  return {static_cast<size_t>(start), static_cast<size_t>(end) + 1};
}

// Parses a blocking timeout in seconds (fractional) into an absolute Unix ms (0 = forever).
bool ParseBlockTimeout(CommandContext& ctx, std::string_view arg, int64_t* abs_ms) {
  long double seconds;
  if (!ParseLongDouble(arg, &seconds)) {
    ctx.reply.Error(err::kTimeoutNotFloat);
    return false;
  }
  auto ms = static_cast<int64_t>(seconds * 1000.0L);
  if (ms < 0) {
    ctx.reply.Error(err::kTimeoutNegative);
    return false;
  }
  if (ms > 0) {
    if (ms > INT64_MAX - ctx.now_ms()) {
      ctx.reply.Error("ERR timeout is out of range");
      return false;
    }
    ms += ctx.now_ms();
  }
  *abs_ms = ms;
  return true;
}

// ---- Keyspace helpers -----------------------------------------------------------------------

ZSetObject* AsZSet(DbEntry* e) { return e == nullptr ? nullptr : e->value.As<ZSetObject>(); }

int64_t MaxEntries(const CommandContext& ctx) {
  return ctx.server->config().zset_max_listpack_entries;
}
int64_t MaxValue(const CommandContext& ctx) { return ctx.server->config().zset_max_listpack_value; }

// Adds a member that is absent, converting the encoding first when it would not fit.
void AddNewMember(CommandContext& ctx, ZSetObject* z, std::string_view member, double score) {
  z->ConvertIfNeeded(MaxEntries(ctx) - 1, MaxValue(ctx), member.size());
  z->Insert(member, score);
}

void DeleteIfEmpty(CommandContext& ctx, std::string_view key, ZSetObject* z) {
  if (z->Length() != 0) return;
  ctx.keyspace().DeleteKey(ctx.db(), key);
  ctx.keyspace().NotifyKeyspaceEvent('g', "del", key, ctx.db()->index());
}

// Stores a computed sorted set at `key` (any old value is replaced), or deletes the key when
// the result is empty. Returns the stored cardinality.
int64_t StoreZSet(CommandContext& ctx, std::string_view key, std::unique_ptr<ZSetObject> z,
                  std::string_view event) {
  Server* server = ctx.server;
  Database* db = ctx.db();
  auto card = static_cast<int64_t>(z->Length());
  if (card == 0) {
    if (server->keyspace().LookupWrite(db, key) != nullptr) {
      server->keyspace().DeleteKey(db, key);
      server->keyspace().NotifyKeyspaceEvent('g', "del", key, db->index());
      server->dirty++;
    }
    return 0;
  }
  z->ConvertToListpackIfFits(MaxEntries(ctx), MaxValue(ctx));
  bool existed = server->keyspace().LookupWrite(db, key) != nullptr;
  server->keyspace().SetKey(db, key, Value::FromObject(std::move(z)));
  // A new key wakes clients blocked on it (Redis signals keys it adds, not ones it overwrites).
  if (!existed) server->keyspace().SignalKeyReady(db, key);
  server->keyspace().NotifyKeyspaceEvent('z', std::string(event), key, db->index());
  server->dirty++;
  return card;
}

// Writes (member, score) pairs: flat in RESP2, [member, score] pairs in RESP3.
class PairWriter {
 public:
  PairWriter(ReplyBuilder& reply, bool with_scores) : reply_(reply), with_scores_(with_scores) {}
  void Begin(size_t n) {
    bool nested = with_scores_ && reply_.resp() >= 3;
    reply_.ArrayHeader(static_cast<int64_t>(with_scores_ && !nested ? n * 2 : n));
  }
  void Add(std::string_view member, double score) {
    if (with_scores_ && reply_.resp() >= 3) reply_.ArrayHeader(2);
    reply_.Bulk(member);
    if (with_scores_) reply_.Double(score);
  }

 private:
  ReplyBuilder& reply_;
  bool with_scores_;
};

// ---- ZADD / ZINCRBY -------------------------------------------------------------------------

enum ZAddFlags : unsigned {
  kZAddNx = 1,
  kZAddXx = 2,
  kZAddGt = 4,
  kZAddLt = 8,
  kZAddCh = 16,
  kZAddIncr = 32,
};

enum class ZAddOutcome { kAdded, kUpdated, kUnchanged, kSkipped, kNaN };

// Applies one score/member pair with ZADD's flags. *new_score gets the member's score after.
ZAddOutcome ZAddOne(CommandContext& ctx, ZSetObject* z, unsigned flags, double score,
                    std::string_view member, double* new_score) {
  std::optional<double> current = z->Score(member);
  if (current) {
    if (flags & kZAddNx) return ZAddOutcome::kSkipped;
    if (flags & kZAddIncr) {
      score += *current;
      if (std::isnan(score)) return ZAddOutcome::kNaN;
    }
    if (((flags & kZAddLt) && score >= *current) || ((flags & kZAddGt) && score <= *current)) {
      return ZAddOutcome::kSkipped;
    }
    *new_score = score;
    if (score == *current) return ZAddOutcome::kUnchanged;
    z->UpdateScore(member, score);
    return ZAddOutcome::kUpdated;
  }
  if (flags & kZAddXx) return ZAddOutcome::kSkipped;
  AddNewMember(ctx, z, member, score);
  *new_score = score;
  return ZAddOutcome::kAdded;
}

// Parses ZADD's flags; returns the index of the first score.
size_t ParseZAddFlags(CommandContext& ctx, unsigned* flags) {
  size_t i = 2;
  for (; i < ctx.argc(); i++) {
    std::string_view a = ctx.arg(i);
    if (EqualsIgnoreCase(a, "nx"))
      *flags |= kZAddNx;
    else if (EqualsIgnoreCase(a, "xx"))
      *flags |= kZAddXx;
    else if (EqualsIgnoreCase(a, "gt"))
      *flags |= kZAddGt;
    else if (EqualsIgnoreCase(a, "lt"))
      *flags |= kZAddLt;
    else if (EqualsIgnoreCase(a, "ch"))
      *flags |= kZAddCh;
    else if (EqualsIgnoreCase(a, "incr"))
      *flags |= kZAddIncr;
    else
      break;
  }
  return i;
}

void ZAddGeneric(CommandContext& ctx, unsigned flags, size_t first_score) {
  size_t elements = ctx.argc() - first_score;
  if (elements == 0 || elements % 2 != 0) {
    ctx.reply.Error(err::kSyntax);
    return;
  }
  elements /= 2;
  if ((flags & kZAddNx) && (flags & kZAddXx)) {
    ctx.reply.Error("ERR XX and NX options at the same time are not compatible");
    return;
  }
  int exclusive = !!(flags & kZAddGt) + !!(flags & kZAddLt) + !!(flags & kZAddNx);
  if (exclusive > 1) {
    ctx.reply.Error("ERR GT, LT, and/or NX options at the same time are not compatible");
    return;
  }
  if ((flags & kZAddIncr) && elements > 1) {
    ctx.reply.Error("ERR INCR option supports a single increment-element pair");
    return;
  }
  std::vector<double> scores(elements);
  for (size_t j = 0; j < elements; j++) {
    if (!ParseScore(ctx.arg(first_score + 2 * j), &scores[j])) {
      ctx.reply.Error(err::kNotFloat);
      return;
    }
  }
  bool wrong_type;
  std::string_view key = ctx.arg(1);
  DbEntry* e = ctx.Write(key, ObjType::kZSet, &wrong_type);
  if (wrong_type) return;
  ZSetObject* z = AsZSet(e);
  int64_t added = 0, updated = 0, processed = 0;
  double score = 0;
  bool nan = false;
  if (z == nullptr && !(flags & kZAddXx)) {
    bool listpack = MaxEntries(ctx) != 0 &&
                    static_cast<int64_t>(ctx.arg(first_score + 1).size()) <= MaxValue(ctx);
    auto created = ZSetObject::Create(listpack, ctx.server->rng().Next());
    z = created.get();
    ctx.keyspace().AddKey(ctx.db(), key, Value::FromObject(std::move(created)));
  }
  for (size_t j = 0; z != nullptr && j < elements; j++) {
    double new_score = 0;
    ZAddOutcome out =
        ZAddOne(ctx, z, flags, scores[j], ctx.arg(first_score + 2 * j + 1), &new_score);
    if (out == ZAddOutcome::kNaN) {
      nan = true;
      break;
    }
    if (out == ZAddOutcome::kAdded) added++;
    if (out == ZAddOutcome::kUpdated) updated++;
    if (out != ZAddOutcome::kSkipped) processed++;
    score = new_score;
  }
  ctx.server->dirty += static_cast<uint64_t>(added + updated);
  if (nan) {
    ctx.reply.Error(kNanScore);
  } else if (flags & kZAddIncr) {
    if (processed > 0)
      ctx.reply.Double(score);
    else
      ctx.reply.Null();
  } else {
    ctx.reply.Integer((flags & kZAddCh) ? added + updated : added);
  }
  if (added + updated > 0) {
    ctx.keyspace().SignalModifiedKey(ctx.db(), key);
    ctx.keyspace().NotifyKeyspaceEvent('z', (flags & kZAddIncr) ? "zincr" : "zadd", key,
                                       ctx.db()->index());
    if (added > 0) ctx.keyspace().SignalKeyReady(ctx.db(), key);
  }
}

// ZADD key [NX | XX] [GT | LT] [CH] [INCR] score member [score member ...]
void ZAdd(CommandContext& ctx) {
  unsigned flags = 0;
  size_t first = ParseZAddFlags(ctx, &flags);
  ZAddGeneric(ctx, flags, first);
}

// ZINCRBY key increment member
// Redis runs ZINCRBY through ZADD's parser, so an increment spelled like a ZADD flag (NX, XX,
// GT, LT, CH, INCR) is taken as one and leaves an odd element count: a syntax error, not a
// float error.
void ZIncrBy(CommandContext& ctx) {
  unsigned flags = kZAddIncr;
  size_t first = ParseZAddFlags(ctx, &flags);
  ZAddGeneric(ctx, flags, first);
}

// ---- Removal and lookups --------------------------------------------------------------------

// ZREM key member [member ...]
void ZRem(CommandContext& ctx) {
  bool wrong_type;
  std::string_view key = ctx.arg(1);
  ZSetObject* z = AsZSet(ctx.Write(key, ObjType::kZSet, &wrong_type));
  if (wrong_type) return;
  int64_t removed = 0;
  for (size_t i = 2; z != nullptr && i < ctx.argc(); i++) {
    if (z->Erase(ctx.arg(i))) removed++;
    if (z->Length() == 0) break;
  }
  if (removed > 0) {
    ctx.keyspace().NotifyKeyspaceEvent('z', "zrem", key, ctx.db()->index());
    DeleteIfEmpty(ctx, key, z);
    ctx.keyspace().SignalModifiedKey(ctx.db(), key);
    ctx.server->dirty += static_cast<uint64_t>(removed);
  }
  ctx.reply.Integer(removed);
}

// ZCARD key
void ZCard(CommandContext& ctx) {
  bool wrong_type;
  ZSetObject* z = AsZSet(ctx.Read(ctx.arg(1), ObjType::kZSet, &wrong_type));
  if (wrong_type) return;
  ctx.reply.Integer(z == nullptr ? 0 : static_cast<int64_t>(z->Length()));
}

// ZSCORE key member
void ZScore(CommandContext& ctx) {
  bool wrong_type;
  ZSetObject* z = AsZSet(ctx.Read(ctx.arg(1), ObjType::kZSet, &wrong_type));
  if (wrong_type) return;
  std::optional<double> s = z == nullptr ? std::nullopt : z->Score(ctx.arg(2));
  if (s)
    ctx.reply.Double(*s);
  else
    ctx.reply.Null();
}

// ZMSCORE key member [member ...]
void ZMScore(CommandContext& ctx) {
  bool wrong_type;
  ZSetObject* z = AsZSet(ctx.Read(ctx.arg(1), ObjType::kZSet, &wrong_type));
  if (wrong_type) return;
  ctx.reply.ArrayHeader(static_cast<int64_t>(ctx.argc() - 2));
  for (size_t i = 2; i < ctx.argc(); i++) {
    std::optional<double> s = z == nullptr ? std::nullopt : z->Score(ctx.arg(i));
    if (s)
      ctx.reply.Double(*s);
    else
      ctx.reply.Null();
  }
}

void ZRankGeneric(CommandContext& ctx, bool reverse) {
  bool wrong_type;
  ZSetObject* z = AsZSet(ctx.Read(ctx.arg(1), ObjType::kZSet, &wrong_type));
  if (wrong_type) return;
  std::optional<size_t> rank = z == nullptr ? std::nullopt : z->Rank(ctx.arg(2));
  if (!rank) {
    ctx.reply.Null();
    return;
  }
  ctx.reply.Integer(static_cast<int64_t>(reverse ? z->Length() - 1 - *rank : *rank));
}

// ZRANK key member
void ZRank(CommandContext& ctx) { ZRankGeneric(ctx, false); }
// ZREVRANK key member
void ZRevRank(CommandContext& ctx) { ZRankGeneric(ctx, true); }

// ZCOUNT key min max
void ZCount(CommandContext& ctx) {
  ScoreRange r;
  if (!ParseScoreRange(ctx.arg(2), ctx.arg(3), &r)) {
    ctx.reply.Error(kMinMaxNotFloat);
    return;
  }
  bool wrong_type;
  ZSetObject* z = AsZSet(ctx.Read(ctx.arg(1), ObjType::kZSet, &wrong_type));
  if (wrong_type) return;
  if (z == nullptr) {
    ctx.reply.Integer(0);
    return;
  }
  auto [start, end] = RanksOf(*z, r);
  ctx.reply.Integer(static_cast<int64_t>(end - start));
}

// ZLEXCOUNT key min max
void ZLexCount(CommandContext& ctx) {
  LexRange r;
  if (!ParseLexRange(ctx.arg(2), ctx.arg(3), &r)) {
    ctx.reply.Error(kMinMaxNotLex);
    return;
  }
  bool wrong_type;
  ZSetObject* z = AsZSet(ctx.Read(ctx.arg(1), ObjType::kZSet, &wrong_type));
  if (wrong_type) return;
  if (z == nullptr) {
    ctx.reply.Integer(0);
    return;
  }
  auto [start, end] = RanksOf(*z, r);
  ctx.reply.Integer(static_cast<int64_t>(end - start));
}

// ---- ZRANGE and its variants ----------------------------------------------------------------

enum class RangeType { kAuto, kRank, kScore, kLex };
enum class Direction { kAuto, kForward, kReverse };

struct RangeRequest {
  RangeType type = RangeType::kAuto;
  Direction direction = Direction::kAuto;
  bool with_scores = false;
  int64_t offset = 0;
  int64_t limit = -1;
};

// Applies BYSCORE/BYLEX's LIMIT to a rank interval, in the requested direction. Returns the
// ranks to emit, in emission order, as [first, first + count) ascending plus a reverse flag.
std::pair<size_t, size_t> ApplyLimit(std::pair<size_t, size_t> ranks, const RangeRequest& req) {
  if (req.offset < 0) return {0, 0};
  size_t avail = ranks.second - ranks.first;
  auto offset = static_cast<uint64_t>(req.offset);
  if (offset >= avail) return {0, 0};
  size_t take = avail - offset;
  if (req.limit >= 0) take = std::min<size_t>(take, static_cast<size_t>(req.limit));
  if (req.direction == Direction::kReverse) {
    return {ranks.second - offset - take, ranks.second - offset};
  }
  return {ranks.first + offset, ranks.first + offset + take};
}

// Collects the selected members (in emission order). The views point into `z` and stay valid
// until it is modified.
std::vector<std::pair<std::string_view, double>> CollectRange(const ZSetObject& z,
                                                              std::pair<size_t, size_t> ranks,
                                                              bool reverse) {
  std::vector<std::pair<std::string_view, double>> out;
  out.reserve(ranks.second - ranks.first);
  z.ForEachInRange(ranks.first, ranks.second,
                   [&](std::string_view m, double s) { out.emplace_back(m, s); });
  if (reverse) std::reverse(out.begin(), out.end());
  return out;
}

// Parses ZRANGE's options from args[first..]. Replies and returns false on error.
bool ParseRangeOptions(CommandContext& ctx, size_t first, bool store, RangeRequest* req) {
  for (size_t j = first; j < ctx.argc(); j++) {
    std::string_view a = ctx.arg(j);
    size_t left = ctx.argc() - j - 1;
    if (!store && EqualsIgnoreCase(a, "withscores")) {
      req->with_scores = true;
    } else if (EqualsIgnoreCase(a, "limit") && left >= 2) {
      if (!ParseInt64(ctx.arg(j + 1), &req->offset) || !ParseInt64(ctx.arg(j + 2), &req->limit)) {
        ctx.reply.Error(err::kNotInteger);
        return false;
      }
      j += 2;
    } else if (req->direction == Direction::kAuto && EqualsIgnoreCase(a, "rev")) {
      req->direction = Direction::kReverse;
    } else if (req->type == RangeType::kAuto && EqualsIgnoreCase(a, "bylex")) {
      req->type = RangeType::kLex;
    } else if (req->type == RangeType::kAuto && EqualsIgnoreCase(a, "byscore")) {
      req->type = RangeType::kScore;
    } else {
      ctx.reply.Error(err::kSyntax);
      return false;
    }
  }
  if (req->direction == Direction::kAuto) req->direction = Direction::kForward;
  if (req->type == RangeType::kAuto) req->type = RangeType::kRank;
  if (req->limit != -1 && req->type == RangeType::kRank) {
    ctx.reply.Error(
        "ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX");
    return false;
  }
  if (req->with_scores && req->type == RangeType::kLex) {
    ctx.reply.Error("ERR syntax error, WITHSCORES not supported in combination with BYLEX");
    return false;
  }
  return true;
}

// The shared body of ZRANGE, ZRANGESTORE, ZREVRANGE, Z[REV]RANGEBYSCORE, Z[REV]RANGEBYLEX.
// `key_index` is the source key's position; `dst` is set for ZRANGESTORE.
void ZRangeGeneric(CommandContext& ctx, size_t key_index, const std::string* dst,
                   RangeRequest req) {
  if (!ParseRangeOptions(ctx, key_index + 3, dst != nullptr, &req)) return;
  size_t min_index = key_index + 1, max_index = key_index + 2;
  bool reverse = req.direction == Direction::kReverse;
  if (reverse && req.type != RangeType::kRank) std::swap(min_index, max_index);
  int64_t start = 0, stop = 0;
  ScoreRange score_range;
  LexRange lex_range;
  if (req.type == RangeType::kRank) {
    if (!ParseInt64(ctx.arg(min_index), &start) || !ParseInt64(ctx.arg(max_index), &stop)) {
      ctx.reply.Error(err::kNotInteger);
      return;
    }
  } else if (req.type == RangeType::kScore) {
    if (!ParseScoreRange(ctx.arg(min_index), ctx.arg(max_index), &score_range)) {
      ctx.reply.Error(kMinMaxNotFloat);
      return;
    }
  } else if (!ParseLexRange(ctx.arg(min_index), ctx.arg(max_index), &lex_range)) {
    ctx.reply.Error(kMinMaxNotLex);
    return;
  }
  DbEntry* e = ctx.keyspace().LookupRead(ctx.db(), ctx.arg(key_index));
  if (e != nullptr && e->value.type() != ObjType::kZSet) {
    ctx.reply.Error(err::kWrongType);
    return;
  }
  ZSetObject* z = AsZSet(e);
  std::vector<std::pair<std::string_view, double>> items;
  if (z != nullptr) {
    std::pair<size_t, size_t> ranks;
    if (req.type == RangeType::kRank) {
      ranks = RankInterval(start, stop, z->Length());
      if (reverse) ranks = {z->Length() - ranks.second, z->Length() - ranks.first};
      if (ranks.first >= ranks.second) ranks = {0, 0};
    } else if (req.type == RangeType::kScore) {
      ranks = ApplyLimit(RanksOf(*z, score_range), req);
    } else {
      ranks = ApplyLimit(RanksOf(*z, lex_range), req);
    }
    items = CollectRange(*z, ranks, reverse);
  }
  if (dst != nullptr) {
    auto result = ZSetObject::Create(true, ctx.server->rng().Next());
    for (const auto& [m, s] : items) AddNewMember(ctx, result.get(), m, s);
    ctx.reply.Integer(StoreZSet(ctx, *dst, std::move(result), "zrangestore"));
    return;
  }
  PairWriter w(ctx.reply, req.with_scores);
  w.Begin(items.size());
  for (const auto& [m, s] : items) w.Add(m, s);
}

RangeRequest Preset(RangeType type, Direction dir) {
  RangeRequest r;
  r.type = type;
  r.direction = dir;
  return r;
}

// ZRANGE key start stop [BYSCORE | BYLEX] [REV] [LIMIT offset count] [WITHSCORES]
void ZRange(CommandContext& ctx) { ZRangeGeneric(ctx, 1, nullptr, RangeRequest()); }
// ZRANGESTORE dst src min max [BYSCORE | BYLEX] [REV] [LIMIT offset count]
void ZRangeStore(CommandContext& ctx) {
  std::string dst(ctx.arg(1));
  ZRangeGeneric(ctx, 2, &dst, RangeRequest());
}
// ZREVRANGE key start stop [WITHSCORES]
void ZRevRange(CommandContext& ctx) {
  ZRangeGeneric(ctx, 1, nullptr, Preset(RangeType::kRank, Direction::kReverse));
}
// ZRANGEBYSCORE key min max [WITHSCORES] [LIMIT offset count]
void ZRangeByScore(CommandContext& ctx) {
  ZRangeGeneric(ctx, 1, nullptr, Preset(RangeType::kScore, Direction::kForward));
}
// ZREVRANGEBYSCORE key max min [WITHSCORES] [LIMIT offset count]
void ZRevRangeByScore(CommandContext& ctx) {
  ZRangeGeneric(ctx, 1, nullptr, Preset(RangeType::kScore, Direction::kReverse));
}
// ZRANGEBYLEX key min max [LIMIT offset count]
void ZRangeByLex(CommandContext& ctx) {
  ZRangeGeneric(ctx, 1, nullptr, Preset(RangeType::kLex, Direction::kForward));
}
// ZREVRANGEBYLEX key max min [LIMIT offset count]
void ZRevRangeByLex(CommandContext& ctx) {
  ZRangeGeneric(ctx, 1, nullptr, Preset(RangeType::kLex, Direction::kReverse));
}

// ---- ZREMRANGEBY* ---------------------------------------------------------------------------

void ZRemRangeGeneric(CommandContext& ctx, RangeType type) {
  int64_t start = 0, stop = 0;
  ScoreRange score_range;
  LexRange lex_range;
  if (type == RangeType::kRank) {
    if (!ParseInt64(ctx.arg(2), &start) || !ParseInt64(ctx.arg(3), &stop)) {
      ctx.reply.Error(err::kNotInteger);
      return;
    }
  } else if (type == RangeType::kScore) {
    if (!ParseScoreRange(ctx.arg(2), ctx.arg(3), &score_range)) {
      ctx.reply.Error(kMinMaxNotFloat);
      return;
    }
  } else if (!ParseLexRange(ctx.arg(2), ctx.arg(3), &lex_range)) {
    ctx.reply.Error(kMinMaxNotLex);
    return;
  }
  bool wrong_type;
  std::string_view key = ctx.arg(1);
  ZSetObject* z = AsZSet(ctx.Write(key, ObjType::kZSet, &wrong_type));
  if (wrong_type) return;
  if (z == nullptr) {
    ctx.reply.Integer(0);
    return;
  }
  std::pair<size_t, size_t> ranks;
  const char* event;
  if (type == RangeType::kRank) {
    ranks = RankInterval(start, stop, z->Length());
    event = "zremrangebyrank";
  } else if (type == RangeType::kScore) {
    ranks = RanksOf(*z, score_range);
    event = "zremrangebyscore";
  } else {
    ranks = RanksOf(*z, lex_range);
    event = "zremrangebylex";
  }
  size_t removed = ranks.second - ranks.first;
  if (removed > 0) {
    z->EraseRange(ranks.first, ranks.second);
    ctx.keyspace().NotifyKeyspaceEvent('z', event, key, ctx.db()->index());
    DeleteIfEmpty(ctx, key, z);
    ctx.keyspace().SignalModifiedKey(ctx.db(), key);
    ctx.server->dirty += removed;
  }
  ctx.reply.Integer(static_cast<int64_t>(removed));
}

// ZREMRANGEBYRANK key start stop
void ZRemRangeByRank(CommandContext& ctx) { ZRemRangeGeneric(ctx, RangeType::kRank); }
// ZREMRANGEBYSCORE key min max
void ZRemRangeByScore(CommandContext& ctx) { ZRemRangeGeneric(ctx, RangeType::kScore); }
// ZREMRANGEBYLEX key min max
void ZRemRangeByLex(CommandContext& ctx) { ZRemRangeGeneric(ctx, RangeType::kLex); }

// ---- Pops -----------------------------------------------------------------------------------

enum class PopReply {
  kFlat,        // ZPOPMIN/MAX: [m, s, ...] (RESP3 without COUNT too)
  kNested,      // ZPOPMIN/MAX with COUNT in RESP3: [[m, s], ...]
  kKeyed,       // BZPOPMIN/MAX: [key, m, s]
  kKeyedNested  // ZMPOP/BZMPOP: [key, [[m, s], ...]]
};

// Pops up to `count` members from the zset at `key` (which must exist and be non-empty),
// replying in `shape`; propagates as ZPOPMIN/ZPOPMAX key count.
void PopFrom(CommandContext& ctx, std::string_view key, ZSetObject* z, bool max, int64_t count,
             PopReply shape) {
  size_t n = std::min<size_t>(z->Length(), static_cast<size_t>(count));
  std::pair<size_t, size_t> ranks =
      max ? std::make_pair(z->Length() - n, z->Length()) : std::make_pair<size_t, size_t>(0, n + 0);
  auto items = CollectRange(*z, ranks, max);
  ReplyBuilder& r = ctx.reply;
  bool nested = shape == PopReply::kNested || shape == PopReply::kKeyedNested;
  switch (shape) {
    case PopReply::kFlat:
      r.ArrayHeader(static_cast<int64_t>(n * 2));
      break;
    case PopReply::kNested:
      r.ArrayHeader(static_cast<int64_t>(n));
      break;
    case PopReply::kKeyed:
      r.ArrayHeader(static_cast<int64_t>(n * 2 + 1));
      r.Bulk(key);
      break;
    case PopReply::kKeyedNested:
      r.ArrayHeader(2);
      r.Bulk(key);
      r.ArrayHeader(static_cast<int64_t>(n));
      break;
  }
  for (const auto& [m, s] : items) {
    if (nested) r.ArrayHeader(2);
    r.Bulk(m);
    r.Double(s);
  }
  z->EraseRange(ranks.first, ranks.second);
  std::string key_copy(key);
  ctx.keyspace().NotifyKeyspaceEvent('z', max ? "zpopmax" : "zpopmin", key_copy, ctx.db()->index());
  DeleteIfEmpty(ctx, key_copy, z);
  ctx.keyspace().SignalModifiedKey(ctx.db(), key_copy);
  ctx.server->dirty += n;
  // ZMPOP/BZMPOP travel with the number actually popped; ZPOPMIN/MAX with the count asked.
  int64_t propagated_count = shape == PopReply::kKeyedNested ? static_cast<int64_t>(n) : count;
  ctx.PropagateAs({max ? "ZPOPMAX" : "ZPOPMIN", key_copy, std::to_string(propagated_count)});
}

void ZPopGeneric(CommandContext& ctx, bool max) {
  if (ctx.argc() > 3) {
    ctx.reply.Error(err::kSyntax);
    return;
  }
  int64_t count = 1;
  bool has_count = ctx.argc() == 3;
  if (has_count && (!ParseInt64(ctx.arg(2), &count) || count < 0)) {
    ctx.reply.Error(err::kCountPositive);
    return;
  }
  bool wrong_type;
  std::string_view key = ctx.arg(1);
  ZSetObject* z = AsZSet(ctx.Write(key, ObjType::kZSet, &wrong_type));
  if (wrong_type) return;
  if (z == nullptr || count == 0) {
    ctx.reply.ArrayHeader(0);
    return;
  }
  PopReply shape = has_count && ctx.reply.resp() >= 3 ? PopReply::kNested : PopReply::kFlat;
  PopFrom(ctx, key, z, max, count, shape);
}

// ZPOPMIN key [count]
void ZPopMin(CommandContext& ctx) { ZPopGeneric(ctx, false); }
// ZPOPMAX key [count]
void ZPopMax(CommandContext& ctx) { ZPopGeneric(ctx, true); }

// Finds the first key (in order) holding a non-empty zset. Replies WRONGTYPE and returns false
// when a key before it has another type. While a blocked command is re-run, only the key that
// was signalled ready is looked at, as Redis serves a blocked client from that key.
bool FindPopKey(CommandContext& ctx, size_t first, size_t n, size_t* found) {
  *found = SIZE_MAX;
  bool reprocessing = ctx.client->has(kClientReprocessing);
  const std::string* ready = ctx.server->blocking().ready_key();
  for (size_t i = first; i < first + n; i++) {
    if (reprocessing && ready != nullptr && ctx.arg(i) != *ready) continue;
    DbEntry* e = ctx.keyspace().LookupWrite(ctx.db(), ctx.arg(i));
    if (e == nullptr) continue;
    if (e->value.type() != ObjType::kZSet) {
      // A waiting client is not woken by a key of another type: it keeps waiting.
      if (reprocessing) continue;
      ctx.reply.Error(err::kWrongType);
      return false;
    }
    if (AsZSet(e)->Length() > 0) {
      *found = i;
      return true;
    }
  }
  return true;
}

// Blocks the client on args[first..first+n) unless it may not block (MULTI, scripts), in which
// case it answers as a timeout would.
void BlockOrTimeOut(CommandContext& ctx, size_t first, size_t n, int64_t timeout_ms) {
  if (ctx.client->has(kClientDenyBlocking)) {
    ctx.reply.NullArray();
    return;
  }
  std::vector<std::string> keys;
  for (size_t i = first; i < first + n; i++) keys.emplace_back(ctx.arg(i));
  ctx.server->blocking().BlockClient(ctx.client, ctx.args, ctx.cmd, keys, timeout_ms);
}

// BZPOPMIN key [key ...] timeout / BZPOPMAX
void BZPopGeneric(CommandContext& ctx, bool max) {
  int64_t timeout_ms;
  if (!ParseBlockTimeout(ctx, ctx.arg(ctx.argc() - 1), &timeout_ms)) return;
  size_t nkeys = ctx.argc() - 2;
  size_t found;
  if (!FindPopKey(ctx, 1, nkeys, &found)) return;
  if (found == SIZE_MAX) {
    BlockOrTimeOut(ctx, 1, nkeys, timeout_ms);
    return;
  }
  std::string key(ctx.arg(found));
  PopFrom(ctx, key, AsZSet(ctx.keyspace().LookupWrite(ctx.db(), key)), max, 1, PopReply::kKeyed);
  ctx.PropagateAs({max ? "ZPOPMAX" : "ZPOPMIN", key});
}

// BZPOPMIN key [key ...] timeout
void BZPopMin(CommandContext& ctx) { BZPopGeneric(ctx, false); }
// BZPOPMAX key [key ...] timeout
void BZPopMax(CommandContext& ctx) { BZPopGeneric(ctx, true); }

// ZMPOP numkeys key [key ...] MIN | MAX [COUNT count], and BZMPOP with a timeout first.
void ZMPopGeneric(CommandContext& ctx, size_t numkeys_index, int64_t timeout_ms, bool blocking) {
  int64_t numkeys;
  if (!ParseInt64(ctx.arg(numkeys_index), &numkeys) || numkeys <= 0) {
    ctx.reply.Error("ERR numkeys should be greater than 0");
    return;
  }
  if (numkeys > static_cast<int64_t>(ctx.argc() - numkeys_index - 2)) {
    ctx.reply.Error(err::kSyntax);
    return;
  }
  size_t where_index = numkeys_index + static_cast<size_t>(numkeys) + 1;
  bool max;
  if (EqualsIgnoreCase(ctx.arg(where_index), "min"))
    max = false;
  else if (EqualsIgnoreCase(ctx.arg(where_index), "max"))
    max = true;
  else {
    ctx.reply.Error(err::kSyntax);
    return;
  }
  int64_t count = -1;
  for (size_t j = where_index + 1; j < ctx.argc(); j++) {
    if (count == -1 && EqualsIgnoreCase(ctx.arg(j), "count") && j + 1 < ctx.argc()) {
      if (!ParseInt64(ctx.arg(j + 1), &count) || count <= 0) {
        ctx.reply.Error("ERR count should be greater than 0");
        return;
      }
      j++;
    } else {
      ctx.reply.Error(err::kSyntax);
      return;
    }
  }
  if (count == -1) count = 1;
  size_t found;
  if (!FindPopKey(ctx, numkeys_index + 1, static_cast<size_t>(numkeys), &found)) return;
  if (found == SIZE_MAX) {
    if (blocking)
      BlockOrTimeOut(ctx, numkeys_index + 1, static_cast<size_t>(numkeys), timeout_ms);
    else
      ctx.reply.NullArray();
    return;
  }
  std::string key(ctx.arg(found));
  PopFrom(ctx, key, AsZSet(ctx.keyspace().LookupWrite(ctx.db(), key)), max, count,
          PopReply::kKeyedNested);
}

// ZMPOP numkeys key [key ...] <MIN | MAX> [COUNT count]
void ZMPop(CommandContext& ctx) { ZMPopGeneric(ctx, 1, 0, false); }

// BZMPOP timeout numkeys key [key ...] <MIN | MAX> [COUNT count]
void BZMPop(CommandContext& ctx) {
  int64_t timeout_ms;
  if (!ParseBlockTimeout(ctx, ctx.arg(1), &timeout_ms)) return;
  ZMPopGeneric(ctx, 2, timeout_ms, true);
}

// ---- ZRANDMEMBER ----------------------------------------------------------------------------

void ZRandMemberWithCount(CommandContext& ctx, int64_t count, bool with_scores) {
  bool wrong_type;
  ZSetObject* z = AsZSet(ctx.Read(ctx.arg(1), ObjType::kZSet, &wrong_type));
  if (wrong_type) return;
  if (z == nullptr || count == 0) {
    ctx.reply.ArrayHeader(0);
    return;
  }
  Random& rng = ctx.server->rng();
  PairWriter w(ctx.reply, with_scores);
  size_t size = z->Length();
  if (count < 0) {
    auto n = static_cast<size_t>(-count);
    w.Begin(n);
    for (size_t i = 0; i < n; i++) {
      size_t rank = rng.Uniform(size);
      z->ForEachInRange(rank, rank + 1, [&](std::string_view m, double s) { w.Add(m, s); });
    }
    return;
  }
  if (static_cast<uint64_t>(count) >= size) {
    // The whole set, from the highest rank down, as Redis lists it.
    auto items = CollectRange(*z, {0, size}, true);
    w.Begin(items.size());
    for (const auto& [m, s] : items) w.Add(m, s);
    return;
  }
  auto n = static_cast<size_t>(count);
  if (n * 3 <= size) {
    // Few picks from a big set: random ranks, skipping repeats (no array of every rank).
    std::unordered_set<size_t> picked;
    w.Begin(n);
    while (picked.size() < n) {
      size_t r = rng.Uniform(size);
      if (!picked.insert(r).second) continue;
      z->ForEachInRange(r, r + 1, [&](std::string_view m, double s) { w.Add(m, s); });
    }
    return;
  }
  // Many picks: a partial shuffle of the ranks.
  std::vector<size_t> ranks(size);
  for (size_t i = 0; i < size; i++) ranks[i] = i;
  w.Begin(n);
  for (size_t i = 0; i < n; i++) {
    std::swap(ranks[i], ranks[i + rng.Uniform(size - i)]);
    z->ForEachInRange(ranks[i], ranks[i] + 1, [&](std::string_view m, double s) { w.Add(m, s); });
  }
}

// ZRANDMEMBER key [count [WITHSCORES]]
void ZRandMember(CommandContext& ctx) {
  if (ctx.argc() >= 3) {
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
    bool with_scores = false;
    if (ctx.argc() > 4 || (ctx.argc() == 4 && !EqualsIgnoreCase(ctx.arg(3), "withscores"))) {
      ctx.reply.Error(err::kSyntax);
      return;
    }
    if (ctx.argc() == 4) {
      with_scores = true;
      if (count < -INT64_MAX / 2 || count > INT64_MAX / 2) {
        ctx.reply.Error("ERR value is out of range");
        return;
      }
    }
    ZRandMemberWithCount(ctx, count, with_scores);
    return;
  }
  bool wrong_type;
  ZSetObject* z = AsZSet(ctx.Read(ctx.arg(1), ObjType::kZSet, &wrong_type));
  if (wrong_type) return;
  if (z == nullptr) {
    ctx.reply.Null();
    return;
  }
  size_t rank = ctx.server->rng().Uniform(z->Length());
  z->ForEachInRange(rank, rank + 1, [&](std::string_view m, double) { ctx.reply.Bulk(m); });
}

// ---- Algebra: ZUNION / ZINTER / ZDIFF -------------------------------------------------------

enum class ZSetOp { kUnion, kInter, kDiff };
enum class Aggregate { kSum, kMin, kMax };

// One input of the algebra commands: a sorted set, a plain set (every score 1) or nothing.
struct ZSource {
  ZSetObject* zset = nullptr;
  SetObject* set = nullptr;
  double weight = 1.0;
  size_t size() const { return zset ? zset->Length() : set ? set->Length() : 0; }
  std::optional<double> Score(std::string_view m) const {
    if (zset) return zset->Score(m);
    if (set && set->Contains(m)) return 1.0;
    return std::nullopt;
  }
  template <typename Fn>
  void ForEach(Fn&& fn) const {
    if (zset)
      zset->ForEachInRange(0, zset->Length(), fn);
    else if (set)
      set->ForEachMember([&](std::string_view m) { fn(m, 1.0); });
  }
};

double Weighted(double weight, double score) {
  double v = weight * score;
  return std::isnan(v) ? 0 : v;  // 0 * inf counts as 0, as in Redis
}

void AggregateInto(double* target, double v, Aggregate agg) {
  switch (agg) {
    case Aggregate::kSum:
      *target += v;
      if (std::isnan(*target)) *target = 0;  // inf + -inf
      break;
    case Aggregate::kMin:
      *target = std::min(*target, v);
      break;
    case Aggregate::kMax:
      *target = std::max(*target, v);
      break;
  }
}

struct AlgebraRequest {
  ZSetOp op;
  bool cardinality_only = false;
  bool with_scores = false;
  Aggregate aggregate = Aggregate::kSum;
  int64_t limit = 0;
  std::vector<ZSource> sources;
};

// Parses numkeys, the source keys and the options. Replies and returns false on error.
bool ParseAlgebra(CommandContext& ctx, size_t numkeys_index, bool store, AlgebraRequest* req) {
  int64_t n;
  if (!ParseInt64(ctx.arg(numkeys_index), &n)) {
    ctx.reply.Error(err::kNotInteger);
    return false;
  }
  if (n < 1) {
    ctx.reply.Error("ERR at least 1 input key is needed for '" + ctx.cmd->name + "' command");
    return false;
  }
  if (n > static_cast<int64_t>(ctx.argc() - numkeys_index - 1)) {
    ctx.reply.Error(err::kSyntax);
    return false;
  }
  size_t j = numkeys_index + 1;
  for (int64_t i = 0; i < n; i++, j++) {
    // Sources are reads even for the STORE variants, as in Redis 7.0 (statistics, "keymiss").
    DbEntry* e = ctx.keyspace().LookupRead(ctx.db(), ctx.arg(j));
    ZSource src;
    if (e != nullptr) {
      if (e->value.type() == ObjType::kZSet)
        src.zset = AsZSet(e);
      else if (e->value.type() == ObjType::kSet)
        src.set = e->value.As<SetObject>();
      else {
        ctx.reply.Error(err::kWrongType);
        return false;
      }
    }
    req->sources.push_back(src);
  }
  bool weights_ok = req->op != ZSetOp::kDiff && !req->cardinality_only;
  while (j < ctx.argc()) {
    size_t left = ctx.argc() - j;
    std::string_view a = ctx.arg(j);
    if (weights_ok && left >= static_cast<size_t>(n) + 1 && EqualsIgnoreCase(a, "weights")) {
      j++;
      for (auto& src : req->sources) {
        if (!ParseScore(ctx.arg(j++), &src.weight)) {
          ctx.reply.Error("ERR weight value is not a float");
          return false;
        }
      }
    } else if (weights_ok && left >= 2 && EqualsIgnoreCase(a, "aggregate")) {
      std::string_view v = ctx.arg(j + 1);
      if (EqualsIgnoreCase(v, "sum"))
        req->aggregate = Aggregate::kSum;
      else if (EqualsIgnoreCase(v, "min"))
        req->aggregate = Aggregate::kMin;
      else if (EqualsIgnoreCase(v, "max"))
        req->aggregate = Aggregate::kMax;
      else {
        ctx.reply.Error(err::kSyntax);
        return false;
      }
      j += 2;
    } else if (!store && !req->cardinality_only && EqualsIgnoreCase(a, "withscores")) {
      req->with_scores = true;
      j++;
    } else if (req->cardinality_only && left >= 2 && EqualsIgnoreCase(a, "limit")) {
      if (!ParseInt64(ctx.arg(j + 1), &req->limit) || req->limit < 0) {
        ctx.reply.Error("ERR LIMIT can't be negative");
        return false;
      }
      j += 2;
    } else {
      ctx.reply.Error(err::kSyntax);
      return false;
    }
  }
  return true;
}

// Computes the result into a skip-list zset (sorted as Redis's result is).
std::unique_ptr<ZSetObject> ComputeAlgebra(CommandContext& ctx, AlgebraRequest& req,
                                           size_t* card_only) {
  auto result = ZSetObject::Create(false, ctx.server->rng().Next());
  auto& srcs = req.sources;
  if (req.op != ZSetOp::kDiff) {
    // Smallest first (stable: equal sizes keep their order), which also fixes the order in
    // which sums are accumulated.
    std::stable_sort(srcs.begin(), srcs.end(),
                     [](const ZSource& a, const ZSource& b) { return a.size() < b.size(); });
  }
  size_t count = 0;
  if (req.op == ZSetOp::kInter) {
    if (srcs[0].size() == 0) return result;
    bool done = false;
    srcs[0].ForEach([&](std::string_view m, double s) {
      if (done) return;
      double score = Weighted(srcs[0].weight, s);
      for (size_t j = 1; j < srcs.size(); j++) {
        std::optional<double> other = srcs[j].Score(m);
        if (!other) return;
        AggregateInto(&score, Weighted(srcs[j].weight, *other), req.aggregate);
      }
      count++;
      if (card_only != nullptr) {
        if (req.limit > 0 && count >= static_cast<size_t>(req.limit)) done = true;
        return;
      }
      result->Insert(m, score);
    });
  } else if (req.op == ZSetOp::kUnion) {
    for (const auto& src : srcs) {
      src.ForEach([&](std::string_view m, double s) {
        double score = Weighted(src.weight, s);
        std::optional<double> cur = result->Score(m);
        if (!cur) {
          result->Insert(m, score);
          return;
        }
        double agg = *cur;
        AggregateInto(&agg, score, req.aggregate);
        if (agg != *cur) result->UpdateScore(m, agg);
      });
    }
  } else {
    srcs[0].ForEach([&](std::string_view m, double s) {
      for (size_t j = 1; j < srcs.size(); j++) {
        if (srcs[j].Score(m)) return;
      }
      result->Insert(m, s);
    });
  }
  if (card_only != nullptr) *card_only = count;
  return result;
}

void ZAlgebraGeneric(CommandContext& ctx, size_t numkeys_index, const std::string* dst, ZSetOp op) {
  AlgebraRequest req;
  req.op = op;
  if (!ParseAlgebra(ctx, numkeys_index, dst != nullptr, &req)) return;
  auto result = ComputeAlgebra(ctx, req, nullptr);
  if (dst != nullptr) {
    const char* event = op == ZSetOp::kUnion   ? "zunionstore"
                        : op == ZSetOp::kInter ? "zinterstore"
                                               : "zdiffstore";
    ctx.reply.Integer(StoreZSet(ctx, *dst, std::move(result), event));
    return;
  }
  PairWriter w(ctx.reply, req.with_scores);
  w.Begin(result->Length());
  result->ForEachInRange(0, result->Length(), [&](std::string_view m, double s) { w.Add(m, s); });
}

// ZUNION numkeys key [key ...] [WEIGHTS weight ...] [AGGREGATE SUM|MIN|MAX] [WITHSCORES]
void ZUnion(CommandContext& ctx) { ZAlgebraGeneric(ctx, 1, nullptr, ZSetOp::kUnion); }
// ZINTER numkeys key [key ...] [WEIGHTS weight ...] [AGGREGATE SUM|MIN|MAX] [WITHSCORES]
void ZInter(CommandContext& ctx) { ZAlgebraGeneric(ctx, 1, nullptr, ZSetOp::kInter); }
// ZDIFF numkeys key [key ...] [WITHSCORES]
void ZDiff(CommandContext& ctx) { ZAlgebraGeneric(ctx, 1, nullptr, ZSetOp::kDiff); }
// ZUNIONSTORE destination numkeys key [key ...] [WEIGHTS weight ...] [AGGREGATE SUM|MIN|MAX]
void ZUnionStore(CommandContext& ctx) {
  std::string dst(ctx.arg(1));
  ZAlgebraGeneric(ctx, 2, &dst, ZSetOp::kUnion);
}
// ZINTERSTORE destination numkeys key [key ...] [WEIGHTS weight ...] [AGGREGATE SUM|MIN|MAX]
void ZInterStore(CommandContext& ctx) {
  std::string dst(ctx.arg(1));
  ZAlgebraGeneric(ctx, 2, &dst, ZSetOp::kInter);
}
// ZDIFFSTORE destination numkeys key [key ...]
void ZDiffStore(CommandContext& ctx) {
  std::string dst(ctx.arg(1));
  ZAlgebraGeneric(ctx, 2, &dst, ZSetOp::kDiff);
}

// ZINTERCARD numkeys key [key ...] [LIMIT limit]
void ZInterCard(CommandContext& ctx) {
  AlgebraRequest req;
  req.op = ZSetOp::kInter;
  req.cardinality_only = true;
  if (!ParseAlgebra(ctx, 1, false, &req)) return;
  size_t count = 0;
  ComputeAlgebra(ctx, req, &count);
  ctx.reply.Integer(static_cast<int64_t>(count));
}

// ---- ZSCAN ----------------------------------------------------------------------------------

// ZSCAN key cursor [MATCH pattern] [COUNT count]
void ZScan(CommandContext& ctx) {
  uint64_t cursor;
  ScanOptions opts;
  DbEntry* e = BeginCollectionScan(ctx, ObjType::kZSet, &cursor, &opts);
  if (e == nullptr) return;
  ZSetObject* z = AsZSet(e);
  std::vector<std::string> found;
  size_t gathered = 0;
  int64_t budget = opts.count * 10;
  do {
    cursor = z->Scan(cursor, [&](std::string_view m, const std::string& score) {
      gathered++;
      if (opts.use_pattern && !GlobMatch(opts.pattern, m)) return;
      found.emplace_back(m);
      found.push_back(score);
    });
  } while (cursor != 0 && --budget > 0 && gathered < static_cast<size_t>(opts.count));
  ctx.reply.ArrayHeader(2);
  ctx.reply.Bulk(std::to_string(cursor));
  ctx.reply.BulkArray(found);
}

}  // namespace

void ZSetAddNewMember(CommandContext& ctx, ZSetObject* z, std::string_view member, double score) {
  AddNewMember(ctx, z, member, score);
}

int64_t ZSetStore(CommandContext& ctx, std::string_view key, std::unique_ptr<ZSetObject> z,
                  std::string_view event) {
  return StoreZSet(ctx, key, std::move(z), event);
}

void RegisterZSetFamily(CommandTable& t) {
  t.Register("zadd", ZAdd);
  t.Register("zincrby", ZIncrBy);
  t.Register("zrem", ZRem);
  t.Register("zcard", ZCard);
  t.Register("zscore", ZScore);
  t.Register("zmscore", ZMScore);
  t.Register("zrank", ZRank);
  t.Register("zrevrank", ZRevRank);
  t.Register("zcount", ZCount);
  t.Register("zlexcount", ZLexCount);
  t.Register("zrange", ZRange);
  t.Register("zrangestore", ZRangeStore);
  t.Register("zrevrange", ZRevRange);
  t.Register("zrangebyscore", ZRangeByScore);
  t.Register("zrevrangebyscore", ZRevRangeByScore);
  t.Register("zrangebylex", ZRangeByLex);
  t.Register("zrevrangebylex", ZRevRangeByLex);
  t.Register("zremrangebyrank", ZRemRangeByRank);
  t.Register("zremrangebyscore", ZRemRangeByScore);
  t.Register("zremrangebylex", ZRemRangeByLex);
  t.Register("zpopmin", ZPopMin);
  t.Register("zpopmax", ZPopMax);
  t.Register("bzpopmin", BZPopMin);
  t.Register("bzpopmax", BZPopMax);
  t.Register("zmpop", ZMPop);
  t.Register("bzmpop", BZMPop);
  t.Register("zrandmember", ZRandMember);
  t.Register("zunion", ZUnion);
  t.Register("zinter", ZInter);
  t.Register("zdiff", ZDiff);
  t.Register("zunionstore", ZUnionStore);
  t.Register("zinterstore", ZInterStore);
  t.Register("zdiffstore", ZDiffStore);
  t.Register("zintercard", ZInterCard);
  t.Register("zscan", ZScan);
}

}  // namespace redsim
