// RDB codecs of the collection types: lists, hashes, sets and sorted sets.
//
// Writing follows Redis 7.0 exactly: lists as QUICKLIST_2 (listpack nodes laid out as a list
// built by tail pushes with the list's fill), hashes as HASH_LISTPACK or HASH, sets as
// SET_INTSET or SET, sorted sets as ZSET_LISTPACK or ZSET_2 (binary doubles, highest rank
// first). Loading takes those and every older encoding a 7.0 server still reads (plain LIST,
// ZSET with text scores, ZIPMAP, ziplists, QUICKLIST of ziplists), and picks the in-memory
// encoding with the same thresholds Redis applies at load time:
//   list → always quicklist; hash listpack/ziplist → hashtable only when it has more than
//   hash-max-listpack-entries fields (value lengths are not rechecked, as in 7.0); hash (4) and
//   zipmap → listpack unless too many fields or a too long field/value; set (2) → intset when
//   all members are integers and there are at most set-max-intset-entries; intset → hashtable
//   past that count; zset listpack/ziplist → skiplist past zset-max-listpack-entries; zset (3/5)
//   → listpack when both zset limits allow.
// Every loaded value is validated: nested encodings, counts, duplicate fields/members, zset
// score syntax, NaN scores and ordering; bad input is a decoder error, never a crash.
#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "engine/base/random.h"
#include "engine/base/strutil.h"
#include "engine/persistence/listpack.h"
#include "engine/persistence/rdb_codec.h"
#include "engine/server/config.h"
#include "engine/types/hash_object.h"
#include "engine/types/list_object.h"
#include "engine/types/set_object.h"
#include "engine/types/zset_object.h"

