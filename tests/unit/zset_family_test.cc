// Unit tests of the sorted-set encodings and commands, in process: the skip list and the
// listpack against a model, score printing, blocking pops with the manual clock.
#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include <map>
#include <set>

#include "engine/types/zset_object.h"
#include "tests/support/engine_test.h"

namespace redsim::testing {
namespace {

class ZSetTest : public EngineTest {};

// Both encodings agree with a std::set<(score, member)> model on every query the commands use.
TEST(ZSetObjectTest, EncodingsMatchAModel) {
  EXPECT_TRUE(rc::check("ranks, ranges and scores match the model", [] {
    bool listpack = *rc::gen::arbitrary<bool>();
    auto z = ZSetObject::Create(listpack, 7);
    std::map<std::string, double> scores;
    std::set<std::pair<double, std::string>> order;
    auto ops = *rc::gen::container<std::vector<std::tuple<int, int, int>>>(
        rc::gen::tuple(rc::gen::inRange(0, 4), rc::gen::inRange(0, 60), rc::gen::inRange(-5, 6)));
    for (const auto& [op, mi, sc] : ops) {
      std::string m = "m" + std::to_string(mi);
      double s = sc * 0.5;
      auto it = scores.find(m);
      if (op <= 1) {
        if (it == scores.end()) {
          z->Insert(m, s);
        } else {
          z->UpdateScore(m, s);
          order.erase({it->second, m});
        }
        scores[m] = s;
        order.insert({s, m});
      } else if (op == 2) {
        RC_ASSERT(z->Erase(m) == (it != scores.end()));
        if (it != scores.end()) {
          order.erase({it->second, m});
          scores.erase(it);
        }
      } else if (!order.empty()) {
        size_t a = static_cast<size_t>(mi) % order.size();
        size_t b = std::min(order.size(), a + static_cast<size_t>(sc + 5));
        z->EraseRange(a, b);
        auto first = std::next(order.begin(), static_cast<std::ptrdiff_t>(a));
        auto last = std::next(order.begin(), static_cast<std::ptrdiff_t>(b));
        for (auto i = first; i != last; ++i) scores.erase(i->second);
        order.erase(first, last);
      }
      RC_ASSERT(z->Length() == order.size());
    }
    size_t rank = 0;
    for (const auto& [s, m] : order) {
      RC_ASSERT((z->Rank(m) == std::optional<size_t>(rank)));
      RC_ASSERT((z->Score(m) == std::optional<double>(s)));
      rank++;
    }
    std::vector<std::pair<double, std::string>> walked;
    z->ForEachInRange(0, z->Length(), [&](std::string_view m, double s) {
      walked.emplace_back(s, std::string(m));
    });
    RC_ASSERT((walked == std::vector<std::pair<double, std::string>>(order.begin(), order.end())));
    for (int b = -6; b <= 6; b++) {
      double bound = b * 0.5;
      size_t below = 0, at_or_below = 0;
      for (const auto& [s, m] : order) {
        below += s < bound;
        at_or_below += s <= bound;
      }
      RC_ASSERT(z->CountBelowScore(bound, false) == below);
      RC_ASSERT(z->CountBelowScore(bound, true) == at_or_below);
    }
    while (!z->FreeSomeElements(5)) {
    }
  }));
}

TEST_F(ZSetTest, ScoresPrintAsRedisPrintsThem) {
  EXPECT_EQ(Run({"ZADD", "z", "0.1", "a", "1e17", "b", "inf", "c", "-0", "d"}), Int(4));
  EXPECT_EQ(Run({"ZSCORE", "z", "a"}), Bulk("0.10000000000000001"));
  EXPECT_EQ(Run({"ZSCORE", "z", "b"}), Bulk("1e+17"));
  EXPECT_EQ(Run({"ZSCORE", "z", "c"}), Bulk("inf"));
  // The listpack keeps no negative zero; its ZSCAN text prints integers in full.
  EXPECT_EQ(Run({"ZSCORE", "z", "d"}), Bulk("0"));
  EXPECT_EQ(Run({"ZSCAN", "z", "0"}),
            Arr({Bulk("0"), Bulks({"d", "0", "a", "0.10000000000000001", "b", "100000000000000000",
                                   "c", "inf"})}));
  EXPECT_EQ(Run({"ZINCRBY", "z", "-inf", "c"}), Err("ERR resulting score is not a number (NaN)"));
  EXPECT_EQ(Run({"ZADD", "z", "nan", "e"}), Err("ERR value is not a valid float"));
  EXPECT_EQ(Run({"ZCOUNT", "z", "(0", "+inf"}), Int(3));
  EXPECT_EQ(Run({"ZCOUNT", "z", "x", "1"}), Err("ERR min or max is not a float"));
}

TEST_F(ZSetTest, ConvertsToSkiplistAtTheLimits) {
  Run({"CONFIG", "SET", "zset-max-listpack-entries", "3"});
  Run({"ZADD", "z", "1", "a", "2", "b", "3", "c"});
  EXPECT_EQ(Run({"OBJECT", "ENCODING", "z"}), Bulk("listpack"));
  Run({"ZADD", "z", "4", "d"});
  EXPECT_EQ(Run({"OBJECT", "ENCODING", "z"}), Bulk("skiplist"));
  EXPECT_EQ(Run({"ZRANGE", "z", "0", "-1", "REV"}), Bulks({"d", "c", "b", "a"}));
  EXPECT_EQ(Run({"ZRANK", "z", "a"}), Int(0));
  EXPECT_EQ(Run({"ZREVRANK", "z", "a"}), Int(3));
  // Stores convert back when the result fits.
  EXPECT_EQ(Run({"ZRANGESTORE", "d", "z", "0", "1"}), Int(2));
  EXPECT_EQ(Run({"OBJECT", "ENCODING", "d"}), Bulk("listpack"));
  Run({"ZADD", "long", "1", std::string(65, 'x')});
  EXPECT_EQ(Run({"OBJECT", "ENCODING", "long"}), Bulk("skiplist"));
}

TEST_F(ZSetTest, RangesWithLimitsAndDirections) {
  Run({"ZADD", "z", "1", "a", "2", "b", "3", "c", "4", "d", "5", "e"});
  EXPECT_EQ(Run({"ZRANGEBYSCORE", "z", "(1", "4", "LIMIT", "1", "2"}), Bulks({"c", "d"}));
  EXPECT_EQ(Run({"ZREVRANGEBYSCORE", "z", "+inf", "-inf", "LIMIT", "1", "2"}), Bulks({"d", "c"}));
  EXPECT_EQ(Run({"ZRANGE", "z", "(4", "2", "BYSCORE", "REV"}), Bulks({"c", "b"}));
  EXPECT_EQ(Run({"ZRANGE", "z", "-2", "-1", "WITHSCORES"}), Bulks({"d", "4", "e", "5"}));
  EXPECT_EQ(Run({"ZREMRANGEBYSCORE", "z", "2", "(4"}), Int(2));
  EXPECT_EQ(Run({"ZRANGE", "z", "0", "-1"}), Bulks({"a", "d", "e"}));
  EXPECT_EQ(Run({"ZPOPMAX", "z", "2"}), Bulks({"e", "5", "d", "4"}));
  EXPECT_EQ(Run({"ZMPOP", "1", "z", "MIN", "COUNT", "5"}),
            Arr({Bulk("z"), Arr({Bulks({"a", "1"})})}));
  EXPECT_EQ(Run({"EXISTS", "z"}), Int(0));
}

TEST_F(ZSetTest, AlgebraWeightsAndAggregates) {
  Run({"ZADD", "a", "1", "x", "2", "y"});
  Run({"ZADD", "b", "10", "y", "20", "z"});
  Run({"SADD", "s", "y"});
  EXPECT_EQ(Run({"ZUNION", "2", "a", "b", "WEIGHTS", "2", "1", "WITHSCORES"}),
            Bulks({"x", "2", "y", "14", "z", "20"}));
  EXPECT_EQ(Run({"ZINTER", "3", "a", "b", "s", "AGGREGATE", "MAX", "WITHSCORES"}),
            Bulks({"y", "10"}));
  EXPECT_EQ(Run({"ZDIFF", "2", "a", "b"}), Bulks({"x"}));
  EXPECT_EQ(Run({"ZINTERCARD", "2", "a", "b"}), Int(1));
  // inf * 0 and inf + -inf count as 0.
  Run({"ZADD", "i", "inf", "q"});
  Run({"ZADD", "j", "-inf", "q"});
  EXPECT_EQ(Run({"ZUNION", "2", "i", "j", "WITHSCORES"}), Bulks({"q", "0"}));
  EXPECT_EQ(Run({"ZUNION", "1", "i", "WEIGHTS", "0", "WITHSCORES"}), Bulks({"q", "0"}));
}

TEST_F(ZSetTest, BlockingPopIsServedByALaterAdd) {
  Client* waiter = NewClient();
  EXPECT_EQ(Run(waiter, {"BZPOPMIN", "z", "0"}), NoReply());
  Client* other = NewClient();
  EXPECT_EQ(Run(other, {"ZADD", "z", "3", "c", "1", "a"}), Int(2));
  auto replies = TakeReplies(waiter);
  ASSERT_EQ(replies.size(), 1u);
  EXPECT_EQ(replies[0], Bulks({"z", "a", "1"}));
  EXPECT_EQ(Run({"ZCARD", "z"}), Int(1));
}

TEST_F(ZSetTest, BlockingPopTimesOut) {
  Client* waiter = NewClient();
  EXPECT_EQ(Run(waiter, {"BZMPOP", "0.5", "1", "z", "MAX"}), NoReply());
  AdvanceMs(499);
  env_.Drain();
  EXPECT_TRUE(TakeReplies(waiter).empty());
  AdvanceMs(2);
  env_.Drain();
  auto replies = TakeReplies(waiter);
  ASSERT_EQ(replies.size(), 1u);
  EXPECT_EQ(replies[0], NilArray());
  EXPECT_EQ(Run({"BZPOPMIN", "z", "-1"}), Err("ERR timeout is negative"));
}

// Redis 7.0 (asked directly): ZINCRBY goes through ZADD's flag parser, so a flag word where the
// increment belongs is a syntax error; a word that is not a flag is a float error.
TEST_F(ZSetTest, ZIncrByIncrementSpelledLikeAFlagIsASyntaxError) {
  for (const char* flag : {"NX", "xx", "GT", "lt", "CH", "incr"}) {
    EXPECT_EQ(Run({"ZINCRBY", "z", flag, "m"}), Err("ERR syntax error")) << flag;
  }
  EXPECT_EQ(Run({"ZINCRBY", "z", "nan", "m"}), Err("ERR value is not a valid float"));
  EXPECT_EQ(Run({"ZINCRBY", "z", "two", "m"}), Err("ERR value is not a valid float"));
  EXPECT_EQ(Run({"ZINCRBY", "z", "2", "m"}), Bulk("2"));
  EXPECT_EQ(Run({"EXISTS", "z"}), Int(1));
}

}  // namespace
}  // namespace redsim::testing
