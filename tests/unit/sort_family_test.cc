// SORT / SORT_RO in-process. Expected replies match redis-server 7.0 for the same commands.
#include "tests/support/engine_test.h"

namespace redsim::testing {
namespace {

class SortTest : public EngineTest {
 protected:
  void SetUp() override {
    EngineTest::SetUp();
    Run({"RPUSH", "l", "3", "1", "2", "10"});
  }
};

TEST_F(SortTest, NumericAlphaAndLimit) {
  EXPECT_EQ(Run({"SORT", "l"}), Bulks({"1", "2", "3", "10"}));
  EXPECT_EQ(Run({"SORT", "l", "DESC"}), Bulks({"10", "3", "2", "1"}));
  EXPECT_EQ(Run({"SORT", "l", "ALPHA"}), Bulks({"1", "10", "2", "3"}));
  EXPECT_EQ(Run({"SORT", "l", "LIMIT", "1", "2"}), Bulks({"2", "3"}));
  EXPECT_EQ(Run({"SORT", "l", "LIMIT", "-1", "2"}), Bulks({"1", "2"}));
  EXPECT_EQ(Run({"SORT", "l", "LIMIT", "2", "9223372036854775807"}), Bulks({"3", "10"}));
  EXPECT_EQ(Run({"SORT", "l", "LIMIT", "1"}), Err("ERR syntax error"));
  Run({"RPUSH", "bad", "a", "1"});
  EXPECT_EQ(Run({"SORT", "bad"}), Err("ERR One or more scores can't be converted into double"));
  EXPECT_EQ(Run({"SORT", "bad", "ALPHA"}), Bulks({"1", "a"}));
}

TEST_F(SortTest, NoSortKeepsListOrderAndDescReversesIt) {
  EXPECT_EQ(Run({"SORT", "l", "BY", "nosort"}), Bulks({"3", "1", "2", "10"}));
  EXPECT_EQ(Run({"SORT", "l", "BY", "nosort", "DESC"}), Bulks({"10", "2", "1", "3"}));
  EXPECT_EQ(Run({"SORT", "l", "BY", "constant", "LIMIT", "1", "2"}), Bulks({"1", "2"}));
}

TEST_F(SortTest, ByAndGetPatternsIncludingHashFields) {
  Run({"MSET", "w_1", "100", "w_2", "5", "w_3", "30", "w_10", "-1"});
  Run({"HSET", "o_1", "f", "9"});
  Run({"HSET", "o_3", "f", "8"});
  EXPECT_EQ(Run({"SORT", "l", "BY", "w_*"}), Bulks({"10", "2", "3", "1"}));
  EXPECT_EQ(Run({"SORT", "l", "BY", "w_*", "GET", "#", "GET", "w_*"}),
            Bulks({"10", "-1", "2", "5", "3", "30", "1", "100"}));
  EXPECT_EQ(Run({"SORT", "l", "BY", "o_*->f", "GET", "o_*->f"}),
            Arr({Nil(), Nil(), Bulk("8"), Bulk("9")}));
  EXPECT_EQ(Run({"SORT", "l", "BY", "w_*", "ALPHA"}), Bulks({"10", "1", "3", "2"}));
  EXPECT_EQ(Run({"SORT", "l", "GET", "o_->f"}), Arr({Nil(), Nil(), Nil(), Nil()}));
}

TEST_F(SortTest, StoreWritesAListAndEmptyResultsDelete) {
  EXPECT_EQ(Run({"SORT", "l", "DESC", "STORE", "dst"}), Int(4));
  EXPECT_EQ(Run({"LRANGE", "dst", "0", "-1"}), Bulks({"10", "3", "2", "1"}));
  EXPECT_EQ(Run({"SORT", "l", "GET", "missing_*", "STORE", "dst"}), Int(4));
  EXPECT_EQ(Run({"LRANGE", "dst", "0", "0"}), Bulks({""}));
  EXPECT_EQ(Run({"SORT", "nokey", "STORE", "dst"}), Int(0));
  EXPECT_EQ(Run({"EXISTS", "dst"}), Int(0));
  EXPECT_EQ(Run({"SORT_RO", "l", "STORE", "dst"}), Err("ERR syntax error"));
  EXPECT_EQ(Run({"SORT", "l", "STORE", "l"}), Int(4));
  EXPECT_EQ(Run({"LRANGE", "l", "0", "-1"}), Bulks({"1", "2", "3", "10"}));
  Client* waiter = NewClient();
  Run(waiter, {"BLPOP", "sorted", "0"});
  EXPECT_EQ(Run({"SORT", "l", "STORE", "sorted"}), Int(4));
  EXPECT_EQ(TakeReplies(waiter), std::vector<RespValue>{Bulks({"sorted", "1"})});
}

TEST_F(SortTest, WrongTypes) {
  Run({"SET", "s", "x"});
  Run({"HSET", "h", "a", "b"});
  const auto wrongtype = Err("WRONGTYPE Operation against a key holding the wrong kind of value");
  EXPECT_EQ(Run({"SORT", "s"}), wrongtype);
  EXPECT_EQ(Run({"SORT", "h"}), wrongtype);
  EXPECT_EQ(Run({"SORT", "s", "FOO"}), Err("ERR syntax error")) << "syntax is checked first";
}

}  // namespace
}  // namespace redsim::testing
