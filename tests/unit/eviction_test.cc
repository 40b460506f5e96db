// Eviction on the manual clock with a deterministic memory figure: 1000 bytes plus 100 per key,
// so maxmemory 2000 holds exactly 10 keys. Checks that each policy picks the right victims,
// that noeviction (or nothing left to evict) refuses deny-oom commands with Redis's OOM text,
// and that evictions are counted, propagated as DEL and LFU counters behave as Redis's.
#include "engine/server/eviction.h"

#include <set>
#include <string>

#include "tests/support/engine_test.h"

namespace redsim::testing {
namespace {

constexpr uint64_t kBaseBytes = 1000;
constexpr uint64_t kBytesPerKey = 100;

class RecordingSink : public PropagationSink {
 public:
  void Feed(int, const std::vector<std::string_view>& args) override {
    std::string line;
    for (auto a : args) line += std::string(a) + " ";
    lines.push_back(line);
  }
  std::vector<std::string> lines;
};

class EvictionTest : public EngineTest {
 protected:
  void SetUp() override {
    EngineTest::SetUp();
    env_.set_allocated_bytes([this] {
      uint64_t keys = 0;
      for (int i = 0; i < server_->keyspace().db_count(); i++)
        keys += server_->keyspace().db(i)->size();
      return kBaseBytes + kBytesPerKey * keys;
    });
    Run({"CONFIG", "SET", "maxmemory", std::to_string(kBaseBytes + 10 * kBytesPerKey)});
    server_->AddPropagationSink(&sink_);
  }
  void TearDown() override {
    server_->RemovePropagationSink(&sink_);
    EngineTest::TearDown();
  }
  std::set<std::string> Keys() {
    std::set<std::string> out;
    for (const auto& k : Run({"KEYS", "*"}).elements) out.insert(k.str);
    return out;
  }
  int64_t EvictedKeys() {
    std::string info = Run({"INFO", "stats"}).str;
    size_t pos = info.find("evicted_keys:");
    return std::stoll(info.substr(pos + 13));
  }
  void Fill(const std::string& prefix, int n, bool with_ttl = false) {
    for (int i = 0; i < n; i++) {
      if (with_ttl)
        Run({"SET", prefix + std::to_string(i), "v", "EX", std::to_string(1000 + i)});
      else
        Run({"SET", prefix + std::to_string(i), "v"});
    }
  }
  RecordingSink sink_;
};

TEST_F(EvictionTest, NoEvictionRefusesDenyOomCommands) {
  Fill("k", 10);
  EXPECT_EQ(Run({"SET", "k10", "v"}), Ok());  // over the limit only after this write
  EXPECT_EQ(Run({"SET", "k11", "v"}),
            Err("OOM command not allowed when used memory > 'maxmemory'."));
  EXPECT_EQ(Run({"GET", "k1"}), Bulk("v"));  // reads still work
  EXPECT_EQ(Run({"DEL", "k1", "k2"}), Int(2));
  EXPECT_EQ(Run({"SET", "k11", "v"}), Ok());
  // Queued commands are refused too, and then EXEC aborts.
  Run({"SET", "k12", "v"});
  Run({"MULTI"});
  EXPECT_EQ(Run({"GET", "k1"}), Err("OOM command not allowed when used memory > 'maxmemory'."));
  EXPECT_EQ(Run({"EXEC"}), Err("EXECABORT Transaction discarded because of previous errors."));
  EXPECT_EQ(EvictedKeys(), 0);
}

// A script's first deny-oom write fails over the limit, as in Redis; our primary's stream is
// exempt (a replica applies what its primary did).
TEST_F(EvictionTest, ScriptWritesObeyMaxmemoryExceptFromOurPrimary) {
  Fill("k", 11);
  const std::string body = "return redis.call('set', 'fromscript', 'v')";
  RespValue refused = Run({"EVAL", body, "0"});
  ASSERT_TRUE(refused.is_error());
  EXPECT_EQ(refused.str.rfind("OOM command not allowed when used memory > 'maxmemory'.", 0), 0u);
  EXPECT_EQ(Run({"EXISTS", "fromscript"}), Int(0));
  Client* primary = NewClient();
  primary->flags |= kClientMaster;
  Run(primary, {"EVAL", body, "0"});
  EXPECT_EQ(Run({"EXISTS", "fromscript"}), Int(1));
}

TEST_F(EvictionTest, AllKeysLruEvictsTheIdleKeys) {
  Run({"CONFIG", "SET", "maxmemory-policy", "allkeys-lru"});
  Run({"CONFIG", "SET", "maxmemory-samples", "10"});
  Fill("old", 5);
  AdvanceMs(100000);
  Fill("new", 5);
  AdvanceMs(100000);
  for (int i = 0; i < 5; i++) Run({"GET", "new" + std::to_string(i)});
  Fill("newer", 5);
  // Each write over the limit evicted one key, always among the idle ones.
  std::set<std::string> expected;
  for (int i = 0; i < 5; i++) {
    expected.insert("new" + std::to_string(i));
    expected.insert("newer" + std::to_string(i));
  }
  Run({"PING"});  // the last write's excess is evicted before the next command
  EXPECT_EQ(Keys(), expected);
  EXPECT_EQ(EvictedKeys(), 5);
  int dels = 0;
  for (const auto& l : sink_.lines) dels += l.rfind("DEL old", 0) == 0;
  EXPECT_EQ(dels, 5);  // each eviction reached the AOF and replicas as a DEL
}

TEST_F(EvictionTest, VolatilePoliciesEvictOnlyKeysWithATtl) {
  for (const char* policy : {"volatile-lru", "volatile-lfu", "volatile-random", "volatile-ttl"}) {
    Run({"FLUSHALL"});
    Run({"CONFIG", "SET", "maxmemory-policy", policy});
    Fill("p", 5);
    Fill("t", 5, /*with_ttl=*/true);
    Fill("x", 3, /*with_ttl=*/true);
    Run({"PING"});
    std::set<std::string> keys = Keys();
    EXPECT_EQ(keys.size(), 10u) << policy;
    for (int i = 0; i < 5; i++) EXPECT_TRUE(keys.count("p" + std::to_string(i))) << policy;
    // With only persistent keys left, there is nothing to evict: deny-oom commands fail.
    Run({"PERSIST", "t0"});
    for (int i = 0; i < 5; i++) Run({"PERSIST", "t" + std::to_string(i)});
    for (int i = 0; i < 3; i++) Run({"PERSIST", "x" + std::to_string(i)});
    Run({"SET", "over", "v"});
    EXPECT_EQ(Run({"SET", "more", "v"}),
              Err("OOM command not allowed when used memory > 'maxmemory'."))
        << policy;
  }
}

TEST_F(EvictionTest, VolatileTtlEvictsTheNearestExpiry) {
  Run({"CONFIG", "SET", "maxmemory-policy", "volatile-ttl"});
  Run({"CONFIG", "SET", "maxmemory-samples", "10"});
  Fill("t", 10, /*with_ttl=*/true);  // t0 expires first
  Run({"SET", "extra", "v"});
  Run({"PING"});
  EXPECT_FALSE(Keys().count("t0"));
  EXPECT_EQ(Keys().size(), 10u);
}

TEST_F(EvictionTest, AllKeysLfuKeepsHotKeys) {
  Run({"CONFIG", "SET", "maxmemory-policy", "allkeys-lfu"});
  Fill("k", 10);
  EXPECT_EQ(Run({"OBJECT", "FREQ", "k0"}), Int(5));  // a new key starts at 5
  for (int round = 0; round < 50; round++) {
    for (int i = 0; i < 5; i++) Run({"GET", "k" + std::to_string(i)});
  }
  int64_t hot = Run({"OBJECT", "FREQ", "k0"}).integer;
  EXPECT_GT(hot, 5);
  for (int i = 0; i < 5; i++) {
    Run({"SET", "new" + std::to_string(i), "v"});
    for (int r = 0; r < 20; r++) Run({"GET", "new" + std::to_string(i)});
  }
  Run({"PING"});
  std::set<std::string> keys = Keys();
  for (int i = 0; i < 5; i++) EXPECT_TRUE(keys.count("k" + std::to_string(i))) << i;
  EXPECT_EQ(keys.size(), 10u);
  // The counter decays by one per lfu-decay-time minutes without access.
  AdvanceMs(3 * 60 * 1000);
  EXPECT_EQ(Run({"OBJECT", "FREQ", "k0"}), Int(hot - 3));
}

TEST_F(EvictionTest, ObjectFreqAndIdleTimeFollowThePolicy) {
  Run({"SET", "k", "v"});
  EXPECT_EQ(Run({"OBJECT", "FREQ", "k"}),
            Err("ERR An LFU maxmemory policy is not selected, access frequency not tracked. "
                "Please note that when switching between policies at runtime LRU and LFU data "
                "will take some time to adjust."));
  AdvanceMs(5000);
  EXPECT_EQ(Run({"OBJECT", "IDLETIME", "k"}), Int(5));
  Run({"CONFIG", "SET", "maxmemory-policy", "allkeys-lfu"});
  EXPECT_EQ(Run({"OBJECT", "IDLETIME", "k"}).type, RespValue::Type::kError);
}

TEST_F(EvictionTest, RandomPoliciesEvictEnough) {
  Run({"CONFIG", "SET", "maxmemory-policy", "allkeys-random"});
  Fill("k", 30);
  Run({"PING"});
  EXPECT_EQ(Keys().size(), 10u);
  EXPECT_EQ(EvictedKeys(), 20);
}

TEST_F(EvictionTest, LoweringMaxmemoryEvictsAtOnce) {
  Run({"CONFIG", "SET", "maxmemory-policy", "allkeys-lru"});
  Fill("k", 10);
  Run({"CONFIG", "SET", "maxmemory", std::to_string(kBaseBytes + 4 * kBytesPerKey)});
  EXPECT_EQ(Run({"DBSIZE"}), Int(4));
}

}  // namespace
}  // namespace redsim::testing
