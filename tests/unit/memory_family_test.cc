// MEMORY USAGE figures and lazy freeing of big values in bounded steps.
#include "engine/types/lazy_free.h"
#include "tests/support/engine_test.h"

namespace redsim::testing {
namespace {

class MemoryTest : public EngineTest {};

TEST_F(MemoryTest, UsageGrowsWithTheValue) {
  EXPECT_EQ(Run({"MEMORY", "USAGE", "nokey"}), Nil());
  Run({"ZADD", "z", "1", "a"});
  int64_t small = Run({"MEMORY", "USAGE", "z"}).integer;
  EXPECT_GT(small, 0);
  for (int i = 0; i < 1000; i++)
    Run({"ZADD", "z", std::to_string(i), "member:" + std::to_string(i)});
  int64_t big = Run({"MEMORY", "USAGE", "z", "SAMPLES", "0"}).integer;
  // A skip-list member costs a node (score, links, bytes) plus a bucket: tens of bytes.
  EXPECT_GT(big, small + 1000 * 30);
  EXPECT_LT(big, small + 1000 * 200);
  EXPECT_EQ(Run({"MEMORY", "USAGE", "z", "SAMPLES", "-1"}), Err("ERR syntax error"));
  EXPECT_EQ(Run({"MEMORY", "USAGE", "z", "FOO"}), Err("ERR syntax error"));
  EXPECT_EQ(Run({"MEMORY", "MALLOC-STATS"}).type, RespValue::Type::kBulk);
  EXPECT_EQ(Run({"MEMORY", "PURGE"}), Ok());
}

TEST_F(MemoryTest, UnlinkFreesBigValuesInSteps) {
  for (int i = 0; i < 200000; i += 1000) {
    std::vector<std::string> cmd = {"SADD", "s"};
    for (int j = i; j < i + 1000; j++) cmd.push_back("m" + std::to_string(j));
    Run(cmd);
  }
  for (int i = 0; i < 1000; i++) Run({"ZADD", "z", std::to_string(i), std::to_string(i)});
  EXPECT_EQ(Run({"UNLINK", "s", "z"}), Int(2));
  EXPECT_EQ(Run({"EXISTS", "s", "z"}), Int(0));
  LazyFreer& freer = server_->lazy_freer();
  EXPECT_EQ(freer.pending_objects(), 2u);
  // One step frees at most kElementsPerStep elements: 200k members need several.
  freer.RunStep();
  EXPECT_GE(freer.pending_objects(), 1u);
  AdvanceMs(0);  // the rest, from the timer the step scheduled
  EXPECT_EQ(freer.pending_objects(), 0u);
  EXPECT_EQ(freer.freed_objects(), 2u);
}

TEST_F(MemoryTest, FlushAllAsyncEmptiesAtOnceAndFreesLater) {
  for (int i = 0; i < 5000; i++) Run({"SADD", "k" + std::to_string(i % 50), std::to_string(i)});
  EXPECT_EQ(Run({"FLUSHALL", "ASYNC"}), Ok());
  EXPECT_EQ(Run({"DBSIZE"}), Int(0));
  EXPECT_EQ(Run({"SADD", "k1", "x"}), Int(1));
  server_->lazy_freer().Drain();
  EXPECT_EQ(server_->lazy_freer().pending_objects(), 0u);
  EXPECT_EQ(Run({"SMEMBERS", "k1"}), Arr({Bulk("x")}));
}

}  // namespace
}  // namespace redsim::testing
