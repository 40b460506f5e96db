// Hash commands in-process: replies, encodings and their thresholds, counters, HRANDFIELD and
// HSCAN. Expected replies match redis-server 7.0 for the same commands.
#include <set>

#include "tests/support/engine_test.h"

namespace redsim::testing {
namespace {

class HashTest : public EngineTest {};

TEST_F(HashTest, SetGetDelete) {
  EXPECT_EQ(Run({"HSET", "h", "a", "1", "b", "2", "a", "3"}), Int(2));
  EXPECT_EQ(Run({"HGET", "h", "a"}), Bulk("3"));
  EXPECT_EQ(Run({"HMGET", "h", "a", "nope", "b"}), Arr({Bulk("3"), Nil(), Bulk("2")}));
  EXPECT_EQ(Run({"HSET", "h", "a"}), Err("ERR wrong number of arguments for 'hset' command"));
  EXPECT_EQ(Run({"HMSET", "h", "c", "4"}), Ok());
  EXPECT_EQ(Run({"HSETNX", "h", "c", "5"}), Int(0));
  EXPECT_EQ(Run({"HGETALL", "h"}), Bulks({"a", "3", "b", "2", "c", "4"}));
  EXPECT_EQ(Run({"HKEYS", "h"}), Bulks({"a", "b", "c"}));
  EXPECT_EQ(Run({"HVALS", "h"}), Bulks({"3", "2", "4"}));
  EXPECT_EQ(Run({"HSTRLEN", "h", "c"}), Int(1));
  EXPECT_EQ(Run({"HEXISTS", "h", "zz"}), Int(0));
  EXPECT_EQ(Run({"HDEL", "h", "a", "a", "b", "zz"}), Int(2));
  EXPECT_EQ(Run({"HLEN", "h"}), Int(1));
  EXPECT_EQ(Run({"HDEL", "h", "c"}), Int(1));
  EXPECT_EQ(Run({"EXISTS", "h"}), Int(0)) << "an emptied hash is deleted";
}

TEST_F(HashTest, ConvertsToATableAtTheConfiguredLimits) {
  EXPECT_EQ(Run({"HSET", "h", "f", std::string(64, 'v')}), Int(1));
  EXPECT_EQ(Run({"OBJECT", "ENCODING", "h"}), Bulk("listpack"));
  EXPECT_EQ(Run({"HSET", "h", "g", std::string(65, 'v')}), Int(1));
  EXPECT_EQ(Run({"OBJECT", "ENCODING", "h"}), Bulk("hashtable"));
  EXPECT_EQ(Run({"CONFIG", "SET", "hash-max-listpack-entries", "2"}), Ok());
  EXPECT_EQ(Run({"HSET", "small", "a", "1", "a", "2", "a", "3"}), Int(1));
  EXPECT_EQ(Run({"HSET", "small", "b", "1"}), Int(1));
  EXPECT_EQ(Run({"OBJECT", "ENCODING", "small"}), Bulk("listpack"));
  EXPECT_EQ(Run({"HSET", "small", "c", "1"}), Int(1));
  EXPECT_EQ(Run({"OBJECT", "ENCODING", "small"}), Bulk("hashtable"));
  EXPECT_EQ(Run({"HDEL", "small", "b", "c"}), Int(2));
  EXPECT_EQ(Run({"OBJECT", "ENCODING", "small"}), Bulk("hashtable")) << "never converts back";
  EXPECT_EQ(Run({"CONFIG", "SET", "hash-max-ziplist-value", "3"}), Ok());
  EXPECT_EQ(Run({"HINCRBYFLOAT", "f", "x", "1.5"}), Bulk("1.5"));
  EXPECT_EQ(Run({"HINCRBYFLOAT", "f", "x", "1000"}), Bulk("1001.5"));
  EXPECT_EQ(Run({"OBJECT", "ENCODING", "f"}), Bulk("hashtable")) << "a long result converts too";
}

TEST_F(HashTest, Counters) {
  EXPECT_EQ(Run({"HINCRBY", "h", "n", "9223372036854775807"}), Int(INT64_MAX));
  EXPECT_EQ(Run({"HINCRBY", "h", "n", "1"}), Err("ERR increment or decrement would overflow"));
  EXPECT_EQ(Run({"HSET", "h", "s", " 1"}), Int(1));
  EXPECT_EQ(Run({"HINCRBY", "h", "s", "1"}), Err("ERR hash value is not an integer"));
  EXPECT_EQ(Run({"HINCRBYFLOAT", "h", "s", "1"}), Err("ERR hash value is not a float"));
  EXPECT_EQ(Run({"HINCRBYFLOAT", "h", "f", "inf"}), Err("ERR value is NaN or Infinity"));
  EXPECT_EQ(Run({"HINCRBYFLOAT", "h", "f", "nan"}), Err("ERR value is not a valid float"));
  EXPECT_EQ(Run({"HINCRBYFLOAT", "h", "n", "1"}), Bulk("9223372036854775808"));
  EXPECT_EQ(Run({"HINCRBYFLOAT", "h", "g", "1e-5"}), Bulk("0.00001"));
}

TEST_F(HashTest, RandomFieldCountsAndShapes) {
  Run({"HSET", "h", "a", "1", "b", "2", "c", "3"});
  EXPECT_EQ(Run({"HRANDFIELD", "nokey"}), Nil());
  EXPECT_EQ(Run({"HRANDFIELD", "h", "0"}), Arr({}));
  EXPECT_EQ(Run({"HRANDFIELD", "h", "5"}), Bulks({"a", "b", "c"}));
  EXPECT_EQ(Run({"HRANDFIELD", "h", "-9223372036854775808"}),
            Err("ERR value is out of range, value must between -9223372036854775807 and "
                "9223372036854775807"));
  EXPECT_EQ(Run({"HRANDFIELD", "h", "-4611686018427387904", "WITHVALUES"}),
            Err("ERR value is out of range"));
  RespValue picks = Run({"HRANDFIELD", "h", "-50", "WITHVALUES"});
  ASSERT_EQ(picks.elements.size(), 100u);
  std::set<std::string> seen;
  for (size_t i = 0; i < picks.elements.size(); i += 2) {
    const std::string& f = picks.elements[i].str;
    seen.insert(f);
    EXPECT_EQ(picks.elements[i + 1].str, std::string(1, static_cast<char>('1' + (f[0] - 'a'))));
  }
  EXPECT_EQ(seen.size(), 3u);
  RespValue two = Run({"HRANDFIELD", "h", "2"});
  ASSERT_EQ(two.elements.size(), 2u);
  EXPECT_NE(two.elements[0], two.elements[1]) << "a positive count picks distinct fields";
}

TEST_F(HashTest, ScanWalksATableToCompletion) {
  std::set<std::string> all;
  for (int i = 0; i < 1000; i++) {
    std::string f = "field:" + std::to_string(i);
    Run({"HSET", "big", f, "v"});
    all.insert(f);
  }
  EXPECT_EQ(Run({"OBJECT", "ENCODING", "big"}), Bulk("hashtable"));
  std::set<std::string> seen;
  std::string cursor = "0";
  int calls = 0;
  do {
    RespValue r = Run({"HSCAN", "big", cursor, "COUNT", "50"});
    cursor = r.elements[0].str;
    for (size_t i = 0; i < r.elements[1].elements.size(); i += 2) {
      seen.insert(r.elements[1].elements[i].str);
    }
    calls++;
  } while (cursor != "0" && calls < 1000);
  EXPECT_EQ(seen, all);
  EXPECT_GT(calls, 5) << "COUNT bounds the work per call";
  EXPECT_EQ(Run({"HSCAN", "big", "0", "COUNT", "0"}), Err("ERR syntax error"));
  EXPECT_EQ(Run({"HSCAN", "big", "x"}), Err("ERR invalid cursor"));
  Run({"HSET", "small", "a", "1", "b", "2"});
  EXPECT_EQ(Run({"HSCAN", "small", "77", "MATCH", "b*"}), Arr({Bulk("0"), Bulks({"b", "2"})}));
}

}  // namespace
}  // namespace redsim::testing

namespace redsim::testing {
namespace {

class HashPropagationTest : public HashTest, public PropagationSink {
 protected:
  void SetUp() override {
    HashTest::SetUp();
    server_->AddPropagationSink(this);
  }
  void TearDown() override {
    server_->RemovePropagationSink(this);
    HashTest::TearDown();
  }
  void Feed(int, const std::vector<std::string_view>& args) override {
    fed.emplace_back(args.begin(), args.end());
  }
  std::vector<std::vector<std::string>> fed;
};

TEST_F(HashPropagationTest, FloatIncrementsPropagateTheirResultAsHset) {
  Run({"HINCRBYFLOAT", "h", "f", "0.1"});
  Run({"HINCRBYFLOAT", "h", "f", "x"});  // an error changes nothing
  Run({"HGET", "h", "f"});
  using Args = std::vector<std::string>;
  EXPECT_EQ(fed, (std::vector<Args>{{"HSET", "h", "f", "0.1"}}));
}

}  // namespace
}  // namespace redsim::testing
