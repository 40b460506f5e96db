// Cluster mode against real redis-server 7.0: both load the same nodes.conf (myself owns slots
// 0-5000, migrates slot 100 to a second master that owns 5001-16383, imports slot 6000 from it),
// then every redirect and error text, CLUSTER KEYSLOT/COUNTKEYSINSLOT/GETKEYSINSLOT/INFO/SLOTS
// and the slot commands' refusals must match. The second master never runs: a long
// cluster-node-timeout keeps both servers from marking it failing during the test.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include "tests/support/resp_client.h"
#include "tests/support/server_process.h"

namespace redsim::testing {
namespace {

constexpr const char* kMe = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa1";
constexpr const char* kOther = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb2";

struct ClusterNode {
  std::unique_ptr<ServerProcess> process;
  RespClient conn;
  std::string dir;
};

bool StartNode(ServerProcess::Kind kind, ClusterNode* n) {
  char tmpl[] = "/tmp/redsim-cluster-diff-XXXXXX";
  n->dir = mkdtemp(tmpl);
  int port = ServerProcess::FreeClusterPort();
  std::ofstream(n->dir + "/nodes.conf")
      << kMe << " 127.0.0.1:" << port << "@" << port + 10000
      << " myself,master - 0 0 1 connected 0-5000 [100->-" << kOther << "] [6000-<-" << kOther
      << "]\n"
      << kOther << " 127.0.0.1:23452@33452 master - 0 0 2 connected 5001-16383\n"
      << "vars currentEpoch 2 lastVoteEpoch 0\n";
  n->process = ServerProcess::StartIn(kind, n->dir,
                                      {"--cluster-enabled", "yes", "--cluster-config-file",
                                       "nodes.conf", "--cluster-node-timeout", "600000"},
                                      port);
  return n->process != nullptr && n->conn.Connect(n->process->port());
}

// The reply with the node's own port replaced, so both servers' replies can be compared.
std::string Canonical(const RespValue& v, int port) {
  std::string s = v.ToString();
  std::string p = std::to_string(port);
  for (size_t pos = s.find(p); pos != std::string::npos; pos = s.find(p, pos)) {
    s.replace(pos, p.size(), "<port>");
  }
  return s;
}

class ClusterDifferential : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!ServerProcess::RedisAvailable()) GTEST_SKIP() << "redis-server not installed";
    ASSERT_TRUE(StartNode(ServerProcess::Kind::kRedis, &redis_));
    ASSERT_TRUE(StartNode(ServerProcess::Kind::kRedsim, &redsim_));
    // A master waits 2 s after startup before it declares the cluster ok.
    std::this_thread::sleep_for(std::chrono::milliseconds(2600));
  }
  void TearDown() override {
    redis_.process.reset();
    redsim_.process.reset();
    std::error_code ignored;
    if (!redis_.dir.empty()) std::filesystem::remove_all(redis_.dir, ignored);
    if (!redsim_.dir.empty()) std::filesystem::remove_all(redsim_.dir, ignored);
  }
  void Check(const std::vector<std::vector<std::string>>& seq) {
    for (const auto& cmd : seq) {
      std::string a = Canonical(redis_.conn.Call(cmd), redis_.process->port());
      std::string b = Canonical(redsim_.conn.Call(cmd), redsim_.process->port());
      std::string line;
      for (const auto& arg : cmd) line += arg + " ";
      EXPECT_EQ(a, b) << "command: " << line;
      if (getenv("CLUSTER_DIFF_VERBOSE") != nullptr) printf("%s-> %s\n", line.c_str(), b.c_str());
    }
  }
  ClusterNode redis_, redsim_;
};

