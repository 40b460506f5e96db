// Unit tests of the set encodings, ChainedTable and the set commands, in process.
#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include <set>

#include "engine/types/set_object.h"
#include "tests/support/engine_test.h"

namespace redsim::testing {
namespace {

class SetTest : public EngineTest {};

std::vector<std::string> Sorted(const RespValue& v) {
  std::vector<std::string> out;
  for (const auto& e : v.elements) out.push_back(e.str);
  std::sort(out.begin(), out.end());
  return out;
}

TEST_F(SetTest, IntsetStaysSortedAndConvertsAtTheLimit) {
  EXPECT_EQ(Run({"SADD", "s", "10", "-3", "7"}), Int(3));
  EXPECT_EQ(Run({"OBJECT", "ENCODING", "s"}), Bulk("intset"));
  EXPECT_EQ(Run({"SMEMBERS", "s"}), Bulks({"-3", "7", "10"}));
  EXPECT_EQ(Run({"CONFIG", "SET", "set-max-intset-entries", "4"}), Ok());
  EXPECT_EQ(Run({"SADD", "s", "1"}), Int(1));
  EXPECT_EQ(Run({"OBJECT", "ENCODING", "s"}), Bulk("intset"));
  EXPECT_EQ(Run({"SADD", "s", "2"}), Int(1));
  EXPECT_EQ(Run({"OBJECT", "ENCODING", "s"}), Bulk("hashtable"));
  // Non-canonical integers are strings.
  EXPECT_EQ(Run({"SADD", "t", "007"}), Int(1));
  EXPECT_EQ(Run({"OBJECT", "ENCODING", "t"}), Bulk("hashtable"));
  EXPECT_EQ(Run({"SISMEMBER", "s", "10"}), Int(1));
  EXPECT_EQ(Run({"SISMEMBER", "t", "7"}), Int(0));
}

TEST_F(SetTest, RemovingTheLastMemberDeletesTheKey) {
  Run({"SADD", "s", "a", "b"});
  EXPECT_EQ(Run({"SREM", "s", "a", "b", "c"}), Int(2));
  EXPECT_EQ(Run({"EXISTS", "s"}), Int(0));
  EXPECT_EQ(Run({"SET", "str", "x"}), Ok());
  EXPECT_EQ(Run({"SADD", "str", "a"}),
            Err("WRONGTYPE Operation against a key holding the wrong kind of value"));
}

TEST_F(SetTest, AlgebraAndStores) {
  Run({"SADD", "a", "1", "2", "3", "x"});
  Run({"SADD", "b", "2", "3", "4"});
  EXPECT_EQ(Sorted(Run({"SINTER", "a", "b"})), (std::vector<std::string>{"2", "3"}));
  EXPECT_EQ(Sorted(Run({"SDIFF", "a", "b"})), (std::vector<std::string>{"1", "x"}));
  EXPECT_EQ(Run({"SUNIONSTORE", "u", "a", "b"}), Int(5));
  EXPECT_EQ(Run({"SINTERSTORE", "i", "a", "b"}), Int(2));
  EXPECT_EQ(Run({"OBJECT", "ENCODING", "i"}), Bulk("intset"));
  EXPECT_EQ(Run({"SINTERCARD", "2", "a", "b", "LIMIT", "1"}), Int(1));
  EXPECT_EQ(Run({"SINTERSTORE", "i", "a", "missing"}), Int(0));
  EXPECT_EQ(Run({"EXISTS", "i"}), Int(0));
  EXPECT_EQ(Run({"SMOVE", "a", "b", "x"}), Int(1));
  EXPECT_EQ(Run({"SISMEMBER", "b", "x"}), Int(1));
  EXPECT_EQ(Run({"OBJECT", "ENCODING", "b"}), Bulk("hashtable"));
}

TEST_F(SetTest, PopAndRandomPicks) {
  for (int i = 0; i < 50; i++) Run({"SADD", "s", "m" + std::to_string(i)});
  RespValue picks = Run({"SRANDMEMBER", "s", "10"});
  EXPECT_EQ(picks.elements.size(), 10u);
  std::vector<std::string> sorted = Sorted(picks);
  EXPECT_EQ(std::set<std::string>(sorted.begin(), sorted.end()).size(), 10u);
  EXPECT_EQ(Run({"SRANDMEMBER", "s", "-100"}).elements.size(), 100u);
  RespValue popped = Run({"SPOP", "s", "45"});
  EXPECT_EQ(popped.elements.size(), 45u);
  EXPECT_EQ(Run({"SCARD", "s"}), Int(5));
  for (const auto& p : popped.elements) EXPECT_EQ(Run({"SISMEMBER", "s", p.str}), Int(0));
  EXPECT_EQ(Run({"SPOP", "s", "-1"}), Err("ERR value is out of range, must be positive"));
}

// SSCAN over a big hashtable returns every member present for the whole scan, also when the
// table grows and shrinks between calls.
TEST_F(SetTest, ScanSeesEveryMemberAcrossResizes) {
  std::set<std::string> stable;
  for (int i = 0; i < 2000; i++) {
    std::string m = "m" + std::to_string(i);
    Run({"SADD", "s", m});
    stable.insert(m);
  }
  std::set<std::string> seen;
  std::string cursor = "0";
  int calls = 0, extra = 0;
  do {
    RespValue r = Run({"SSCAN", "s", cursor, "COUNT", "7"});
    cursor = r.elements[0].str;
    for (const auto& e : r.elements[1].elements) seen.insert(e.str);
    // Grow the table mid-scan, then shrink it again.
    if (calls == 20) {
      for (int i = 0; i < 5000; i++) Run({"SADD", "s", "tmp" + std::to_string(extra++)});
    }
    if (calls == 60) {
      for (int i = 0; i < extra; i++) Run({"SREM", "s", "tmp" + std::to_string(i)});
    }
    calls++;
  } while (cursor != "0" && calls < 100000);
  for (const auto& m : stable) EXPECT_EQ(seen.count(m), 1u) << m;
}

TEST(ChainedTableTest, MatchesAModelUnderRandomOperations) {
  EXPECT_TRUE(rc::check("inserts, removes and lookups agree with std::set", [] {
    auto ops = *rc::gen::container<std::vector<std::pair<bool, int>>>(
        rc::gen::pair(rc::gen::arbitrary<bool>(), rc::gen::inRange(0, 300)));
    auto set = SetObject::CreateHashtable(42);
    std::set<std::string> model;
    for (const auto& [add, v] : ops) {
      std::string m = "k" + std::to_string(v);
      if (add)
        RC_ASSERT(set->Add(m, 512) == model.insert(m).second);
      else
        RC_ASSERT(set->Remove(m) == (model.erase(m) == 1));
      RC_ASSERT(set->Length() == model.size());
    }
    for (int v = 0; v < 300; v++) {
      std::string m = "k" + std::to_string(v);
      RC_ASSERT(set->Contains(m) == (model.count(m) == 1));
    }
    auto members = set->Members();
    RC_ASSERT(std::set<std::string>(members.begin(), members.end()) == model);
    // Freeing in steps empties it.
    while (!set->FreeSomeElements(7)) {
    }
  }));
}

}  // namespace
}  // namespace redsim::testing
