// Replication interop with real Redis 7.0, both directions: a redsim replica of a redis-server
// primary and a redis-server replica of a redsim primary. Each pair completes a full sync,
// streams writes, survives a dropped link with a partial resync (sync_partial_ok on the primary)
// and ends with identical datasets.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <algorithm>
#include <chrono>
#include <functional>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "tests/support/resp_client.h"
#include "tests/support/server_process.h"

namespace redsim::testing {
namespace {

using Kind = ServerProcess::Kind;

// Value of `field` in an INFO reply ("" when absent).
std::string InfoField(RespClient& c, const std::string& section, const std::string& field) {
  RespValue info = c.Call({"INFO", section});
  std::string text = info.str;
  std::string needle = field + ":";
  size_t pos = 0;
  while ((pos = text.find(needle, pos)) != std::string::npos) {
    if (pos == 0 || text[pos - 1] == '\n') {
      size_t end = text.find("\r\n", pos);
      return text.substr(pos + needle.size(), end - pos - needle.size());
    }
    pos += needle.size();
  }
  return "";
}

bool WaitFor(const std::function<bool()>& done, int timeout_ms = 15000) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (std::chrono::steady_clock::now() < deadline) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return done();
}

// Every key with its type and content, in a form that compares across servers (members of
// unordered collections sorted).
std::map<std::string, std::string> Dataset(RespClient& c) {
  std::map<std::string, std::string> out;
  std::string cursor = "0";
  do {
    RespValue r = c.Call({"SCAN", cursor, "COUNT", "1000"});
    if (r.type != RespValue::Type::kArray || r.elements.size() != 2) {
      out["<scan error>"] = r.str;
      return out;
    }
    cursor = r.elements[0].str;
    for (const RespValue& k : r.elements[1].elements) {
      std::string type = c.Call({"TYPE", k.str}).str;
      RespValue v;
      if (type == "string")
        v = c.Call({"GET", k.str});
      else if (type == "list")
        v = c.Call({"LRANGE", k.str, "0", "-1"});
      else if (type == "hash")
        v = c.Call({"HGETALL", k.str});
      else if (type == "set")
        v = c.Call({"SMEMBERS", k.str});
      else if (type == "zset")
        v = c.Call({"ZRANGE", k.str, "0", "-1", "WITHSCORES"});
      std::vector<std::string> parts;
      if (v.type == RespValue::Type::kArray) {
        for (const RespValue& e : v.elements) parts.push_back(e.str);
        if (type == "set") std::sort(parts.begin(), parts.end());
        if (type == "hash") {
          std::vector<std::string> pairs;
          for (size_t i = 0; i + 1 < parts.size(); i += 2)
            pairs.push_back(parts[i] + "=" + parts[i + 1]);
          std::sort(pairs.begin(), pairs.end());
          parts = pairs;
        }
      } else {
        parts.push_back(v.str);
      }
      std::string joined = type + ":";
      for (const std::string& p : parts) joined += p + ",";
      out[k.str] = joined;
    }
  } while (cursor != "0");
  return out;
}

// Writes `n` commands of every kind the sync must carry (strings, counters, expiries).
void WriteBatch(RespClient& c, const std::string& tag, int n) {
  for (int i = 0; i < n; i++) {
    std::string k = tag + ":" + std::to_string(i);
    ASSERT_EQ(c.Call({"SET", k, "value-" + k}).str, "OK");
    c.Call({"INCR", "counter:" + tag});
    if (i % 10 == 0) c.Call({"SET", k + ":ttl", "x", "EX", "1000"});
    if (i % 7 == 0) c.Call({"APPEND", "log:" + tag, std::to_string(i) + ";"});
  }
  c.Call({"DEL", tag + ":0"});
}

void CheckPair(Kind primary_kind, Kind replica_kind) {
  if (!ServerProcess::RedisAvailable()) GTEST_SKIP() << "redis-server not installed";
  auto primary = ServerProcess::Start(primary_kind, {"--repl-backlog-size", "10mb"});
  auto replica = ServerProcess::Start(replica_kind);
  ASSERT_NE(primary, nullptr);
  ASSERT_NE(replica, nullptr);
  RespClient p, r;
  ASSERT_TRUE(p.Connect(primary->port()));
  ASSERT_TRUE(r.Connect(replica->port()));

  // Data before the link exists travels in the full sync's RDB.
  WriteBatch(p, "before", 300);
  ASSERT_EQ(r.Call({"REPLICAOF", "127.0.0.1", std::to_string(primary->port())}).str, "OK");
  ASSERT_TRUE(WaitFor([&] { return InfoField(r, "replication", "master_link_status") == "up"; }))
      << "the replica never finished its full sync";
  EXPECT_EQ(InfoField(p, "stats", "sync_full"), "1");

  // Writes after the sync stream over the link.
  WriteBatch(p, "streamed", 300);
  std::string offset;
  ASSERT_TRUE(WaitFor([&] {
    offset = InfoField(p, "replication", "master_repl_offset");
    return InfoField(r, "replication", "master_repl_offset") == offset;
  })) << "replica offset "
      << InfoField(r, "replication", "master_repl_offset") << " vs " << offset;
  EXPECT_EQ(Dataset(p), Dataset(r));
  EXPECT_EQ(r.Call({"SET", "x", "y"}).str, "READONLY You can't write against a read only replica.");

  // Drop the link from the primary's side; the replica reconnects and continues from the
  // backlog instead of a second full sync.
  RespValue killed = p.Call({"CLIENT", "KILL", "TYPE", "replica"});
  ASSERT_EQ(killed.integer, 1) << killed.str;
  WriteBatch(p, "during", 200);
  ASSERT_TRUE(WaitFor([&] { return InfoField(p, "stats", "sync_partial_ok") == "1"; }))
      << "no partial resync: sync_full=" << InfoField(p, "stats", "sync_full")
      << " sync_partial_err=" << InfoField(p, "stats", "sync_partial_err");
  EXPECT_EQ(InfoField(p, "stats", "sync_full"), "1");
  WriteBatch(p, "after", 200);
  ASSERT_TRUE(WaitFor([&] {
    return InfoField(r, "replication", "master_repl_offset") ==
           InfoField(p, "replication", "master_repl_offset");
  }));
  auto primary_data = Dataset(p);
  EXPECT_GT(primary_data.size(), 1000u);
  EXPECT_EQ(primary_data, Dataset(r));

  // The replica lists itself on the primary as Redis formats it.
  std::string slave0 = InfoField(p, "replication", "slave0");
  EXPECT_NE(slave0.find("port=" + std::to_string(replica->port())), std::string::npos) << slave0;
  EXPECT_NE(slave0.find("state=online"), std::string::npos) << slave0;

  // WAIT counts the replica once it acknowledged.
  p.Call({"SET", "waited", "1"});
  RespValue waited = p.Call({"WAIT", "1", "5000"});
  EXPECT_EQ(waited.integer, 1);

  // Promotion: the replica keeps its data and accepts writes.
  ASSERT_EQ(r.Call({"REPLICAOF", "NO", "ONE"}).str, "OK");
  EXPECT_EQ(r.Call({"SET", "x", "y"}).str, "OK");
  EXPECT_EQ(r.Call({"GET", "after:5"}).str, "value-after:5");
}

TEST(ReplicationInterop, RedsimReplicaOfRedisPrimary) { CheckPair(Kind::kRedis, Kind::kRedsim); }

TEST(ReplicationInterop, RedisReplicaOfRedsimPrimary) { CheckPair(Kind::kRedsim, Kind::kRedis); }

TEST(ReplicationInterop, RedsimReplicaOfRedsimPrimary) { CheckPair(Kind::kRedsim, Kind::kRedsim); }

// A replica asking to continue from an offset the backlog does not cover gets a full resync.
void CheckBogusPsync(Kind kind) {
  // No diskless delay: Redis would otherwise send keep-alive newlines before +FULLRESYNC.
  auto primary = ServerProcess::Start(kind, {"--repl-diskless-sync-delay", "0"});
  ASSERT_NE(primary, nullptr);
  RespClient p;
  ASSERT_TRUE(p.Connect(primary->port()));
  WriteBatch(p, "k", 10);
  std::string replid = InfoField(p, "replication", "master_replid");
  RespClient fake;
  ASSERT_TRUE(fake.Connect(primary->port()));
  EXPECT_EQ(fake.Call({"REPLCONF", "capa", "eof", "capa", "psync2"}).str, "OK");
  RespValue reply = fake.Call({"PSYNC", replid, "999999999"});
  ASSERT_EQ(reply.type, RespValue::Type::kSimple) << reply.str;
  // As in Redis, the first replica makes the primary start a new history (a new replication ID
  // with the backlog created for it), so the ID offered is the one INFO shows now.
  EXPECT_EQ(reply.str.rfind("FULLRESYNC ", 0), 0u) << reply.str;
  std::string new_replid = InfoField(p, "replication", "master_replid");
  EXPECT_NE(new_replid, replid);
  EXPECT_EQ(reply.str.rfind("FULLRESYNC " + new_replid + " ", 0), 0u) << reply.str;
  RespClient fake2;
  ASSERT_TRUE(fake2.Connect(primary->port()));
  reply = fake2.Call({"PSYNC", "0123456789012345678901234567890123456789", "1"});
  EXPECT_EQ(reply.str.rfind("FULLRESYNC ", 0), 0u) << reply.str;
}

// The same exchange on real Redis gives the same answers (the oracle for the test above).
TEST(ReplicationInterop, BogusPsyncOffsetGetsFullResync) {
  if (!ServerProcess::RedisAvailable()) GTEST_SKIP() << "redis-server not installed";
  CheckBogusPsync(Kind::kRedis);
  CheckBogusPsync(Kind::kRedsim);
}

// A replica that saved its RDB and restarts (configured with replicaof) offers the history its
// data belongs to — the replication ID and offset saved in the RDB's repl-id/repl-offset aux
// fields — and the primary continues it partially instead of a second full sync. The primary's
// stream was in database 2 when the replica stopped: writes after the restart must land there.
void CheckReplicaRestart(Kind primary_kind, Kind replica_kind) {
  auto primary = ServerProcess::Start(primary_kind, {"--repl-backlog-size", "10mb"});
  ASSERT_NE(primary, nullptr);
  char tmpl[] = "/tmp/redsim-test-XXXXXX";
  std::string dir = mkdtemp(tmpl);
  std::vector<std::string> replica_args = {"--replicaof", "127.0.0.1",
                                           std::to_string(primary->port())};
  auto replica = ServerProcess::StartIn(replica_kind, dir, replica_args);
  ASSERT_NE(replica, nullptr);
  RespClient p, r;
  ASSERT_TRUE(p.Connect(primary->port()));
  ASSERT_TRUE(r.Connect(replica->port()));
  WriteBatch(p, "before", 100);
  ASSERT_TRUE(WaitFor([&] { return InfoField(r, "replication", "master_link_status") == "up"; }));
  ASSERT_EQ(p.Call({"SELECT", "2"}).str, "OK");
  WriteBatch(p, "db2", 50);
  std::string offset;
  ASSERT_TRUE(WaitFor([&] {
    offset = InfoField(p, "replication", "master_repl_offset");
    return InfoField(r, "replication", "master_repl_offset") == offset;
  }));
  ASSERT_EQ(r.Call({"SAVE"}).str, "OK");
  replica->Kill();
  replica.reset();

  // Written while the replica is down: only the backlog has it.
  WriteBatch(p, "missed", 50);
  replica = ServerProcess::StartIn(replica_kind, dir, replica_args);
  ASSERT_NE(replica, nullptr);
  RespClient r2;
  ASSERT_TRUE(r2.Connect(replica->port()));
  ASSERT_TRUE(WaitFor([&] { return InfoField(r2, "replication", "master_link_status") == "up"; }));
  EXPECT_EQ(InfoField(p, "stats", "sync_partial_ok"), "1")
      << "sync_full=" << InfoField(p, "stats", "sync_full");
  EXPECT_EQ(InfoField(p, "stats", "sync_full"), "1");
  EXPECT_EQ(InfoField(r2, "replication", "master_replid"),
            InfoField(p, "replication", "master_replid"));
  WriteBatch(p, "after", 50);  // still in database 2, without a new SELECT
  ASSERT_TRUE(WaitFor([&] {
    return InfoField(r2, "replication", "master_repl_offset") ==
           InfoField(p, "replication", "master_repl_offset");
  }));
  for (const char* db : {"0", "2"}) {
    ASSERT_EQ(p.Call({"SELECT", db}).str, "OK");
    ASSERT_EQ(r2.Call({"SELECT", db}).str, "OK");
    auto primary_data = Dataset(p);
    EXPECT_GT(primary_data.size(), 50u) << "db " << db;
    EXPECT_EQ(primary_data, Dataset(r2)) << "db " << db;
  }
  replica.reset();
  std::string rm = "rm -rf '" + dir + "'";
  (void)system(rm.c_str());
}

// Real Redis does it (the oracle), and so does redsim as the replica of either primary.
TEST(ReplicationInterop, RestartedReplicaResyncsPartially) {
  if (!ServerProcess::RedisAvailable()) GTEST_SKIP() << "redis-server not installed";
  {
    SCOPED_TRACE("redis replica of redis");
    CheckReplicaRestart(Kind::kRedis, Kind::kRedis);
  }
  {
    SCOPED_TRACE("redsim replica of redis");
    CheckReplicaRestart(Kind::kRedis, Kind::kRedsim);
  }
  {
    SCOPED_TRACE("redsim replica of redsim");
    CheckReplicaRestart(Kind::kRedsim, Kind::kRedsim);
  }
}

}  // namespace
}  // namespace redsim::testing