TEST_F(ClusterDifferential, RedirectsAndErrorTexts) {
  Check({
      {"CLUSTER", "KEYSLOT", "foo"},
      {"CLUSTER", "KEYSLOT", "{}"},
      {"CLUSTER", "KEYSLOT", "foo{}{bar}"},
      {"CLUSTER", "KEYSLOT", "{a}{b}"},
      {"CLUSTER", "KEYSLOT", "{user1000}.following"},
      {"CLUSTER", "KEYSLOT", ""},
      {"GET", "foo"},        // slot 12182: MOVED
      {"SET", "k596", "v"},  // slot 0: served here
      {"GET", "k596"},
      {"MSET", "a", "1", "b", "2"},  // CROSSSLOT (both MOVED slots, but cross first)
      {"MSET", "k596", "1", "foo", "2"},
      {"MGET", "{k596}a", "{k596}b"},
      {"GET", "k2136"},  // slot 100 migrating, key absent: ASK
      {"SET", "k2136", "v"},
      {"GET", "k279"},  // slot 6000 importing without ASKING: MOVED
      {"ASKING"},
      {"SET", "k279", "v"},
      {"GET", "k279"},
      {"ASKING"},
      {"MGET", "k279", "{k279}x"},  // TRYAGAIN
      {"ASKING"},
      {"GET", "k279"},
      {"EVAL", "return 1", "2", "a", "b"},
      {"EVAL", "return 1", "1", "foo"},
      {"EVAL", "return redis.call('get', KEYS[1])", "1", "k596"},
      // Scripts: keys they touch are routed too ("b" hashes to 3300, served here).
      {"EVAL", "return redis.call('get','foo')", "0"},
      {"EVAL", "return redis.call('get','foo')", "1", "k596"},
      {"EVAL", "#!lua\nreturn redis.call('get','{k596}x')", "1", "k596"},
      {"EVAL", "#!lua\nredis.call('get','k596'); return redis.call('get','b')", "0"},
      {"EVAL", "redis.call('get','k596'); return redis.call('get','b')", "0"},
      {"EVAL", "#!lua flags=allow-cross-slot-keys\nredis.call('get','k596'); return 1", "0"},
      {"SELECT", "1"},
      {"SELECT", "0"},
      {"SELECT", "x"},
      {"MOVE", "k596", "1"},
      {"SWAPDB", "0", "1"},
      {"READONLY"},
      {"READWRITE"},
      {"PING"},
      {"DBSIZE"},
  });
}

TEST_F(ClusterDifferential, TransactionsAndRefusals) {
  Check({
      {"MULTI"},
      {"SET", "k596", "1"},
      {"SET", "foo", "1"},  // MOVED inside MULTI: EXEC aborts
      {"EXEC"},
      {"MULTI"},
      {"SET", "k596", "1"},
      {"SET", "{k596}x", "2"},
      {"EXEC"},
      {"MULTI"},
      {"SET", "k596", "1"},
      {"SET", "k68254", "2"},  // other slot, still ours? no: 5001 is the other master's
      {"EXEC"},
      {"GET", "k596"},
  });
}