namespace redsim::rdb {

namespace {

// Quicklist node container kinds (QUICKLIST_2).
constexpr uint64_t kContainerPlain = 1;
constexpr uint64_t kContainerPacked = 2;

// ---- Limits from the config -------------------------------------------------------------------

struct Thresholds {
  int64_t list_fill = -2;
  int64_t hash_entries = 512, hash_value = 64;
  int64_t set_intset = 512;
  int64_t zset_entries = 128, zset_value = 64;
};

Thresholds ThresholdsOf(const LoadContext& ctx) {
  Thresholds t;
  if (ctx.config == nullptr) return t;
  const ServerConfig& c = *ctx.config;
  t.list_fill = c.list_max_listpack_size;
  t.hash_entries = c.hash_max_listpack_entries;
  t.hash_value = c.hash_max_listpack_value;
  t.set_intset = c.set_max_intset_entries;
  t.zset_entries = c.zset_max_listpack_entries;
  t.zset_value = c.zset_max_listpack_value;
  return t;
}

uint64_t NextSeed(const LoadContext& ctx) {
  static Random fallback(0x5eed);
  return ctx.rng != nullptr ? ctx.rng->Next() : fallback.Next();
}

// Reads a string blob holding a nested encoding and decodes it with `decode`.
template <typename DecodeFn>
bool ReadNested(Decoder& dec, const char* what, DecodeFn decode, std::vector<std::string>* out) {
  std::string blob;
  if (!dec.String(&blob)) return false;
  std::string error;
  if (!decode(blob, out, &error)) return dec.Fail(std::string("invalid ") + what + ": " + error);
  return true;
}

// Reads a length-prefixed sequence of `per_item` strings per item (LIST, SET, HASH, ZSET).
bool ReadCount(Decoder& dec, uint64_t* count) {
  if (!dec.Length(count)) return false;
  // Every item takes at least one byte: a count beyond what remains is corrupt (and must not be
  // used to reserve memory).
  if (*count > dec.remaining()) return dec.Fail("collection length larger than the data");
  return true;
}

// ---- Lists ----------------------------------------------------------------------------------

uint8_t ListRdbType(const Value&) { return kTypeListQuicklist2; }

// Whether a node of `node_bytes` listpack bytes and `node_count` entries takes one more element
// of `len` bytes, by the rule Redis 7.0's quicklist applies when pushing: the new size is
// estimated as bytes + len + 8; a negative fill bounds it by 4, 8, 16, 32 or 64 KB (fills
// below -5 count as -5); a positive fill bounds the count (0 counts as 1) and the size by 8 KB.
bool NodeTakes(size_t node_bytes, size_t node_count, size_t len, int64_t fill) {
  size_t new_bytes = node_bytes + len + 8;
  if (fill < 0) {
    static const size_t kByteBudget[] = {4096, 8192, 16384, 32768, 65536};
    int64_t level = std::min<int64_t>(-fill - 1, 4);
    return new_bytes <= kByteBudget[level];
  }
  if (new_bytes > 8192) return false;
  return static_cast<int64_t>(node_count + 1) <= std::max<int64_t>(fill, 1);
}

void SaveList(const Value& v, Encoder& enc) {
  const auto* list = v.As<ListObject>();
  std::vector<std::string> nodes;
  ListpackWriter lp;
  for (auto it = list->IterAt(0); list->length() > 0 && it.valid(); it.Next()) {
    std::string_view e = it.Get();
    if (lp.count() > 0 && !NodeTakes(lp.bytes(), lp.count(), e.size(), list->fill())) {
      nodes.push_back(lp.Finish());
      lp = ListpackWriter();
    }
    lp.AddString(e);
  }
  if (lp.count() > 0) nodes.push_back(lp.Finish());
  enc.Length(nodes.size());
  for (const auto& n : nodes) {
    enc.Length(kContainerPacked);
    enc.String(n);
  }
}

bool LoadList(uint8_t type, Decoder& dec, const LoadContext& ctx, Value* out) {
  auto list = std::make_unique<ListObject>(ThresholdsOf(ctx).list_fill);
  std::vector<std::string> elems;
  if (type == kTypeList) {
    uint64_t n;
    if (!ReadCount(dec, &n)) return false;
    std::string s;
    for (uint64_t i = 0; i < n; i++) {
      if (!dec.String(&s)) return false;
      list->Push(ListObject::End::kTail, s);
    }
  } else if (type == kTypeListZiplist) {
    if (!ReadNested(dec, "ziplist", DecodeZiplist, &elems)) return false;
    for (const auto& e : elems) list->Push(ListObject::End::kTail, e);
  } else {
    uint64_t nodes;
    if (!ReadCount(dec, &nodes)) return false;
    for (uint64_t i = 0; i < nodes; i++) {
      uint64_t container = kContainerPacked;
      if (type == kTypeListQuicklist2 && !dec.Length(&container)) return false;
      if (container == kContainerPlain) {
        std::string s;
        if (!dec.String(&s)) return false;
        list->Push(ListObject::End::kTail, s);
        continue;
      }
      if (container != kContainerPacked) return dec.Fail("invalid quicklist container type");
      bool ok = type == kTypeListQuicklist2 ? ReadNested(dec, "listpack", DecodeListpack, &elems)
                                            : ReadNested(dec, "ziplist", DecodeZiplist, &elems);
      if (!ok) return false;
      // Empty nodes are skipped, as Redis does (an all-empty list is an empty key).
      for (const auto& e : elems) list->Push(ListObject::End::kTail, e);
    }
  }
  if (list->length() > 0) *out = Value::FromObject(std::move(list));
  return true;
}

// ---- Hashes ---------------------------------------------------------------------------------

uint8_t HashRdbType(const Value& v) {
  return v.As<HashObject>()->packed() ? kTypeHashListpack : kTypeHash;
}

void SaveHash(const Value& v, Encoder& enc) {
  const auto* h = v.As<HashObject>();
  if (h->packed()) {
    ListpackWriter lp;
    h->ForEach([&](std::string_view f, std::string_view val) {
      lp.AddString(f);
      lp.AddString(val);
    });
    enc.String(lp.Finish());
    return;
  }
  enc.Length(h->Length());
  h->ForEach([&](std::string_view f, std::string_view val) {
    enc.String(f);
    enc.String(val);
  });
}

// Builds a hash from field/value pairs; `value_limit` is the longest field or value a packed
// hash keeps (Redis does not recheck it for listpack-encoded input).
bool BuildHash(Decoder& dec, const std::vector<std::string>& pairs, const Thresholds& t,
               int64_t value_limit, Random& rng, Value* out) {
  if (pairs.size() % 2 != 0) return dec.Fail("hash with an odd number of elements");
  if (pairs.empty()) return true;
  size_t bytes = 0;
  for (size_t i = 0; i < pairs.size(); i += 2)
    bytes += hash::PackedPairBytes(pairs[i], pairs[i + 1]);
  Value v = Value::FromObject(hash::Create(bytes));
  hash::Limits limits{t.hash_entries, value_limit};
  for (size_t i = 0; i < pairs.size(); i += 2) {
    if (!hash::Set(v, pairs[i], pairs[i + 1], limits, rng)) {
      return dec.Fail("hash with duplicate field");
    }
  }
  *out = std::move(v);
  return true;
}

bool LoadHash(uint8_t type, Decoder& dec, const LoadContext& ctx, Value* out) {
  Thresholds t = ThresholdsOf(ctx);
  Random rng(NextSeed(ctx));
  std::vector<std::string> items;
  if (type == kTypeHash) {
    uint64_t n;
    if (!ReadCount(dec, &n)) return false;
    if (n > dec.remaining() / 2) return dec.Fail("hash length larger than the data");
    std::string s;
    for (uint64_t i = 0; i < 2 * n; i++) {
      if (!dec.String(&s)) return false;
      items.push_back(std::move(s));
    }
    return BuildHash(dec, items, t, t.hash_value, rng, out);
  }
  bool ok = type == kTypeHashListpack  ? ReadNested(dec, "listpack", DecodeListpack, &items)
            : type == kTypeHashZiplist ? ReadNested(dec, "ziplist", DecodeZiplist, &items)
                                       : ReadNested(dec, "zipmap", DecodeZipmap, &items);
  if (!ok) return false;
  int64_t value_limit = type == kTypeHashZipmap ? t.hash_value : INT64_MAX;
  return BuildHash(dec, items, t, value_limit, rng, out);
}

// ---- Sets -----------------------------------------------------------------------------------

uint8_t SetRdbType(const Value& v) {
  return v.As<SetObject>()->is_intset() ? kTypeSetIntset : kTypeSet;
}

void SaveSet(const Value& v, Encoder& enc) {
  const auto* s = v.As<SetObject>();
  if (s->is_intset()) {
    std::vector<int64_t> ints;
    ints.reserve(s->Length());
    s->ForEachMember([&](std::string_view m) {
      int64_t x = 0;
      ParseInt64(m, &x);
      ints.push_back(x);
    });
    enc.String(EncodeIntset(std::move(ints)));
    return;
  }
  enc.Length(s->Length());
  s->ForEachMember([&](std::string_view m) { enc.String(m); });
}

bool LoadSet(uint8_t type, Decoder& dec, const LoadContext& ctx, Value* out) {
  Thresholds t = ThresholdsOf(ctx);
  uint64_t seed = NextSeed(ctx);
  std::unique_ptr<SetObject> set;
  if (type == kTypeSetIntset) {
    std::string blob, error;
    std::vector<int64_t> ints;
    if (!dec.String(&blob)) return false;
    if (!DecodeIntset(blob, &ints, &error)) return dec.Fail("invalid intset: " + error);
    if (ints.empty()) return true;
    set = static_cast<int64_t>(ints.size()) > t.set_intset ? SetObject::CreateHashtable(seed)
                                                           : SetObject::CreateIntset(seed);
    char buf[24];
    for (int64_t x : ints) set->Add(std::string_view(buf, FormatInt64(buf, x)), t.set_intset);
  } else {
    uint64_t n;
    if (!ReadCount(dec, &n)) return false;
    if (n == 0) return true;
    set = static_cast<int64_t>(n) > t.set_intset ? SetObject::CreateHashtable(seed)
                                                 : SetObject::CreateIntset(seed);
    std::string m;
    for (uint64_t i = 0; i < n; i++) {
      if (!dec.String(&m)) return false;
      if (!set->Add(m, t.set_intset)) return dec.Fail("set with duplicate member");
    }
  }
  *out = Value::FromObject(std::move(set));
  return true;
}

// ---- Sorted sets ----------------------------------------------------------------------------

uint8_t ZSetRdbType(const Value& v) {
  return v.As<ZSetObject>()->is_listpack() ? kTypeZsetListpack : kTypeZset2;
}

void SaveZSet(const Value& v, Encoder& enc) {
  const auto* z = v.As<ZSetObject>();
  size_t n = z->Length();
  if (z->is_listpack()) {
    ListpackWriter lp;
    z->ForEachInRange(0, n, [&](std::string_view m, double score) {
      lp.AddString(m);
      lp.AddString(ListpackScoreText(score));
    });
    enc.String(lp.Finish());
    return;
  }
  // Highest rank first, as Redis writes it (its loader then inserts at the head cheaply).
  std::vector<std::pair<std::string_view, double>> items;
  items.reserve(n);
  z->ForEachInRange(0, n, [&](std::string_view m, double score) { items.emplace_back(m, score); });
  enc.Length(n);
  for (auto it = items.rbegin(); it != items.rend(); ++it) {
    enc.String(it->first);
    enc.BinaryDouble(it->second);
  }
}

// (score, member) order, as the sorted set keeps it.
bool ZLess(double a_score, std::string_view a, double b_score, std::string_view b) {
  if (a_score != b_score) return a_score < b_score;
  return a < b;
}

// Builds a sorted set from (member, score) pairs already read; `listpack` picks the encoding.
bool BuildZSet(Decoder& dec, const std::vector<std::pair<std::string, double>>& items,
               bool listpack, uint64_t seed, Value* out) {
  auto z = ZSetObject::Create(listpack, seed);
  for (const auto& [m, score] : items) {
    if (std::isnan(score)) return dec.Fail("zset with NaN score");
    if (z->Score(m).has_value()) return dec.Fail("zset with duplicate member");
    z->Insert(m, score);
  }
  if (!items.empty()) *out = Value::FromObject(std::move(z));
  return true;
}

bool LoadZSet(uint8_t type, Decoder& dec, const LoadContext& ctx, Value* out) {
  Thresholds t = ThresholdsOf(ctx);
  uint64_t seed = NextSeed(ctx);
  std::vector<std::pair<std::string, double>> items;
  if (type == kTypeZset || type == kTypeZset2) {
    uint64_t n;
    if (!ReadCount(dec, &n)) return false;
    size_t longest = 0;
    for (uint64_t i = 0; i < n; i++) {
      std::string m;
      double score;
      if (!dec.String(&m)) return false;
      if (!(type == kTypeZset2 ? dec.BinaryDouble(&score) : dec.TextDouble(&score))) return false;
      longest = std::max(longest, m.size());
      items.emplace_back(std::move(m), score);
    }
    bool listpack =
        static_cast<int64_t>(n) <= t.zset_entries && static_cast<int64_t>(longest) <= t.zset_value;
    return BuildZSet(dec, items, listpack, seed, out);
  }
  std::vector<std::string> flat;
  bool ok = type == kTypeZsetListpack ? ReadNested(dec, "listpack", DecodeListpack, &flat)
                                      : ReadNested(dec, "ziplist", DecodeZiplist, &flat);
  if (!ok) return false;
  if (flat.size() % 2 != 0) return dec.Fail("zset with an odd number of elements");
  for (size_t i = 0; i < flat.size(); i += 2) {
    double score;
    if (!ParseDouble(flat[i + 1], &score)) return dec.Fail("zset with an invalid score");
    // A packed sorted set is stored in order; anything else is corrupt.
    if (!items.empty() && !ZLess(items.back().second, items.back().first, score, flat[i])) {
      return dec.Fail("zset listpack out of order");
    }
    items.emplace_back(std::move(flat[i]), score);
  }
  bool listpack = static_cast<int64_t>(items.size()) <= t.zset_entries;
  return BuildZSet(dec, items, listpack, seed, out);
}

}  // namespace

void RegisterCollectionCodecs() {
  RegisterTypeCodec({ObjType::kList,
                     ListRdbType,
                     SaveList,
                     {kTypeList, kTypeListZiplist, kTypeListQuicklist, kTypeListQuicklist2},
                     LoadList});
  RegisterTypeCodec({ObjType::kHash,
                     HashRdbType,
                     SaveHash,
                     {kTypeHash, kTypeHashZipmap, kTypeHashZiplist, kTypeHashListpack},
                     LoadHash});
  RegisterTypeCodec({ObjType::kSet, SetRdbType, SaveSet, {kTypeSet, kTypeSetIntset}, LoadSet});
  RegisterTypeCodec({ObjType::kZSet,
                     ZSetRdbType,
                     SaveZSet,
                     {kTypeZset, kTypeZset2, kTypeZsetZiplist, kTypeZsetListpack},
                     LoadZSet});
}

}  // namespace redsim::rdb
