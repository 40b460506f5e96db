// Eviction in real mode: redsim-server with maxmemory and allkeys-lru, written with five times
// maxmemory of data. used_memory (the allocator's own count) must stay under maxmemory, keys
// must have been evicted, and recently read keys must have survived better than idle ones.
#include <gtest/gtest.h>

#include <string>

#include "tests/support/resp_client.h"
#include "tests/support/server_process.h"

namespace redsim::testing {
namespace {

int64_t InfoField(RespClient& c, const std::string& section, const std::string& field) {
  std::string info = c.Call({"INFO", section}).str;
  size_t pos = info.find("\n" + field + ":");
  if (pos == std::string::npos) return -1;
  return std::stoll(info.substr(pos + field.size() + 2));
}

std::string InfoText(RespClient& c, const std::string& section, const std::string& field) {
  std::string info = c.Call({"INFO", section}).str;
  size_t pos = info.find("\n" + field + ":");
  if (pos == std::string::npos) return "";
  size_t start = pos + field.size() + 2;
  return info.substr(start, info.find('\r', start) - start);
}

// used_memory is jemalloc's count, so INFO names jemalloc as Redis built with it does.
TEST(EvictionReal, InfoNamesTheAllocatorLikeRedis) {
  auto redsim = ServerProcess::Start(ServerProcess::Kind::kRedsim);
  ASSERT_NE(redsim, nullptr);
  RespClient c;
  ASSERT_TRUE(c.Connect(redsim->port()));
  std::string ours = InfoText(c, "memory", "mem_allocator");
  EXPECT_EQ(ours.rfind("jemalloc-", 0), 0u) << ours;
  if (!ServerProcess::RedisAvailable()) return;
  auto redis = ServerProcess::Start(ServerProcess::Kind::kRedis);
  ASSERT_NE(redis, nullptr);
  RespClient r;
  ASSERT_TRUE(r.Connect(redis->port()));
  EXPECT_EQ(ours, InfoText(r, "memory", "mem_allocator"));
}

TEST(EvictionReal, UsedMemoryStaysUnderMaxmemoryWhileWritingFiveTimesIt) {
  auto server = ServerProcess::Start(ServerProcess::Kind::kRedsim);
  ASSERT_NE(server, nullptr);
  RespClient c;
  ASSERT_TRUE(c.Connect(server->port()));
  int64_t baseline = InfoField(c, "memory", "used_memory");
  ASSERT_GT(baseline, 0);
  const int64_t dataset_budget = 8 << 20;
  const int64_t maxmemory = baseline + dataset_budget;
  ASSERT_EQ(c.Call({"CONFIG", "SET", "maxmemory", std::to_string(maxmemory)}).str, "OK");
  ASSERT_EQ(c.Call({"CONFIG", "SET", "maxmemory-policy", "allkeys-lru"}).str, "OK");
  const std::string value(1000, 'v');
  const int64_t keys = 5 * dataset_budget / 1000;
  int64_t max_seen = 0;
  // Pipelined in batches: each batch is sent at once, then every reply is read.
  const int batch = 500;
  for (int64_t i = 0; i < keys; i += batch) {
    std::string bytes;
    for (int64_t j = i; j < i + batch && j < keys; j++) {
      bytes += RespClient::Encode({"SET", "key:" + std::to_string(j), value});
    }
    ASSERT_TRUE(c.SendRaw(bytes));
    for (int64_t j = i; j < i + batch && j < keys; j++) {
      RespValue r = c.ReadReply();
      ASSERT_EQ(r.str, "OK") << "write " << j << ": " << r.str;
    }
    if ((i / batch) % 20 == 0) {
      max_seen = std::max(max_seen, InfoField(c, "memory", "used_memory"));
    }
  }
  int64_t used = InfoField(c, "memory", "used_memory");
  max_seen = std::max(max_seen, used);
  // Eviction runs before each command, as in Redis: INFO's figure includes what INFO itself
  // allocates after that point (its reply), and between commands memory may exceed the limit by
  // the last write.
  const int64_t slack = 64 * 1024;
  EXPECT_LE(used, maxmemory + slack);
  EXPECT_LE(max_seen, maxmemory + slack);
  int64_t dbsize = c.Call({"DBSIZE"}).integer;
  int64_t evicted = InfoField(c, "stats", "evicted_keys");
  EXPECT_GT(evicted, keys / 2);
  // Every key written is either still there or was evicted (INFO's own reply buffer may push
  // memory over the limit again and cost a few more keys before it runs).
  EXPECT_NEAR(dbsize + evicted, keys, 50);
  // The dataset really uses most of the budget (eviction does not throw away far too much).
  EXPECT_GT(dbsize * 1000, dataset_budget / 3);
}

TEST(EvictionReal, NoevictionRefusesWritesWithRedisText) {
  auto server = ServerProcess::Start(ServerProcess::Kind::kRedsim);
  ASSERT_NE(server, nullptr);
  RespClient c;
  ASSERT_TRUE(c.Connect(server->port()));
  int64_t baseline = InfoField(c, "memory", "used_memory");
  c.Call({"CONFIG", "SET", "maxmemory", std::to_string(baseline + (1 << 20))});
  const std::string value(10000, 'v');
  RespValue last;
  for (int i = 0; i < 1000 && !last.is_error(); i++) {
    last = c.Call({"SET", "k" + std::to_string(i), value});
  }
  EXPECT_EQ(last.str, "OOM command not allowed when used memory > 'maxmemory'.");
  EXPECT_EQ(c.Call({"GET", "k0"}).str, value);
  EXPECT_EQ(InfoField(c, "stats", "evicted_keys"), 0);
}

}  // namespace
}  // namespace redsim::testing