TEST_F(ClusterDifferential, ClusterSubcommands) {
  Check({
      {"SET", "k596", "1"},
      {"SET", "{k596}b", "1"},
      {"CLUSTER", "COUNTKEYSINSLOT", "0"},
      {"CLUSTER", "COUNTKEYSINSLOT", "16384"},
      {"CLUSTER", "COUNTKEYSINSLOT", "-1"},
      {"CLUSTER", "COUNTKEYSINSLOT", "x"},
      {"CLUSTER", "GETKEYSINSLOT", "0", "0"},
      {"CLUSTER", "GETKEYSINSLOT", "0", "-1"},
      {"CLUSTER", "GETKEYSINSLOT", "x", "1"},
      {"CLUSTER", "GETKEYSINSLOT", "16384", "1"},
      {"CLUSTER", "MYID"},
      {"CLUSTER", "SLOTS"},
      {"CLUSTER", "ADDSLOTS", "1"},
      {"CLUSTER", "ADDSLOTS", "16384"},
      {"CLUSTER", "ADDSLOTS", "x"},
      {"CLUSTER", "DELSLOTS", "20000"},
      {"CLUSTER", "ADDSLOTSRANGE", "1", "2", "3"},
      {"CLUSTER", "ADDSLOTSRANGE", "9", "3"},
      {"CLUSTER", "SETSLOT", "1", "IMPORTING", kMe},
      {"CLUSTER", "SETSLOT", "9000", "MIGRATING", kOther},
      {"CLUSTER", "SETSLOT", "1", "MIGRATING", "nosuchnode"},
      {"CLUSTER", "SETSLOT", "1", "NODE", "nosuchnode"},
      {"CLUSTER", "SETSLOT", "1", "BOGUS"},
      {"CLUSTER", "SETSLOT", "0", "NODE", kOther},
      {"CLUSTER", "REPLICATE", kMe},
      {"CLUSTER", "REPLICATE", "nosuchnode"},
      {"CLUSTER", "REPLICATE", kOther},
      {"CLUSTER", "FORGET", kMe},
      {"CLUSTER", "COUNT-FAILURE-REPORTS", kOther},
      {"CLUSTER", "COUNT-FAILURE-REPORTS", "nosuch"},
      {"CLUSTER", "SET-CONFIG-EPOCH", "3"},
      {"CLUSTER", "FAILOVER"},
      {"CLUSTER", "FLUSHSLOTS"},
      {"CLUSTER", "RESET"},
      {"CLUSTER", "NOSUCH"},
      {"CLUSTER", "MEET", "127.0.0.1", "x"},
      {"CLUSTER", "BUMPEPOCH"},
      {"CLUSTER", "BUMPEPOCH"},
  });
}

TEST_F(ClusterDifferential, ClusterInfoFields) {
  auto info = [](RespClient& c) {
    std::string text = c.Call({"CLUSTER", "INFO"}).str;
    // Bus message counters depend on connection attempts to the absent master.
    std::string kept;
    size_t pos = 0;
    while (pos < text.size()) {
      size_t end = text.find("\r\n", pos);
      std::string line = text.substr(pos, end - pos);
      if (line.find("cluster_stats_messages") == std::string::npos) kept += line + "\n";
      pos = end + 2;
    }
    return kept;
  };
  EXPECT_EQ(info(redis_.conn), info(redsim_.conn));
}

}  // namespace
}  // namespace redsim::testing

namespace redsim::testing {
namespace {

// The reverse direction of the nodes.conf interop: a file redsim wrote (after slot, epoch and
// migration changes) starts a real redis-server with the same identity and slot map.
TEST_F(ClusterDifferential, NodesConfWrittenByRedsimLoadsInRedis) {
  for (const auto& cmd :
       std::vector<std::vector<std::string>>{{"CLUSTER", "SETSLOT", "200", "MIGRATING", kOther},
                                             {"CLUSTER", "BUMPEPOCH"},
                                             {"CLUSTER", "SAVECONFIG"}}) {
    ASSERT_EQ(redsim_.conn.Call(cmd).is_error(), false);
  }
  std::string slots_before =
      Canonical(redsim_.conn.Call({"CLUSTER", "SLOTS"}), redsim_.process->port());
  int port = redsim_.process->port();
  redsim_.process.reset();  // stops it; its directory (and nodes.conf) stays
  auto redis = ServerProcess::StartIn(ServerProcess::Kind::kRedis, redsim_.dir,
                                      {"--cluster-enabled", "yes", "--cluster-config-file",
                                       "nodes.conf", "--cluster-node-timeout", "600000"},
                                      port);
  ASSERT_NE(redis, nullptr) << "redis-server refused redsim's nodes.conf";
  RespClient c;
  ASSERT_TRUE(c.Connect(redis->port()));
  EXPECT_EQ(c.Call({"CLUSTER", "MYID"}).str, kMe);
  EXPECT_EQ(Canonical(c.Call({"CLUSTER", "SLOTS"}), port), slots_before);
  std::string nodes = c.Call({"CLUSTER", "NODES"}).str;
  EXPECT_NE(nodes.find("[200->-" + std::string(kOther) + "]"), std::string::npos) << nodes;
  EXPECT_NE(c.Call({"CLUSTER", "INFO"}).str.find("cluster_current_epoch:3"), std::string::npos);
}

}  // namespace
}  // namespace redsim::testing
