// Sentinel in real mode: redsim Sentinels (and a real redis-sentinel in a mixed group) watching a
// primary and two replicas (real redis-server or redsim-server) on loopback ports; the primary is
// killed with SIGKILL and the test checks that one replica is promoted, every Sentinel reports it,
// the other replica follows it, and redis-py's Sentinel client writes to it. Also: bad input gets
// the replies real redis-sentinel gives, and a bad sentinel directive stops startup naming the
// line.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "tests/integration/integration_util.h"
#include "tests/support/resp_client.h"
#include "tests/support/server_process.h"

namespace redsim::testing {
namespace {

using Clock = std::chrono::steady_clock;

// One Sentinel process (redsim or real Redis), with its own config file in a temp dir.
class SentinelProcess {
 public:
  SentinelProcess(bool real_redis, int master_port, const std::string& extra_config,
                  bool via_symlink = false) {
    char tmpl[] = "/tmp/redsim-sentinel-test-XXXXXX";
    dir_ = mkdtemp(tmpl);
    port_ = ServerProcess::FreePort();
    conf_ = dir_ + "/sentinel.conf";
    WriteFile(conf_, "port " + std::to_string(port_) + "\nbind 127.0.0.1\ndir " + dir_ +
                         "\nlogfile " + dir_ + "/sentinel.log\n" +
                         "sentinel monitor mymaster 127.0.0.1 " + std::to_string(master_port) +
                         " 2\nsentinel down-after-milliseconds mymaster 1000\n"
                         "sentinel failover-timeout mymaster 6000\n" +
                         extra_config);
    if (real_redis) {
      args_ = {ServerProcess::RedisServerPath(), conf_, "--sentinel"};
    } else if (via_symlink) {
      std::string server = ServerProcess::RedsimServerPath();
      args_ = {server.substr(0, server.rfind('/')) + "/redsim-sentinel", conf_};
    } else {
      args_ = {ServerProcess::RedsimServerPath(), conf_, "--sentinel"};
    }
    Spawn();
  }
  // SIGKILL, then the same command line again (the config file keeps the state).
  void Restart() {
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
    Spawn();
  }
  void Spawn() {
    pid_ = fork();
    if (pid_ == 0) {
      prctl(PR_SET_PDEATHSIG, SIGKILL);
      std::vector<char*> argv;
      for (auto& a : args_) argv.push_back(a.data());
      argv.push_back(nullptr);
      execv(argv[0], argv.data());
      _exit(127);
    }
    ok_ = WaitForPort(port_, 5000);
  }
  ~SentinelProcess() {
    if (pid_ > 0) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
    std::string cmd = "rm -rf " + dir_;
    if (system(cmd.c_str()) != 0) fprintf(stderr, "could not remove %s\n", dir_.c_str());
  }
  bool ok() const { return ok_; }
  int port() const { return port_; }
  std::string log() const { return ReadFile(dir_ + "/sentinel.log"); }
  std::string conf() const { return ReadFile(conf_); }
  RespValue Call(const std::vector<std::string>& args) const {
    RespClient c;
    if (!c.Connect(port_, 1000)) return RespValue::Error("connect failed");
    return c.Call(args);
  }
  // A field of SENTINEL MASTER mymaster ("" when absent).
  std::string MasterField(const std::string& name) const {
    RespValue v = Call({"SENTINEL", "MASTER", "mymaster"});
    for (size_t i = 0; i + 1 < v.elements.size(); i += 2) {
      if (v.elements[i].str == name) return v.elements[i + 1].str;
    }
    return "";
  }
  int MasterPort() const {
    RespValue v = Call({"SENTINEL", "GET-MASTER-ADDR-BY-NAME", "mymaster"});
    if (v.elements.size() != 2) return 0;
    return std::atoi(v.elements[1].str.c_str());
  }

