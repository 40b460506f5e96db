// SORT and SORT_RO: sort the elements of a list, set or sorted set numerically or
// lexicographically, by their own value or by external keys (BY pattern, including hash fields
// `key_*->field`), optionally without sorting (BY nosort), with LIMIT, GET patterns and STORE.
//
// Semantics follow Redis 7.0: numeric sort ties are broken by comparing the elements' bytes;
// ALPHA with BY puts missing weights first and keeps ties in input order (a stable sort, as
// glibc's qsort behaves); BY nosort keeps the natural order and reverses it for DESC on lists and
// sorted sets; a set sorted with BY nosort and STORE is sorted ALPHA anyway so the stored result
// is deterministic. Elements are read through the sources registered in sort_family.h.
#include "engine/commands/sort_family.h"

#include <algorithm>
#include <array>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "engine/base/strutil.h"
#include "engine/commands/families.h"
#include "engine/server/command_context.h"
#include "engine/types/hash_object.h"
#include "engine/types/list_object.h"
#include "engine/types/set_object.h"
#include "engine/types/zset_object.h"

namespace redsim {
namespace {

constexpr std::string_view kScoreConversionError =
    "ERR One or more scores can't be converted into double";

std::array<SortElementSource, 8>& Sources() {
  static std::array<SortElementSource, 8> sources{};
  return sources;
}

void ListElements(const Object& collection, const SortElementVisitor& visit) {
  const auto& list = static_cast<const ListObject&>(collection);
  if (list.length() == 0) return;
  for (ListObject::Iter it = list.IterAt(0); it.valid(); it.Next()) visit(it.Get());
}

// A set in its own order (SORT sorts it anyway; BY nosort keeps it, as Redis does).
void SetElements(const Object& collection, const SortElementVisitor& visit) {
  static_cast<const SetObject&>(collection).ForEachMember([&](std::string_view m) { visit(m); });
}

// A sorted set by ascending score.
void ZSetElements(const Object& collection, const SortElementVisitor& visit) {
  const auto& zset = static_cast<const ZSetObject&>(collection);
  zset.ForEachInRange(0, zset.Length(), [&](const auto& m, double) { visit(m); });
}

struct SortOptions {
  bool desc = false;
  bool alpha = false;
  bool dont_sort = false;
  std::optional<std::string_view> by;
  std::vector<std::string_view> gets;
  int64_t limit_start = 0;
  int64_t limit_count = -1;
  std::optional<std::string_view> store;
};

// Parses the options after the key; replies the error and returns false when invalid.
bool ParseSortOptions(CommandContext& ctx, bool read_only, SortOptions* o) {
  for (size_t i = 2; i < ctx.argc(); i++) {
    std::string_view a = ctx.arg(i);
    size_t left = ctx.argc() - i - 1;
    if (EqualsIgnoreCase(a, "asc")) {
      o->desc = false;
    } else if (EqualsIgnoreCase(a, "desc")) {
      o->desc = true;
    } else if (EqualsIgnoreCase(a, "alpha")) {
      o->alpha = true;
    } else if (EqualsIgnoreCase(a, "limit") && left >= 2) {
      if (!ParseInt64(ctx.arg(i + 1), &o->limit_start) ||
          !ParseInt64(ctx.arg(i + 2), &o->limit_count)) {
        ctx.reply.Error(err::kNotInteger);
        return false;
      }
      i += 2;
    } else if (EqualsIgnoreCase(a, "store") && left >= 1 && !read_only) {
      o->store = ctx.arg(++i);
    } else if (EqualsIgnoreCase(a, "by") && left >= 1) {
      o->by = ctx.arg(++i);
      // A pattern without '*' names no per-element key: nothing to sort by ("nosort").
      if (o->by->find('*') == std::string_view::npos) o->dont_sort = true;
    } else if (EqualsIgnoreCase(a, "get") && left >= 1) {
      o->gets.push_back(ctx.arg(++i));
    } else {
      ctx.reply.Error(err::kSyntax);
      return false;
    }
  }
  return true;
}

// The value a BY or GET pattern names for `element`: '#' is the element itself; otherwise the
// first '*' is replaced by the element, and "->field" after it reads a hash field. nullopt when
// the key is missing, has the wrong type, or the pattern has no '*'.
std::optional<std::string> LookupByPattern(CommandContext& ctx, std::string_view pattern,
                                           std::string_view element) {
  if (pattern == "#") return std::string(element);
  size_t star = pattern.find('*');
  if (star == std::string_view::npos) return std::nullopt;
  std::string_view key_pattern = pattern;
  std::string_view field;
  size_t arrow = pattern.find("->", star + 1);
  bool has_field = arrow != std::string_view::npos && arrow + 2 < pattern.size();
  if (has_field) {
    key_pattern = pattern.substr(0, arrow);
    field = pattern.substr(arrow + 2);
  }
  std::string key;
  key.reserve(key_pattern.size() + element.size());
  key.append(key_pattern.substr(0, star)).append(element).append(key_pattern.substr(star + 1));
  DbEntry* e = ctx.keyspace().LookupRead(ctx.db(), key);
  if (e == nullptr) return std::nullopt;
  if (has_field) {
    if (e->value.type() != ObjType::kHash) return std::nullopt;
    auto value = e->value.As<HashObject>()->Find(field);
    if (!value) return std::nullopt;
    return std::string(*value);
  }
  if (!e->value.is_string()) return std::nullopt;
  return e->value.ToString();
}

// A sort weight as Redis reads it: strtod over the whole string (leading spaces allowed), no
// overflow or underflow, not NaN.
bool ParseSortScore(const std::string& s, double* out) {
  const char* begin = s.c_str();
  char* end = nullptr;
  errno = 0;
  double v = strtod(begin, &end);
  if (end != begin + s.size() || errno == ERANGE || std::isnan(v)) return false;
  *out = v;
  return true;
}

struct SortItem {
  std::string element;
  double score = 0;
  std::optional<std::string> weight;  // ALPHA BY: the external value compared
};

int CompareBytes(std::string_view a, std::string_view b) {
  int c = a.compare(b);
  return c < 0 ? -1 : (c > 0 ? 1 : 0);
}

int CompareItems(const SortItem& a, const SortItem& b, const SortOptions& o) {
  int cmp;
  if (!o.alpha) {
    cmp = a.score < b.score ? -1 : (a.score > b.score ? 1 : CompareBytes(a.element, b.element));
  } else if (o.by) {
    if (!a.weight || !b.weight)
      cmp = a.weight ? 1 : (b.weight ? -1 : 0);
    else
      cmp = CompareBytes(*a.weight, *b.weight);
  } else {
    cmp = CompareBytes(a.element, b.element);
  }
  return o.desc ? -cmp : cmp;
}

// Computes weights and sorts; false (after replying) when a weight is not a number.
bool SortItems(CommandContext& ctx, const SortOptions& o, std::vector<SortItem>* items) {
  bool conversion_error = false;
  for (SortItem& item : *items) {
    std::optional<std::string> weight;
    if (o.by) weight = LookupByPattern(ctx, *o.by, item.element);
    if (o.alpha) {
      if (o.by) item.weight = std::move(weight);
      continue;
    }
    if (o.by && !weight) continue;  // a missing weight counts as 0
    const std::string& text = o.by ? *weight : item.element;
    if (!ParseSortScore(text, &item.score)) conversion_error = true;
  }
  if (conversion_error) {
    ctx.reply.Error(kScoreConversionError);
    return false;
  }
  std::stable_sort(items->begin(), items->end(),
                   [&](const SortItem& a, const SortItem& b) { return CompareItems(a, b, o) < 0; });
  return true;
}

// The [first, last] window LIMIT selects out of `n` items; false when it is empty.
bool LimitWindow(const SortOptions& o, size_t n, size_t* first, size_t* last) {
  if (n == 0) return false;
  uint64_t start = o.limit_start < 0 ? 0 : static_cast<uint64_t>(o.limit_start);
  if (start >= n || o.limit_count == 0) return false;
  uint64_t end = n - 1;
  if (o.limit_count > 0 && static_cast<uint64_t>(o.limit_count) - 1 < n - 1 - start) {
    end = start + static_cast<uint64_t>(o.limit_count) - 1;
  }
  *first = static_cast<size_t>(start);
  *last = static_cast<size_t>(end);
  return true;
}

void StoreResult(CommandContext& ctx, std::string_view store_key,
                 const std::vector<std::optional<std::string>>& output) {
  Server* server = ctx.server;
  if (output.empty()) {
    if (server->keyspace().DeleteKey(ctx.db(), store_key)) {
      server->keyspace().NotifyKeyspaceEvent('g', "del", store_key, ctx.db()->index());
      server->dirty++;
    }
    ctx.reply.Integer(0);
    return;
  }
  auto list = std::make_unique<ListObject>(server->config().list_max_listpack_size);
  for (const auto& v : output) list->Push(ListObject::End::kTail, v ? *v : std::string());
  server->keyspace().SetKey(ctx.db(), store_key, Value::FromObject(std::move(list)));
  server->keyspace().SignalKeyReady(ctx.db(), store_key);
  server->keyspace().NotifyKeyspaceEvent('l', "sortstore", store_key, ctx.db()->index());
  server->dirty += output.size();
  ctx.reply.Integer(static_cast<int64_t>(output.size()));
}

// SORT key [BY pattern] [LIMIT offset count] [GET pattern [GET pattern ...]] [ASC | DESC]
//   [ALPHA] [STORE destination]
// SORT_RO key [BY pattern] [LIMIT offset count] [GET pattern [GET pattern ...]] [ASC | DESC]
//   [ALPHA]
void SortGeneric(CommandContext& ctx, bool read_only) {
  SortOptions o;
  if (!ParseSortOptions(ctx, read_only, &o)) return;
  DbEntry* e = ctx.keyspace().LookupRead(ctx.db(), ctx.arg(1));
  ObjType type = e == nullptr ? ObjType::kList : e->value.type();
  SortElementSource source =
      e == nullptr ? nullptr : Sources()[static_cast<size_t>(e->value.type())];
  if (e != nullptr && (type == ObjType::kString || type == ObjType::kHash || source == nullptr)) {
    ctx.reply.Error(err::kWrongType);
    return;
  }
  // Unsorted set output would depend on the table's order: sort it when it is stored.
  if (o.dont_sort && type == ObjType::kSet && (o.store || ctx.client->has(kClientInScript))) {
    o.dont_sort = false;
    o.alpha = true;
    o.by.reset();
  }
  std::vector<SortItem> items;
  if (e != nullptr) {
    items.reserve(e->value.object()->Length());
    source(*e->value.object(), [&](std::string_view s) {
      items.push_back({std::string(s), 0, std::nullopt});
    });
  }
  if (o.dont_sort) {
    if (o.desc && (type == ObjType::kList || type == ObjType::kZSet)) {
      std::reverse(items.begin(), items.end());
    }
  } else if (!SortItems(ctx, o, &items)) {
    return;
  }
  size_t first = 0, last = 0;
  bool any = LimitWindow(o, items.size(), &first, &last);
  std::vector<std::optional<std::string>> output;
  for (size_t i = first; any && i <= last; i++) {
    if (o.gets.empty()) output.emplace_back(std::move(items[i].element));
    for (std::string_view pattern : o.gets) {
      output.push_back(LookupByPattern(ctx, pattern, items[i].element));
    }
  }
  if (o.store) {
    StoreResult(ctx, *o.store, output);
    return;
  }
  ctx.reply.ArrayHeader(static_cast<int64_t>(output.size()));
  for (const auto& v : output) {
    if (v)
      ctx.reply.Bulk(*v);
    else
      ctx.reply.Null();
  }
}

void Sort(CommandContext& ctx) { SortGeneric(ctx, false); }
void SortRo(CommandContext& ctx) { SortGeneric(ctx, true); }

}  // namespace

void RegisterSortSource(ObjType type, SortElementSource source) {
  Sources()[static_cast<size_t>(type)] = source;
}

void RegisterSortFamily(CommandTable& t) {
  RegisterSortSource(ObjType::kList, ListElements);
  // Sets and sorted sets are sortable too (nothing else registered them).
  RegisterSortSource(ObjType::kSet, SetElements);
  RegisterSortSource(ObjType::kZSet, ZSetElements);
  t.Register("sort", Sort);
  t.Register("sort_ro", SortRo);
}

}  // namespace redsim
