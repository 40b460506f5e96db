// Interoperability of redsim's persistence with real Redis 7.0 (/usr/bin/redis-server), for
// every data type in both encodings:
//  (a) an RDB saved by redsim passes redis-check-rdb and loads into redis-server unchanged;
//  (b) an RDB saved by redis-server loads into redsim unchanged;
//  (c) an AOF directory (after BGREWRITEAOF, plus incremental writes; with and without the RDB
//      preamble) moves both ways;
//  (d) DUMP on each server RESTOREs on the other with identical read-back, and the payloads of
//      values whose layout is deterministic are byte-identical.
// "Unchanged" compares types, OBJECT ENCODING, TTL presence and full contents.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <set>
#include <thread>

#include "tests/support/dataset.h"
#include "tests/support/resp_client.h"
#include "tests/support/server_process.h"

namespace redsim::testing {
namespace {

namespace fs = std::filesystem;
using Kind = ServerProcess::Kind;

const char* Name(Kind k) { return k == Kind::kRedis ? "redis" : "redsim"; }

struct Conn {
  std::unique_ptr<ServerProcess> server;
  std::unique_ptr<RespClient> client = std::make_unique<RespClient>();
  CommandFn run() {
    RespClient* c = client.get();
    return [c](const std::vector<std::string>& a) { return c->Call(a); };
  }
};

Conn StartServer(Kind kind, const std::string& dir, std::vector<std::string> args = {}) {
  Conn c;
  c.server =
      dir.empty() ? ServerProcess::Start(kind, args) : ServerProcess::StartIn(kind, dir, args);
  if (c.server != nullptr) c.client->Connect(c.server->port());
  return c;
}

std::string TempDir(const std::string& tag) {
  std::string tmpl = "/tmp/redsim-interop-" + tag + "-XXXXXX";
  std::vector<char> buf(tmpl.begin(), tmpl.end());
  buf.push_back('\0');
  return mkdtemp(buf.data());
}

void Populate(const CommandFn& run) {
  for (const auto& c : EveryTypeCommands()) {
    RespValue r = run(c);
    ASSERT_NE(r.type, RespValue::Type::kError) << c[0] << " " << c[1] << ": " << r.str;
  }
}

// Waits until no background save or rewrite runs.
void WaitForBackgroundJobs(const CommandFn& run) {
  for (int i = 0; i < 500; i++) {
    std::string info = run({"INFO", "persistence"}).str;
    if (info.find("rdb_bgsave_in_progress:0") != std::string::npos &&
        info.find("aof_rewrite_in_progress:0") != std::string::npos &&
        info.find("aof_rewrite_scheduled:0") != std::string::npos) {
      return;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ADD_FAILURE() << "background job did not finish";
}

bool Skip() { return !ServerProcess::RedisAvailable(); }

class RdbInterop : public ::testing::TestWithParam<bool> {};

// (a) and (b): SAVE on one kind, start the other kind on the file.
void RdbOneWay(Kind from, Kind to, bool compression) {
  SCOPED_TRACE(std::string(Name(from)) + " -> " + Name(to));
  std::string dir = TempDir("rdb");
  std::vector<std::string> args = {"--rdbcompression", compression ? "yes" : "no"};
  std::vector<std::string> before;
  {
    Conn src = StartServer(from, dir, args);
    ASSERT_NE(src.server, nullptr);
    Populate(src.run());
    before = DescribeDb(src.run());
    ASSERT_GE(before.size(), EveryTypeCommands().size() - 4);
    ASSERT_EQ(src.run()({"SAVE"}).str, "OK");
    src.server->Terminate();
  }
  ASSERT_TRUE(fs::exists(dir + "/dump.rdb"));
  if (from == Kind::kRedsim) {
    std::string cmd = "redis-check-rdb " + dir + "/dump.rdb > " + dir + "/check.log 2>&1";
    int rc = system(cmd.c_str());
    EXPECT_TRUE(WIFEXITED(rc) && WEXITSTATUS(rc) == 0) << "redis-check-rdb failed, see " << dir;
  }
  Conn dst = StartServer(to, dir, args);
  ASSERT_NE(dst.server, nullptr) << "did not start on the other's RDB (see " << dir << ")";
  EXPECT_EQ(DescribeDb(dst.run()), before);
  dst.server->Terminate();
  fs::remove_all(dir);
}

TEST_P(RdbInterop, RedsimRdbLoadsIntoRedis) {
  if (Skip()) GTEST_SKIP() << "redis-server not installed";
  RdbOneWay(Kind::kRedsim, Kind::kRedis, GetParam());
}

TEST_P(RdbInterop, RedisRdbLoadsIntoRedsim) {
  if (Skip()) GTEST_SKIP() << "redis-server not installed";
  RdbOneWay(Kind::kRedis, Kind::kRedsim, GetParam());
}

INSTANTIATE_TEST_SUITE_P(Compression, RdbInterop, ::testing::Bool());

// (c): an AOF directory written by one kind (base from BGREWRITEAOF, then incremental writes)
// read by the other.
void AofOneWay(Kind from, Kind to, bool preamble) {
  SCOPED_TRACE(std::string(Name(from)) + " -> " + Name(to) +
               (preamble ? " preamble" : " commands"));
  std::string dir = TempDir("aof");
  std::vector<std::string> args = {"--appendonly",           "yes",
                                   "--appendfsync",          "always",
                                   "--aof-use-rdb-preamble", preamble ? "yes" : "no"};
  std::vector<std::string> before;
  {
    Conn src = StartServer(from, dir, args);
    ASSERT_NE(src.server, nullptr);
    CommandFn run = src.run();
    Populate(run);
    ASSERT_EQ(run({"BGREWRITEAOF"}).type, RespValue::Type::kSimple);
    WaitForBackgroundJobs(run);
    // Incremental writes after the rewrite, on top of the base.
    run({"RPUSH", "list:small", "after"});
    run({"HSET", "hash:big", "field:new", "v"});
    run({"SREM", "set:ints", "0"});
    run({"ZADD", "zset:small", "9", "late"});
    run({"SADD", "set:new", "x", "y"});
    run({"DEL", "str"});
    before = DescribeDb(run);
    ASSERT_GE(before.size(), EveryTypeCommands().size() - 4);
    src.server->Terminate();
  }
  ASSERT_TRUE(fs::exists(dir + "/appendonlydir"));
  // The base written by the rewrite is an RDB image or the commands that rebuild each key.
  std::string base;
  for (const auto& f : fs::directory_iterator(dir + "/appendonlydir")) {
    if (f.path().string().find(".base.") == std::string::npos) continue;
    std::ifstream in(f.path(), std::ios::binary);
    base.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  if (preamble) {
    EXPECT_EQ(base.substr(0, 5), "REDIS");
  } else {
    for (const char* cmd : {"RPUSH", "HMSET", "SADD", "ZADD", "PEXPIREAT"}) {
      EXPECT_NE(base.find(cmd), std::string::npos) << cmd;
    }
  }
  Conn dst = StartServer(to, dir, args);
  ASSERT_NE(dst.server, nullptr) << "did not start on the other's AOF (see " << dir << ")";
  EXPECT_EQ(DescribeDb(dst.run()), before);
  dst.server->Terminate();
  fs::remove_all(dir);
}

class AofInterop : public ::testing::TestWithParam<bool> {};

TEST_P(AofInterop, RedsimAofLoadsIntoRedis) {
  if (Skip()) GTEST_SKIP() << "redis-server not installed";
  AofOneWay(Kind::kRedsim, Kind::kRedis, GetParam());
}

TEST_P(AofInterop, RedisAofLoadsIntoRedsim) {
  if (Skip()) GTEST_SKIP() << "redis-server not installed";
  AofOneWay(Kind::kRedis, Kind::kRedsim, GetParam());
}

INSTANTIATE_TEST_SUITE_P(Preamble, AofInterop, ::testing::Bool());

// (d): DUMP on each, RESTORE on the other.
TEST(DumpInterop, PayloadsMoveBothWaysForEveryType) {
  if (Skip()) GTEST_SKIP() << "redis-server not installed";
  std::vector<std::string> args = {"--rdbcompression", "no"};
  Conn redis = StartServer(Kind::kRedis, "", args);
  Conn redsim = StartServer(Kind::kRedsim, "", args);
  ASSERT_NE(redis.server, nullptr);
  ASSERT_NE(redsim.server, nullptr);
  Populate(redis.run());
  Populate(redsim.run());
  std::vector<std::string> keys;
  for (const auto& k : redis.run()({"KEYS", "*"}).elements) keys.push_back(k.str);
  ASSERT_GT(keys.size(), 10u);
  // The same dataset has the same DEBUG DIGEST, and each key the same DIGEST-VALUE.
  EXPECT_EQ(redsim.run()({"DEBUG", "DIGEST"}).str, redis.run()({"DEBUG", "DIGEST"}).str);
  for (const auto& key : keys) {
    auto digest = [&](Conn& c) {
      return c.run()({"DEBUG", "DIGEST-VALUE", key}).elements.at(0).str;
    };
    EXPECT_EQ(digest(redsim), digest(redis)) << key;
  }
  // Values whose byte layout does not depend on hash-table order.
  std::set<std::string> deterministic = {
      "str",      "int",        "list:small", "list:big",        "list:huge-elem", "hash:small",
      "set:ints", "zset:small", "zset:big",   "zset:longmember", "ttl:list",       "ttl:hash"};
  for (const auto& key : keys) {
    SCOPED_TRACE(key);
    RespValue from_redis = redis.run()({"DUMP", key});
    RespValue from_redsim = redsim.run()({"DUMP", key});
    ASSERT_EQ(from_redis.type, RespValue::Type::kBulk);
    ASSERT_EQ(from_redsim.type, RespValue::Type::kBulk);
    if (deterministic.count(key)) {
      EXPECT_EQ(from_redsim.str, from_redis.str) << "payload bytes";
    }
    ASSERT_EQ(redsim.run()({"RESTORE", "in:" + key, "0", from_redis.str}).str, "OK");
    ASSERT_EQ(redis.run()({"RESTORE", "in:" + key, "0", from_redsim.str}).str, "OK");
    auto strip = [&](const std::string& d) { return d.substr(d.find(' ')); };
    std::string original = strip(DescribeKey(redis.run(), key));
    // TTLs do not travel in payloads.
    auto no_ttl = [](std::string d) {
      size_t at = d.find(" ttl");
      if (at != std::string::npos) d.replace(at, 4, " persist");
      return d;
    };
    EXPECT_EQ(strip(DescribeKey(redsim.run(), "in:" + key)), no_ttl(original)) << "in redsim";
    EXPECT_EQ(strip(DescribeKey(redis.run(), "in:" + key)), no_ttl(original)) << "in redis";
  }
}

// With compression on, payloads still cross both ways (LZF output may differ in bytes).
TEST(DumpInterop, CompressedPayloadsRestoreBothWays) {
  if (Skip()) GTEST_SKIP() << "redis-server not installed";
  Conn redis = StartServer(Kind::kRedis, "");
  Conn redsim = StartServer(Kind::kRedsim, "");
  ASSERT_NE(redis.server, nullptr);
  ASSERT_NE(redsim.server, nullptr);
  Populate(redis.run());
  Populate(redsim.run());
  for (const auto& k : redis.run()({"KEYS", "*"}).elements) {
    SCOPED_TRACE(k.str);
    std::string a = redis.run()({"DUMP", k.str}).str, b = redsim.run()({"DUMP", k.str}).str;
    ASSERT_EQ(redsim.run()({"RESTORE", "in:" + k.str, "0", a}).str, "OK");
    ASSERT_EQ(redis.run()({"RESTORE", "in:" + k.str, "0", b}).str, "OK");
  }
  // Both servers now hold the same originals and the same restored copies.
  EXPECT_EQ(DescribeDb(redsim.run()), DescribeDb(redis.run()));
}

// Function libraries (FUNCTION LOAD) travel in the RDB as FUNCTION2 opcodes: a file saved by
// either server restores the other's libraries (FUNCTION LIST equal, FCALL works), and a full
// sync carries them to a replica of the other kind, replacing the replica's own libraries.
const char kLibA[] =
    "#!lua name=liba\n"
    "redis.register_function('double_it', function(keys, args) return args[1] * 2 end)\n"
    "redis.register_function{function_name='getit', callback=function(keys) "
    "return redis.call('GET', keys[1]) end, flags={'no-writes'}, description='reads'}";
const char kLibB[] =
    "#!lua name=libb\n"
    "redis.register_function('hello', function() return 'hello' end)";

// FUNCTION LIST WITHCODE as a sorted list of its leaves: the order of libraries and of their
// functions is a hash table's (unspecified in Redis), the contents must match.
std::string FunctionList(const CommandFn& run) {
  RespValue r = run({"FUNCTION", "LIST", "WITHCODE"});
  std::vector<std::string> leaves;
  std::function<void(const RespValue&)> flat = [&](const RespValue& v) {
    if (v.type == RespValue::Type::kArray) {
      for (const RespValue& e : v.elements) flat(e);
    } else {
      leaves.push_back(v.str + "|" + std::to_string(v.integer));
    }
  };
  flat(r);
  std::sort(leaves.begin(), leaves.end());
  std::string out;
  for (const auto& l : leaves) out += l + ";";
  return out;
}

void LoadLibraries(const CommandFn& run) {
  ASSERT_EQ(run({"FUNCTION", "LOAD", kLibA}).str, "liba");
  ASSERT_EQ(run({"FUNCTION", "LOAD", kLibB}).str, "libb");
  ASSERT_EQ(run({"SET", "k", "v"}).str, "OK");
}

// A replica refuses (READONLY) functions without the no-writes flag: only getit runs there.
void CheckLibraries(const CommandFn& run, const std::string& expected_list, bool replica) {
  EXPECT_EQ(FunctionList(run), expected_list);
  EXPECT_EQ(run({"FCALL_RO", "getit", "1", "k"}).str, "v");
  if (replica) return;
  EXPECT_EQ(run({"FCALL", "double_it", "0", "21"}).integer, 42);
  EXPECT_EQ(run({"FCALL", "hello", "0"}).str, "hello");
}

void FunctionsRdbOneWay(Kind from, Kind to) {
  SCOPED_TRACE(std::string(Name(from)) + " -> " + Name(to));
  std::string dir = TempDir("functions");
  std::string list;
  {
    Conn src = StartServer(from, dir);
    ASSERT_NE(src.server, nullptr);
    LoadLibraries(src.run());
    list = FunctionList(src.run());
    ASSERT_EQ(src.run()({"SAVE"}).str, "OK");
    src.server->Terminate();
  }
  if (from == Kind::kRedsim) {
    std::string cmd = "redis-check-rdb " + dir + "/dump.rdb > " + dir + "/check.log 2>&1";
    int rc = system(cmd.c_str());
    EXPECT_TRUE(WIFEXITED(rc) && WEXITSTATUS(rc) == 0) << "redis-check-rdb failed, see " << dir;
  }
  Conn dst = StartServer(to, dir);
  ASSERT_NE(dst.server, nullptr) << "did not start on the other's RDB (see " << dir << ")";
  CheckLibraries(dst.run(), list, false);
  dst.server->Terminate();
  fs::remove_all(dir);
}

TEST(FunctionsInterop, RdbCarriesLibrariesBothWays) {
  if (Skip()) GTEST_SKIP() << "redis-server not installed";
  FunctionsRdbOneWay(Kind::kRedsim, Kind::kRedis);
  FunctionsRdbOneWay(Kind::kRedis, Kind::kRedsim);
  FunctionsRdbOneWay(Kind::kRedsim, Kind::kRedsim);
}

void FunctionsFullSync(Kind primary_kind, Kind replica_kind) {
  SCOPED_TRACE(std::string(Name(primary_kind)) + " primary, " + Name(replica_kind) + " replica");
  Conn primary = StartServer(primary_kind, "");
  Conn replica = StartServer(replica_kind, "");
  ASSERT_NE(primary.server, nullptr);
  ASSERT_NE(replica.server, nullptr);
  LoadLibraries(primary.run());
  // A library only the replica has disappears with the full sync.
  ASSERT_EQ(replica
                .run()({"FUNCTION", "LOAD",
                        "#!lua name=mine\nredis.register_function('mine', function() "
                        "return 1 end)"})
                .str,
            "mine");
  ASSERT_EQ(replica.run()({"REPLICAOF", "127.0.0.1", std::to_string(primary.server->port())}).str,
            "OK");
  bool up = false;
  for (int i = 0; i < 500 && !up; i++) {
    up = replica.run()({"INFO", "replication"}).str.find("master_link_status:up") !=
         std::string::npos;
    if (!up) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ASSERT_TRUE(up) << "the replica never finished its full sync";
  CheckLibraries(replica.run(), FunctionList(primary.run()), true);
}

TEST(FunctionsInterop, FullSyncCarriesLibrariesBothWays) {
  if (Skip()) GTEST_SKIP() << "redis-server not installed";
  FunctionsFullSync(Kind::kRedis, Kind::kRedis);  // the oracle
  FunctionsFullSync(Kind::kRedsim, Kind::kRedis);
  FunctionsFullSync(Kind::kRedis, Kind::kRedsim);
  FunctionsFullSync(Kind::kRedsim, Kind::kRedsim);
}

}  // namespace
}  // namespace redsim::testing
