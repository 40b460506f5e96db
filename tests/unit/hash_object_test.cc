// Hash representations checked against an insertion-ordered model: packed order, conversion at
// the configured limits, HSCAN coverage across resizes, random picks.
#include "engine/types/hash_object.h"

#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

namespace redsim {
namespace {

using Pairs = std::vector<std::pair<std::string, std::string>>;

Pairs Contents(const HashObject* h) {
  Pairs out;
  h->ForEach([&](std::string_view f, std::string_view v) { out.emplace_back(f, v); });
  return out;
}

Value NewHash() { return Value::FromObject(hash::Create(0)); }

RC_GTEST_PROP(HashObjectModel, MatchesAnInsertionOrderedModel, ()) {
  hash::Limits limits;
  limits.max_listpack_entries = *rc::gen::inRange<int64_t>(0, 10);
  limits.max_listpack_value = *rc::gen::inRange<int64_t>(0, 70);
  Random rng(*rc::gen::arbitrary<uint64_t>());
  Value v = NewHash();
  Pairs model;
  bool expect_packed = true;
  int steps = *rc::gen::inRange(1, 120);
  for (int step = 0; step < steps; step++) {
    std::string field = "f" + std::to_string(*rc::gen::inRange(0, 12));
    if (*rc::gen::inRange(0, 20) == 0) field = std::string(*rc::gen::inRange(60, 80), 'F');
    auto it = std::find_if(model.begin(), model.end(), [&](auto& p) { return p.first == field; });
    if (*rc::gen::inRange(0, 3) > 0) {
      std::string value(*rc::gen::inRange(0, 75), 'v');
      if (static_cast<int64_t>(field.size()) > limits.max_listpack_value ||
          static_cast<int64_t>(value.size()) > limits.max_listpack_value) {
        expect_packed = false;
      }
      bool created = hash::Set(v, field, value, limits, rng);
      RC_ASSERT(created == (it == model.end()));
      if (it == model.end())
        model.emplace_back(field, value);
      else
        it->second = value;
      if (static_cast<int64_t>(model.size()) > limits.max_listpack_entries) expect_packed = false;
    } else {
      bool deleted = hash::Delete(v, field);
      RC_ASSERT(deleted == (it != model.end()));
      if (it != model.end()) model.erase(it);
    }
    auto* h = v.As<HashObject>();
    RC_ASSERT(h->packed() == expect_packed);
    RC_ASSERT(h->Length() == model.size());
    for (const auto& [f, val] : model) {
      auto found = h->Find(f);
      RC_ASSERT(found.has_value());
      RC_ASSERT(std::string(*found) == val);
    }
    RC_ASSERT(!h->Find("missing").has_value());
    Pairs got = Contents(h);
    if (h->packed()) {
      RC_ASSERT(got == model);  // packed hashes keep insertion order, updates in place
    } else {
      Pairs sorted_model = model;
      std::sort(got.begin(), got.end());
      std::sort(sorted_model.begin(), sorted_model.end());
      RC_ASSERT(got == sorted_model);
    }
    auto copy = h->Clone();
    Pairs copied = Contents(static_cast<const HashObject*>(copy.get()));
    if (!h->packed()) std::sort(copied.begin(), copied.end());  // chains may come out reversed
    RC_ASSERT(copied == got);
  }
}

TEST(HashObject, ScanReturnsEveryStableFieldAcrossResizes) {
  hash::Limits limits;
  limits.max_listpack_entries = 0;  // a table from the first field
  Random rng(7);
  Value v = NewHash();
  std::set<std::string> stable;
  for (int i = 0; i < 500; i++) {
    std::string f = "stable" + std::to_string(i);
    hash::Set(v, f, "x", limits, rng);
    stable.insert(f);
  }
  std::set<std::string> seen;
  uint64_t cursor = 0;
  int round = 0;
  do {
    cursor = v.As<HashObject>()->Scan(
        cursor, 7, [&](std::string_view f, std::string_view) { seen.insert(std::string(f)); });
    // Grow the table during the scan, then shrink it again, to cross resizes both ways.
    if (round < 40) {
      for (int i = 0; i < 60; i++) {
        hash::Set(v, "tmp" + std::to_string(round * 60 + i), "y", limits, rng);
      }
    } else {
      for (int i = 0; i < 40 * 60; i++) hash::Delete(v, "tmp" + std::to_string(i));
    }
    round++;
  } while (cursor != 0);
  for (const auto& f : stable) EXPECT_TRUE(seen.count(f)) << f;
  EXPECT_EQ(v.As<HashObject>()->Length(), 500u);
}

TEST(HashObject, RandomFieldPicksExistingFieldsOfBothKinds) {
  Random rng(3);
  for (int64_t entries : {512, 0}) {
    hash::Limits limits;
    limits.max_listpack_entries = entries;
    Value v = NewHash();
    for (int i = 0; i < 20; i++) hash::Set(v, "f" + std::to_string(i), "v", limits, rng);
    std::set<std::string> picked;
    for (int i = 0; i < 400; i++) {
      v.As<HashObject>()->RandomField(rng, [&](std::string_view f, std::string_view val) {
        EXPECT_EQ(val, "v");
        picked.insert(std::string(f));
      });
    }
    EXPECT_EQ(picked.size(), 20u) << "entries limit " << entries;
  }
}

TEST(HashObject, SmallHashesShareOneAllocationWithTheirEntries) {
  Value v = Value::FromObject(hash::Create(hash::PackedPairBytes("field1", "value-1") * 5));
  Random rng(1);
  for (int i = 1; i <= 5; i++) {
    hash::Set(v, "field" + std::to_string(i), "value-" + std::to_string(i), {}, rng);
  }
  EXPECT_EQ(v.encoding(), Encoding::kListpack);
  // Header (16 bytes) plus five pairs of 7 + 8 bytes, within one allocator size class.
  EXPECT_LE(v.MemoryUsage(), 16u + 5 * 15 + 24);
}

}  // namespace
}  // namespace redsim