 private:
  std::string dir_;
  std::string conf_;
  std::vector<std::string> args_;
  int port_ = 0;
  pid_t pid_ = -1;
  bool ok_ = false;
};

// Waits up to `timeout_ms` for `cond`.
template <typename F>
bool WaitFor(F cond, int timeout_ms) {
  auto end = Clock::now() + std::chrono::milliseconds(timeout_ms);
  while (Clock::now() < end) {
    if (cond()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return cond();
}

std::string RoleOf(int port, int* master_port, const std::string& password = "") {
  RespClient c;
  if (!c.Connect(port, 1000)) return "";
  if (!password.empty()) c.Call({"AUTH", password});
  RespValue v = c.Call({"ROLE"});
  if (v.elements.empty()) return "";
  if (v.elements[0].str == "slave" && v.elements.size() > 2) {
    *master_port = static_cast<int>(v.elements[2].integer);
  }
  return v.elements[0].str;
}

struct Topology {
  std::string password;
  std::unique_ptr<ServerProcess> primary;
  std::vector<std::unique_ptr<ServerProcess>> replicas;
  std::vector<std::unique_ptr<SentinelProcess>> sentinels;
};

// A primary, two replicas and three Sentinels (the last `real_sentinels` of them real Redis).
// `password`: the servers require it and the Sentinels authenticate with `auth-pass`.
Topology StartTopology(ServerProcess::Kind kind, int real_sentinels,
                       const std::string& password = "") {
  Topology t;
  t.password = password;
  std::vector<std::string> auth;
  std::string sentinel_config;
  if (!password.empty()) {
    auth = {"--requirepass", password, "--masterauth", password};
    sentinel_config = "sentinel auth-pass mymaster " + password + "\n";
  }
  t.primary = ServerProcess::Start(kind, auth);
  if (!t.primary) return t;
  std::vector<std::string> replica_args = auth;
  replica_args.insert(replica_args.end(),
                      {"--replicaof", "127.0.0.1", std::to_string(t.primary->port())});
  for (int i = 0; i < 2; i++) t.replicas.push_back(ServerProcess::Start(kind, replica_args));
  for (int i = 0; i < 3; i++) {
    bool real = i >= 3 - real_sentinels;
    t.sentinels.push_back(std::make_unique<SentinelProcess>(real, t.primary->port(),
                                                            sentinel_config,
                                                            /*via_symlink=*/i == 1));
  }
  return t;
}

// Every Sentinel knows both replicas and the two other Sentinels.
bool GroupReady(const Topology& t) {
  for (const auto& s : t.sentinels) {
    if (s->MasterField("num-slaves") != "2" || s->MasterField("num-other-sentinels") != "2") {
      return false;
    }
  }
  return true;
}

// Kills the primary and checks the failover; returns the new primary's port (0 on failure).
int KillPrimaryAndCheckFailover(Topology& t, const char* what) {
  int old_port = t.primary->port();
  t.primary->Kill();
  auto start = Clock::now();
  int new_port = 0;
  bool agreed = WaitFor(
      [&] {
        int p0 = t.sentinels[0]->MasterPort();
        for (const auto& s : t.sentinels) {
          if (s->MasterPort() != p0) return false;
        }
        new_port = p0;
        return p0 != 0 && p0 != old_port;
      },
      40000);
  double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  printf("[ measure ] %s: every Sentinel reports the new primary %.2f s after the kill\n", what,
         seconds);
  EXPECT_TRUE(agreed) << "Sentinels did not agree on a new primary";
  if (!agreed) {
    for (const auto& s : t.sentinels) fprintf(stderr, "---\n%s\n", s->log().c_str());
    return 0;
  }
  EXPECT_LT(seconds, 30.0);
  int ignored = 0;
  EXPECT_TRUE(WaitFor([&] { return RoleOf(new_port, &ignored, t.password) == "master"; }, 10000));
  for (const auto& r : t.replicas) {
    if (r->port() == new_port) continue;
    EXPECT_TRUE(WaitFor(
        [&] {
          int mp = 0;
          return RoleOf(r->port(), &mp, t.password) == "slave" && mp == new_port;
        },
        20000))
        << "the other replica did not follow the new primary";
  }
  return new_port;
}

void RunFailover(ServerProcess::Kind kind, int real_sentinels, const char* what,
                 const std::string& password = "") {
  if (!ServerProcess::RedisAvailable()) GTEST_SKIP() << "redis-server not installed";
  Topology t = StartTopology(kind, real_sentinels, password);
  ASSERT_TRUE(t.primary);
  for (const auto& r : t.replicas) ASSERT_TRUE(r);
  for (const auto& s : t.sentinels) ASSERT_TRUE(s->ok());
  ASSERT_TRUE(WaitFor([&] { return GroupReady(t); }, 20000)) << "Sentinels never discovered "
                                                                "the topology";
  int new_port = KillPrimaryAndCheckFailover(t, what);
  ASSERT_NE(new_port, 0);
  // The state survived in the config files: the new primary and a config epoch > 0.
  std::string line = "sentinel monitor mymaster 127.0.0.1 " + std::to_string(new_port);
  for (const auto& s : t.sentinels) {
    EXPECT_TRUE(WaitFor([&] { return Contains(s->conf(), line); }, 10000)) << s->conf();
  }
}

TEST(SentinelRealTest, RedsimSentinelsFailOverRealRedisPrimary) {
  RunFailover(ServerProcess::Kind::kRedis, 0, "3 redsim Sentinels, real redis-server");
}

TEST(SentinelRealTest, RedsimSentinelsFailOverRedsimPrimary) {
  RunFailover(ServerProcess::Kind::kRedsim, 0, "3 redsim Sentinels, redsim-server");
}

TEST(SentinelRealTest, MixedGroupOfRedsimAndRealSentinelsAgrees) {
  RunFailover(ServerProcess::Kind::kRedis, 1, "2 redsim + 1 real Sentinel, real redis-server");
}

TEST(SentinelRealTest, AuthPassIsUsedWithPasswordProtectedServers) {
  RunFailover(ServerProcess::Kind::kRedsim, 0, "3 redsim Sentinels, auth-pass", "s3cret");
}

TEST(SentinelRealTest, RealRedisSentinelsFailOverRedsimPrimary) {
  RunFailover(ServerProcess::Kind::kRedsim, 3, "3 real redis-sentinels, redsim-server");
}

// SENTINEL FAILOVER with the primary alive: a replica is promoted, and the old primary, which
// still says it is a primary, is turned into a replica of the new one. A Sentinel restarted
// afterwards remembers the new primary and the epoch from its config file.
TEST(SentinelRealTest, ManualFailoverConvertsOldPrimaryAndStateSurvivesRestart) {
  if (!ServerProcess::RedisAvailable()) GTEST_SKIP() << "redis-server not installed";
  Topology t = StartTopology(ServerProcess::Kind::kRedsim, 0);
  ASSERT_TRUE(t.primary);
  ASSERT_TRUE(WaitFor([&] { return GroupReady(t); }, 20000));
  int old_port = t.primary->port();
  // Until the Sentinel has fresh INFO from a replica it may answer NOGOODSLAVE: retry.
  std::string reply;
  EXPECT_TRUE(WaitFor(
      [&] {
        reply = t.sentinels[0]->Call({"SENTINEL", "FAILOVER", "mymaster"}).ToString();
        return reply == "+OK";
      },
      10000))
      << reply;
  int new_port = 0;
  ASSERT_TRUE(WaitFor(
      [&] {
        new_port = t.sentinels[0]->MasterPort();
        for (const auto& s : t.sentinels) {
          if (s->MasterPort() != new_port) return false;
        }
        return new_port != old_port && new_port != 0;
      },
      20000));
  EXPECT_TRUE(WaitFor(
      [&] {
        int mp = 0;
        return RoleOf(old_port, &mp) == "slave" && mp == new_port;
      },
      30000))
      << "the old primary was not converted into a replica";
  bool converted = false;
  for (const auto& s : t.sentinels)
    converted = converted || Contains(s->log(), "+convert-to-slave");
  EXPECT_TRUE(converted);
  t.sentinels[2]->Restart();
  ASSERT_TRUE(t.sentinels[2]->ok());
  EXPECT_EQ(t.sentinels[2]->MasterPort(), new_port);
  EXPECT_EQ(t.sentinels[2]->MasterField("config-epoch"), "1");
}

TEST(SentinelRealTest, RedisPySentinelClientWritesToTheNewPrimary) {
  if (!ServerProcess::RedisAvailable()) GTEST_SKIP() << "redis-server not installed";
  Topology t = StartTopology(ServerProcess::Kind::kRedsim, 0);
  ASSERT_TRUE(t.primary);
  ASSERT_TRUE(WaitFor([&] { return GroupReady(t); }, 20000));
  std::string script = std::string(REDSIM_SOURCE_DIR) + "/tests/integration/sentinel_py_check.py";
  std::string ports;
  for (const auto& s : t.sentinels) ports += " " + std::to_string(s->port());
  CommandResult before = Shell("/usr/bin/python3 " + script + " before" + ports, 60);
  ASSERT_EQ(before.exit_code, 0) << before.output;
  EXPECT_TRUE(Contains(before.output, "primary " + std::to_string(t.primary->port())))
      << before.output;
  int old_port = t.primary->port();
  t.primary->Kill();
  CommandResult after = Shell("/usr/bin/python3 " + script + " after" + ports, 60);
  ASSERT_EQ(after.exit_code, 0) << after.output;
  EXPECT_FALSE(Contains(after.output, "primary " + std::to_string(old_port))) << after.output;
}

// ---- Bad input: the same replies as real redis-sentinel ---------------------------------------

TEST(SentinelRealTest, BadInputRepliesMatchRealSentinel) {
  if (!ServerProcess::RedisAvailable()) GTEST_SKIP() << "redis-server not installed";
  int nowhere = ServerProcess::FreePort();  // nothing listens: the primary is simply down
  SentinelProcess ours(false, nowhere, "");
  SentinelProcess real(true, nowhere, "");
  ASSERT_TRUE(ours.ok());
  ASSERT_TRUE(real.ok());
  const std::vector<std::vector<std::string>> cases = {
      {"SENTINEL", "FOO"},
      {"SENTINEL"},
      {"SENTINEL", "MASTER"},
      {"SENTINEL", "MASTERS", "x"},
      {"SENTINEL", "MASTER", "nope"},
      {"SENTINEL", "REPLICAS", "nope"},
      {"SENTINEL", "GET-MASTER-ADDR-BY-NAME", "nope"},
      {"SENTINEL", "GET-MASTER-ADDR-BY-NAME"},
      {"SENTINEL", "IS-MASTER-DOWN-BY-ADDR", "127.0.0.1", "1", "0", "*"},
      {"SENTINEL", "FAILOVER", "nope"},
      {"SENTINEL", "SET", "mymaster", "nosuchoption", "1"},
      {"SENTINEL", "MONITOR", "mymaster", "127.0.0.1", "1", "2"},
      {"SENTINEL", "MONITOR", "other", "127.0.0.1", "1", "0"},
      {"SENTINEL", "PENDING-SCRIPTS"},
      {"GET", "x"},
      {"SET", "x", "y"},
      {"CONFIG", "GET", "port"},
      {"DEBUG"},
      {"PUBLISH", "foo", "bar"},
      {"PING"},
      {"ROLE"},
      {"NOSUCHCOMMAND", "a"},
  };
  for (const auto& args : cases) {
    std::string what;
    for (const auto& a : args) what += a + " ";
    EXPECT_EQ(ours.Call(args).ToString(), real.Call(args).ToString()) << what;
  }
  // SENTINEL MASTER: the same field names in the same order.
  RespValue a = ours.Call({"SENTINEL", "MASTER", "mymaster"});
  RespValue b = real.Call({"SENTINEL", "MASTER", "mymaster"});
  std::vector<std::string> ka, kb;
  for (size_t i = 0; i < a.elements.size(); i += 2) ka.push_back(a.elements[i].str);
  for (size_t i = 0; i < b.elements.size(); i += 2) kb.push_back(b.elements[i].str);
  EXPECT_EQ(ka, kb);
  // INFO's sentinel section.
  std::string info = ours.Call({"INFO", "sentinel"}).str;
  EXPECT_TRUE(Contains(info, "sentinel_masters:1")) << info;
  EXPECT_TRUE(Contains(info, "master0:name=mymaster,status=")) << info;
  EXPECT_TRUE(Contains(ours.Call({"INFO"}).str, "redis_mode:sentinel"));
}

TEST(SentinelRealTest, BadDirectiveIsAStartupErrorNamingTheLine) {
  char tmpl[] = "/tmp/redsim-sentinel-bad-XXXXXX";
  std::string dir = mkdtemp(tmpl);
  std::string conf = dir + "/bad.conf";
  WriteFile(conf, "port " + std::to_string(ServerProcess::FreePort()) +
                      "\nsentinel monitor m 127.0.0.1 6380 2\nsentinel frobnicate m 3\n");
  Spawned p({conf, "--sentinel"}, dir + "/out.txt");
  EXPECT_EQ(p.Wait(5000), 1);
  std::string out = ReadFile(dir + "/out.txt");
  EXPECT_TRUE(Contains(out, "at line 3")) << out;
  EXPECT_TRUE(Contains(out, "sentinel frobnicate m 3")) << out;
  WriteFile(conf, "sentinel down-after-milliseconds m 1000\n");
  Spawned q({conf, "--sentinel"}, dir + "/out2.txt");
  EXPECT_EQ(q.Wait(5000), 1);
  EXPECT_TRUE(Contains(ReadFile(dir + "/out2.txt"), "No such master"))
      << ReadFile(dir + "/out2.txt");
  // Sentinel mode needs a config file.
  Spawned r({"--sentinel"}, dir + "/out3.txt");
  EXPECT_EQ(r.Wait(5000), 1);
  EXPECT_TRUE(Contains(ReadFile(dir + "/out3.txt"), "config file")) << ReadFile(dir + "/out3.txt");
  std::string cmd = "rm -rf " + dir;
  EXPECT_EQ(system(cmd.c_str()), 0);
}

}  // namespace
}  // namespace redsim::testing
