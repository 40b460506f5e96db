// Cluster mode with real tools: six redsim-server processes joined by `redis-cli --cluster
// create`, used through `redis-cli -c`, checked by `redis-cli --cluster check`, then a master is
// killed with SIGKILL and its replica must take over within a few node timeouts. A second test
// mixes redsim and real redis-server nodes in one cluster and fails over in both directions.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <thread>

#include "tests/integration/integration_util.h"

namespace redsim::testing {
namespace {

using Clock = std::chrono::steady_clock;
constexpr int kNodeTimeoutMs = 1500;

struct Node {
  std::unique_ptr<ServerProcess> process;
  std::string dir;
  int port = 0;
};

class ClusterRealTest : public ::testing::Test {
 protected:
  void TearDown() override {
    for (auto& n : nodes_) {
      n.process.reset();
      std::error_code ignored;
      std::filesystem::remove_all(n.dir, ignored);
    }
  }
  bool StartNode(ServerProcess::Kind kind) {
    char tmpl[] = "/tmp/redsim-cluster-real-XXXXXX";
    Node n;
    n.dir = mkdtemp(tmpl);
    n.port = ServerProcess::FreeClusterPort();
    n.process = ServerProcess::StartIn(
        kind, n.dir,
        {"--cluster-enabled", "yes", "--cluster-node-timeout", std::to_string(kNodeTimeoutMs)},
        n.port);
    bool ok = n.process != nullptr;
    nodes_.push_back(std::move(n));
    return ok;
  }
  std::string Call(int port, const std::vector<std::string>& cmd) {
    RespClient c;
    if (!c.Connect(port, 1000)) return "<no connection>";
    RespValue v = c.Call(cmd);
    return v.is_error() ? v.str : (v.type == RespValue::Type::kArray ? v.ToString() : v.str);
  }
  std::string Role(int port) {
    RespClient c;
    if (!c.Connect(port, 1000)) return "";
    RespValue v = c.Call({"ROLE"});
    return v.elements.empty() ? "" : v.elements[0].str;
  }
  // Waits until every live node reports cluster_state:ok.
  bool WaitClusterOk(int timeout_ms) {
    auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
    while (Clock::now() < deadline) {
      bool all = true;
      for (auto& n : nodes_) {
        if (n.process == nullptr || !n.process->Alive()) continue;
        if (!Contains(Call(n.port, {"CLUSTER", "INFO"}), "cluster_state:ok")) all = false;
      }
      if (all) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return false;
  }
  // Milliseconds until the node at `port` says it is a master, or -1 after `timeout_ms`.
  int64_t WaitMaster(int port, int timeout_ms) {
    auto start = Clock::now();
    while (Clock::now() - start < std::chrono::milliseconds(timeout_ms)) {
      if (Role(port) == "master") {
        return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start).count();
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return -1;
  }
  // The port of the replica of the master listening on `master_port`.
  int ReplicaOf(int master_port) {
    std::string master_id = Call(master_port, {"CLUSTER", "MYID"});
    for (auto& n : nodes_) {
      if (n.port == master_port || n.process == nullptr || !n.process->Alive()) continue;
      std::string nodes = Call(n.port, {"CLUSTER", "NODES"});
      if (Contains(nodes, "myself,slave " + master_id)) return n.port;
    }
    return 0;
  }
  Node* NodeAt(int port) {
    for (auto& n : nodes_) {
      if (n.port == port) return &n;
    }
    return nullptr;
  }
  std::string Addresses() const {
    std::string out;
    for (const auto& n : nodes_) out += " 127.0.0.1:" + std::to_string(n.port);
    return out;
  }
  std::vector<Node> nodes_;
};

TEST_F(ClusterRealTest, RedisCliCreatesChecksAndSurvivesAMasterKill) {
  for (int i = 0; i < 6; i++) ASSERT_TRUE(StartNode(ServerProcess::Kind::kRedsim));
  CommandResult created =
      Shell("redis-cli --cluster create" + Addresses() + " --cluster-replicas 1 --cluster-yes", 60);
  ASSERT_EQ(created.exit_code, 0) << created.output;
  EXPECT_TRUE(Contains(created.output, "[OK] All 16384 slots covered.")) << created.output;
  ASSERT_TRUE(WaitClusterOk(10000));

  int entry = nodes_[0].port;
  std::string p = std::to_string(entry);
  CommandResult wrote = Shell("for i in $(seq 1 200); do redis-cli -c -p " + p +
                              " set key$i v$i > /dev/null || exit 1; done; echo done");
  ASSERT_TRUE(Contains(wrote.output, "done")) << wrote.output;
  CommandResult check = Shell("redis-cli --cluster check 127.0.0.1:" + p);
  EXPECT_TRUE(Contains(check.output, "[OK] All nodes agree about slots configuration."))
      << check.output;
  EXPECT_TRUE(Contains(check.output, "[OK] All 16384 slots covered.")) << check.output;
  EXPECT_FALSE(Contains(check.output, "[ERR]")) << check.output;

  // Kill a master other than the entry node and time its replica's promotion.
  int victim = 0;
  for (auto& n : nodes_) {
    if (n.port == entry || Role(n.port) != "master") continue;
    victim = n.port;
    break;
  }
  ASSERT_NE(victim, 0);
  int replica = ReplicaOf(victim);
  ASSERT_NE(replica, 0);
  NodeAt(victim)->process->Kill();
  int64_t took_ms = WaitMaster(replica, 20 * kNodeTimeoutMs);
  ASSERT_GE(took_ms, 0) << "the replica was not promoted";
  EXPECT_LE(took_ms, 6 * kNodeTimeoutMs) << "promotion took " << took_ms << " ms";
  printf("failover after SIGKILL: replica promoted in %lld ms (node timeout %d ms)\n",
         static_cast<long long>(took_ms), kNodeTimeoutMs);
  ASSERT_TRUE(WaitClusterOk(10000));
  CommandResult read =
      Shell("for i in $(seq 1 200); do v=$(redis-cli -c -p " + p +
            " get key$i); [ \"$v\" = v$i ] || echo missing key$i; done; echo done");
  EXPECT_TRUE(Contains(read.output, "done")) << read.output;
  EXPECT_FALSE(Contains(read.output, "missing")) << read.output;

  // A coordinated manual failover (CLUSTER FAILOVER, no option) of another shard: the master
  // stops writes, its replica catches up, wins the election, and the old master follows it.
  int master = 0, its_replica = 0;
  for (auto& n : nodes_) {
    if (!n.process->Alive() || n.port == replica || Role(n.port) != "master") continue;
    int r = ReplicaOf(n.port);
    if (r != 0) {
      master = n.port;
      its_replica = r;
      break;
    }
  }
  ASSERT_NE(master, 0);
  ASSERT_EQ(Call(its_replica, {"CLUSTER", "FAILOVER"}), "OK");
  EXPECT_GE(WaitMaster(its_replica, 10000), 0) << "manual failover did not complete";
  auto deadline = Clock::now() + std::chrono::seconds(10);
  while (Role(master) != "slave" && Clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_EQ(Role(master), "slave");
  ASSERT_TRUE(WaitClusterOk(10000));
  CommandResult reread =
      Shell("for i in $(seq 1 200); do v=$(redis-cli -c -p " + p +
            " get key$i); [ \"$v\" = v$i ] || echo missing key$i; done; echo done");
  EXPECT_TRUE(Contains(reread.output, "done")) << reread.output;
  EXPECT_FALSE(Contains(reread.output, "missing")) << reread.output;
}

// MIGRATE under `redis-cli --cluster reshard` and `rebalance`: slots move between redsim masters
// (SETSLOT IMPORTING/MIGRATING, GETKEYSINSLOT, MIGRATE ... KEYS, SETSLOT NODE) and every key
// stays readable through redirects.
TEST_F(ClusterRealTest, ReshardAndRebalanceKeepEveryKey) {
  for (int i = 0; i < 3; i++) ASSERT_TRUE(StartNode(ServerProcess::Kind::kRedsim));
  CommandResult created =
      Shell("redis-cli --cluster create" + Addresses() + " --cluster-replicas 0 --cluster-yes", 60);
  ASSERT_EQ(created.exit_code, 0) << created.output;
  ASSERT_TRUE(WaitClusterOk(10000));
  std::string p = std::to_string(nodes_[0].port);
  CommandResult wrote = Shell("for i in $(seq 1 300); do redis-cli -c -p " + p +
                              " set key$i v$i > /dev/null || exit 1; done; echo done");
  ASSERT_TRUE(Contains(wrote.output, "done")) << wrote.output;
  std::string from = Call(nodes_[0].port, {"CLUSTER", "MYID"});
  std::string to = Call(nodes_[1].port, {"CLUSTER", "MYID"});
  CommandResult reshard =
      Shell("redis-cli --cluster reshard 127.0.0.1:" + p + " --cluster-from " + from +
                " --cluster-to " + to + " --cluster-slots 500 --cluster-yes",
            120);
  ASSERT_EQ(reshard.exit_code, 0) << reshard.output;
  CommandResult rebalance = Shell("redis-cli --cluster rebalance 127.0.0.1:" + p, 120);
  ASSERT_EQ(rebalance.exit_code, 0) << rebalance.output;
  bool agreed = false;
  std::string last;
  for (int i = 0; i < 50 && !agreed; i++) {
    last = Shell("redis-cli --cluster check 127.0.0.1:" + p).output;
    agreed = Contains(last, "[OK] All nodes agree about slots configuration.") &&
             Contains(last, "[OK] 300 keys in 3 masters.") && !Contains(last, "[WARNING]");
    if (!agreed) std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  EXPECT_TRUE(agreed) << last;
  CommandResult read =
      Shell("for i in $(seq 1 300); do v=$(redis-cli -c -p " + p +
            " get key$i); [ \"$v\" = v$i ] || echo missing key$i; done; echo done");
  EXPECT_TRUE(Contains(read.output, "done")) << read.output;
  EXPECT_FALSE(Contains(read.output, "missing")) << read.output;
}

// Garbage, a wrong signature, an oversized length and a truncated message on the bus port: each
// link is dropped (with a log line) and the node keeps serving.
TEST_F(ClusterRealTest, BadBusInputIsDroppedNotFatal) {
  ASSERT_TRUE(StartNode(ServerProcess::Kind::kRedsim));
  int bus_port = nodes_[0].port + 10000;
  // A valid-looking header announcing 2256 bytes, of which only 10 arrive: the node waits.
  std::string header_only = "RCmb" + std::string("\x00\x00\x08\xd0\x00\x01", 6);
  std::vector<std::string> closing = {
      "GET / HTTP/1.1\r\n\r\n",                                              // not the bus at all
      "RCmx" + std::string(3000, 'z'),                                       // wrong signature
      "RCmb" + std::string("\xff\xff\xff\xff", 4) + std::string(100, '\0'),  // oversized
      "RCmb" + std::string("\x00\x00\x00\x10", 4) + std::string(8, '\0'),    // undersized
  };
  for (const std::string& bytes : closing) {
    RespClient raw;
    ASSERT_TRUE(raw.Connect(bus_port));
    raw.SendRaw(bytes);
    EXPECT_TRUE(raw.WaitClosed(2000)) << bytes.substr(0, 4);
  }
  RespClient partial;
  ASSERT_TRUE(partial.Connect(bus_port));
  partial.SendRaw(header_only);
  EXPECT_EQ(Call(nodes_[0].port, {"PING"}), "PONG");
  EXPECT_TRUE(Contains(ReadFile(nodes_[0].dir + "/server.log"), "bad message"));
}

TEST_F(ClusterRealTest, MixedWithRealRedisConvergesAndFailsOverBothWays) {
  if (!ServerProcess::RedisAvailable()) GTEST_SKIP() << "redis-server not installed";
  using K = ServerProcess::Kind;
  // Masters: redis, redsim, redis. Replicas: redsim for the first, redis for the second.
  for (K k : {K::kRedis, K::kRedsim, K::kRedis, K::kRedsim, K::kRedis}) ASSERT_TRUE(StartNode(k));
  const char* ranges[3][2] = {{"0", "5460"}, {"5461", "10922"}, {"10923", "16383"}};
  for (int i = 0; i < 3; i++) {
    ASSERT_EQ(Call(nodes_[i].port, {"CLUSTER", "ADDSLOTSRANGE", ranges[i][0], ranges[i][1]}), "OK");
  }
  for (size_t i = 1; i < nodes_.size(); i++) {
    ASSERT_EQ(
        Call(nodes_[i].port, {"CLUSTER", "MEET", "127.0.0.1", std::to_string(nodes_[0].port)}),
        "OK");
  }
  // Replicas need to know their master before CLUSTER REPLICATE: wait for the gossip.
  std::string id0 = Call(nodes_[0].port, {"CLUSTER", "MYID"});
  std::string id1 = Call(nodes_[1].port, {"CLUSTER", "MYID"});
  auto knows = [&](int port, const std::string& id) {
    return Contains(Call(port, {"CLUSTER", "NODES"}), id);
  };
  for (int waited = 0;
       waited < 10000 && !(knows(nodes_[3].port, id0) && knows(nodes_[4].port, id1));
       waited += 100) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ASSERT_EQ(Call(nodes_[3].port, {"CLUSTER", "REPLICATE", id0}), "OK");
  ASSERT_EQ(Call(nodes_[4].port, {"CLUSTER", "REPLICATE", id1}), "OK");
  ASSERT_TRUE(WaitClusterOk(15000));
  CommandResult check =
      Shell("redis-cli --cluster check 127.0.0.1:" + std::to_string(nodes_[2].port));
  EXPECT_TRUE(Contains(check.output, "[OK] All nodes agree about slots configuration."))
      << check.output;
  EXPECT_TRUE(Contains(check.output, "[OK] All 16384 slots covered.")) << check.output;
  std::this_thread::sleep_for(std::chrono::milliseconds(2 * kNodeTimeoutMs));  // replicas sync

  // PUBLISH crosses the bus both ways: a redis-server subscriber hears a redsim publisher and a
  // redsim subscriber hears a redis-server publisher.
  RespClient on_redis, on_redsim;
  ASSERT_TRUE(on_redis.Connect(nodes_[2].port));
  ASSERT_TRUE(on_redsim.Connect(nodes_[3].port));
  on_redis.Call({"SUBSCRIBE", "news"});
  on_redsim.Call({"SUBSCRIBE", "news"});
  Call(nodes_[1].port, {"PUBLISH", "news", "from-redsim"});
  Call(nodes_[0].port, {"PUBLISH", "news", "from-redis"});
  for (RespClient* sub : {&on_redis, &on_redsim}) {
    EXPECT_EQ(sub->ReadReply().ToString(), R"(["message", "news", "from-redsim"])");
    EXPECT_EQ(sub->ReadReply().ToString(), R"(["message", "news", "from-redis"])");
  }

  // A real master dies: its redsim replica is elected by the remaining masters.
  nodes_[0].process->Kill();
  EXPECT_GE(WaitMaster(nodes_[3].port, 20 * kNodeTimeoutMs), 0);
  ASSERT_TRUE(WaitClusterOk(15000));
  // A redsim master dies: its real redis replica is elected (the redsim replica votes).
  nodes_[1].process->Kill();
  EXPECT_GE(WaitMaster(nodes_[4].port, 20 * kNodeTimeoutMs), 0);
  EXPECT_TRUE(WaitClusterOk(15000));
}

}  // namespace
}  // namespace redsim::testing
