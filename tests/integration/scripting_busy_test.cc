// Busy scripts in real mode, side by side with the real redis-server: a script that loops
// forever makes other clients see -BUSY, SCRIPT KILL stops it and its caller gets the kill
// error; a script that wrote is UNKILLABLE and SHUTDOWN NOSAVE still stops the server. Also the
// Redlock release script (compare-and-delete) from redis-cli.
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "tests/integration/integration_util.h"

namespace redsim::testing {
namespace {

using Kind = ServerProcess::Kind;

struct BusyObservation {
  RespValue ping;          // another client's PING during the script
  RespValue kill;          // SCRIPT KILL
  RespValue script_reply;  // what the script's caller got
  RespValue after;         // PING after the kill
};

BusyObservation RunLoopAndKill(Kind kind) {
  BusyObservation o;
  auto server = ServerProcess::Start(kind, {"--busy-reply-threshold", "100"});
  if (server == nullptr) return o;
  RespClient caller, other;
  caller.Connect(server->port());
  other.Connect(server->port());
  caller.SendRaw(RespClient::Encode({"EVAL", "local i = 0 while true do i = i + 1 end", "0"}));
  std::this_thread::sleep_for(std::chrono::milliseconds(400));
  o.ping = other.Call({"PING"});
  o.kill = other.Call({"SCRIPT", "KILL"});
  o.script_reply = caller.ReadReply();
  o.after = other.Call({"PING"});
  return o;
}

TEST(ScriptingBusyTest, LoopingScriptIsKilledWhileOthersSeeBusy) {
  ASSERT_TRUE(ServerProcess::RedisAvailable());
  BusyObservation redis = RunLoopAndKill(Kind::kRedis);
  BusyObservation redsim = RunLoopAndKill(Kind::kRedsim);
  EXPECT_EQ(redsim.ping.ToString(), redis.ping.ToString());
  EXPECT_EQ(redsim.kill.ToString(), redis.kill.ToString());
  EXPECT_EQ(redsim.script_reply.ToString(), redis.script_reply.ToString());
  EXPECT_EQ(redsim.after.ToString(), redis.after.ToString());
  EXPECT_TRUE(redsim.ping.is_error());
  EXPECT_EQ(redsim.ping.str.substr(0, 5), "BUSY ");
}

struct UnkillableObservation {
  RespValue kill;
  bool exited = false;
};

UnkillableObservation RunWriterAndShutdown(Kind kind) {
  UnkillableObservation o;
  auto server = ServerProcess::Start(kind, {"--busy-reply-threshold", "100"});
  if (server == nullptr) return o;
  RespClient caller, other;
  caller.Connect(server->port());
  other.Connect(server->port());
  caller.SendRaw(RespClient::Encode(
      {"EVAL", "redis.call('set','k','v') local i = 0 while true do i = i + 1 end", "0"}));
  std::this_thread::sleep_for(std::chrono::milliseconds(400));
  o.kill = other.Call({"SCRIPT", "KILL"});
  other.SendRaw(RespClient::Encode({"SHUTDOWN", "NOSAVE"}));
  o.exited = server->SignalAndWait(0, 5000) >= 0;
  return o;
}

TEST(ScriptingBusyTest, ScriptThatWroteIsUnkillableButShutdownNosaveWorks) {
  ASSERT_TRUE(ServerProcess::RedisAvailable());
  UnkillableObservation redis = RunWriterAndShutdown(Kind::kRedis);
  UnkillableObservation redsim = RunWriterAndShutdown(Kind::kRedsim);
  EXPECT_EQ(redsim.kill.ToString(), redis.kill.ToString());
  EXPECT_TRUE(redis.exited);
  EXPECT_TRUE(redsim.exited);
}

TEST(ScriptingBusyTest, RedlockAcquireAndReleaseFromRedisCli) {
  auto server = ServerProcess::Start(Kind::kRedsim);
  ASSERT_NE(server, nullptr);
  std::string cli = "redis-cli -p " + std::to_string(server->port()) + " ";
  // The release script: delete the key only if it still holds our token.
  std::string release =
      "\"if redis.call(\\\"get\\\",KEYS[1]) == ARGV[1] then return "
      "redis.call(\\\"del\\\",KEYS[1]) else return 0 end\"";
  EXPECT_EQ(Shell(cli + "SET lock tok1 NX PX 30000").output, "OK\n");
  EXPECT_EQ(Shell(cli + "SET lock tok2 NX PX 30000").output, "\n");
  EXPECT_EQ(Shell(cli + "EVAL " + release + " 1 lock tok2").output, "0\n");
  EXPECT_EQ(Shell(cli + "EVAL " + release + " 1 lock tok1").output, "1\n");
  EXPECT_EQ(Shell(cli + "EXISTS lock").output, "0\n");
}

}  // namespace
}  // namespace redsim::testing
