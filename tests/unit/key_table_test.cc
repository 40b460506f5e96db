// KeyTable: the hash table behind each database. Operations against a std::map model, the
// incremental rehash in both directions, and the SCAN guarantee: a key present for the whole of
// a scan is returned at least once, however the table grows or shrinks between the calls.
#include "engine/db/key_table.h"

#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include <map>
#include <set>
#include <string>

#include "engine/base/random.h"

namespace redsim {
namespace {

DbEntry* Make(const std::string& key, int64_t v) { return DbEntry::Create(key, Value::Integer(v)); }

std::set<std::string> AllKeys(const KeyTable& t) {
  std::set<std::string> keys;
  t.ForEach([&](DbEntry* e) { keys.insert(std::string(e->key())); });
  return keys;
}

RC_GTEST_PROP(KeyTableProperty, BehavesLikeAMap, ()) {
  KeyTable table(*rc::gen::arbitrary<uint64_t>());
  std::map<std::string, int64_t> model;
  auto ops = *rc::gen::container<std::vector<std::pair<int, int>>>(
      rc::gen::pair(rc::gen::inRange(0, 4), rc::gen::inRange(0, 300)));
  for (auto [op, n] : ops) {
    std::string key = "k" + std::to_string(n);
    switch (op) {
      case 0:
      case 1:
        if (table.Find(key) == nullptr) {
          table.Insert(Make(key, n));
          model[key] = n;
        }
        break;
      case 2: {
        DbEntry* e = table.Unlink(key);
        RC_ASSERT((e != nullptr) == (model.erase(key) == 1));
        if (e != nullptr) DbEntry::Destroy(e);
        break;
      }
      default:
        table.RehashSteps(1);
        table.MaybeShrink();
        break;
    }
    RC_ASSERT(table.size() == model.size());
  }
  for (const auto& [k, v] : model) {
    DbEntry* e = table.Find(k);
    RC_ASSERT(e != nullptr);
    RC_ASSERT(e->value.int_value() == v);
  }
  std::set<std::string> expected;
  for (const auto& kv : model) expected.insert(kv.first);
  RC_ASSERT(AllKeys(table) == expected);
}

// Between calls of a scan or walk: a burst of inserts (growth, rehash in progress) or of deletes
// of the newest "churn" keys (then a shrink), and a few rehash steps.
void Churn(KeyTable& table, Random& rng, int* churn) {
  int burst = static_cast<int>(rng.Uniform(200));
  if (rng.Uniform(2) == 0) {
    for (int i = 0; i < burst; i++) table.Insert(Make("churn" + std::to_string((*churn)++), 0));
  } else {
    for (int i = 0; i<burst&& * churn> 0; i++) {
      DbEntry* e = table.Unlink("churn" + std::to_string(--*churn));
      if (e != nullptr) DbEntry::Destroy(e);
    }
    table.MaybeShrink();
  }
  table.RehashSteps(static_cast<int>(rng.Uniform(3)));
}

RC_GTEST_PROP(KeyTableProperty, ScanReturnsEveryKeyPresentThroughout, ()) {
  KeyTable table(*rc::gen::arbitrary<uint64_t>());
  int stable = *rc::gen::inRange(0, 300);
  // The churn between calls is drawn from a seeded generator rather than one RapidCheck value
  // per decision: a scan takes thousands of calls.
  Random churn_rng(*rc::gen::arbitrary<uint64_t>());
  for (int i = 0; i < stable; i++) table.Insert(Make("stable" + std::to_string(i), i));
  std::set<std::string> seen;
  int churn = 0;
  uint64_t cursor = 0;
  int calls = 0;
  do {
    cursor = table.Scan(cursor, [&](DbEntry* e) { seen.insert(std::string(e->key())); });
    RC_ASSERT(++calls < 1000000);
    Churn(table, churn_rng, &churn);
  } while (cursor != 0);
  for (int i = 0; i < stable; i++) RC_ASSERT(seen.count("stable" + std::to_string(i)) == 1u);
}

// Walk (snapshots' in-order walk) keeps the same guarantee under the same churn: growth,
// rehash steps and shrinks between calls, including rehashes that complete mid-walk.
RC_GTEST_PROP(KeyTableProperty, WalkVisitsEveryKeyPresentThroughout, ()) {
  KeyTable table(*rc::gen::arbitrary<uint64_t>());
  int stable = *rc::gen::inRange(0, 300);
  size_t batch = *rc::gen::inRange<size_t>(1, 50);
  Random churn_rng(*rc::gen::arbitrary<uint64_t>());
  for (int i = 0; i < stable; i++) table.Insert(Make("stable" + std::to_string(i), i));
  std::set<std::string> seen;
  int churn = 0;
  int calls = 0;
  KeyTable::WalkPosition pos;
  while (!table.Walk(&pos, batch, [&](DbEntry* e) { seen.insert(std::string(e->key())); })) {
    RC_ASSERT(++calls < 1000000);
    Churn(table, churn_rng, &churn);
  }
  for (int i = 0; i < stable; i++) RC_ASSERT(seen.count("stable" + std::to_string(i)) == 1u);
}

TEST(KeyTableTest, WalkOfAnEmptyOrReservedTableEndsAtOnce) {
  KeyTable table(7);
  KeyTable::WalkPosition pos;
  size_t visits = 0;
  EXPECT_TRUE(table.Walk(&pos, 10, [&](DbEntry*) { visits++; }));
  table.Reserve(1000);
  EXPECT_EQ(table.bucket_count(), 1024u);
  EXPECT_FALSE(table.rehashing());
  for (int i = 0; i < 1000; i++) table.Insert(Make("k" + std::to_string(i), i));
  EXPECT_EQ(table.bucket_count(), 1024u);  // no growth: the reservation held them
  pos = KeyTable::WalkPosition{};
  while (!table.Walk(&pos, 100, [&](DbEntry*) { visits++; })) {
  }
  EXPECT_EQ(visits, 1000u);
}

TEST(KeyTableTest, GrowsAndShrinksThroughRehash) {
  KeyTable table(7);
  for (int i = 0; i < 10000; i++) table.Insert(Make("k" + std::to_string(i), i));
  while (table.RehashSteps(100)) {
  }
  EXPECT_GE(table.bucket_count(), 10000u);
  for (int i = 0; i < 9990; i++) DbEntry::Destroy(table.Unlink("k" + std::to_string(i)));
  table.MaybeShrink();
  EXPECT_TRUE(table.rehashing());
  while (table.RehashSteps(100)) {
  }
  EXPECT_LE(table.bucket_count(), 64u);
  EXPECT_EQ(table.size(), 10u);
  for (int i = 9990; i < 10000; i++) EXPECT_NE(table.Find("k" + std::to_string(i)), nullptr);
}

uint64_t NextRandom(void* rng) { return static_cast<Random*>(rng)->Next(); }

TEST(KeyTableTest, RandomEntryReachesEveryKey) {
  KeyTable table(3);
  for (int i = 0; i < 50; i++) table.Insert(Make("k" + std::to_string(i), i));
  Random rng(42);
  std::set<std::string> picked;
  for (int i = 0; i < 5000; i++) {
    picked.insert(std::string(table.RandomEntry(NextRandom, &rng)->key()));
  }
  EXPECT_EQ(picked.size(), 50u);
  KeyTable empty(1);
  EXPECT_EQ(empty.RandomEntry(NextRandom, &rng), nullptr);
}

TEST(KeyTableTest, KeysOfAnyBytesAndLength) {
  KeyTable table(5);
  std::string binary("a\0b\r\n\xff", 6);
  std::string big(100000, 'x');
  for (const std::string& k : {std::string(), binary, big, std::string("k")}) {
    table.Insert(Make(k, 1));
  }
  EXPECT_NE(table.Find(""), nullptr);
  EXPECT_NE(table.Find(binary), nullptr);
  EXPECT_EQ(table.Find(std::string("a\0b", 3)), nullptr);
  EXPECT_EQ(table.Find(big)->key().size(), 100000u);
  EXPECT_EQ(table.size(), 4u);
}

}  // namespace
}  // namespace redsim
