// Busy scripts in real mode, side by side with the real redis-server: a script that loops
// forever makes other clients see -BUSY, SCRIPT KILL stops it and its caller gets the kill
// error; a script that wrote is UNKILLABLE and SHUTDOWN NOSAVE still stops the server. Also the
// Redlock release script (compare-and-delete) from redis-cli. And every order of MULTI, queued
// commands and EXEC around a busy script, transcripts compared with Redis's.
#include <gtest/gtest.h>

#include <chrono>
#include <thread>
#include <vector>

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

// ---- MULTI around a busy script ----------------------------------------------------------------
// A looping script runs (on the caller's connection, alone or queued in the caller's own
// transaction); connection "m" sends its steps before the script, while it is busy and after
// another connection's SCRIPT KILL. Redis: a command refused with -BUSY inside MULTI dooms the
// transaction (EXEC: "EXECABORT ... previous errors"), an EXEC while busy is refused with
// "EXECABORT Transaction discarded because of: BUSY ..." and leaves MULTI, a SCRIPT KILL inside
// MULTI is only queued; the server is never left busy.

using Steps = std::vector<std::vector<std::string>>;

struct BusyOrder {
  const char* name;
  bool wrapped;  // the script is queued in the caller's own MULTI, with a SET after it
  Steps before, during, after;
};

std::vector<BusyOrder> BusyOrders() {
  const std::vector<std::string> multi = {"MULTI"}, exec = {"EXEC"}, set = {"SET", "k", "v"},
                                 ping = {"PING"}, get2 = {"GET", "k2"};
  return {
      {"MultiCmdExecDuring", false, {}, {multi, set, exec}, {ping}},
      {"MultiCmdDuringExecAfter", false, {}, {multi, set}, {exec, ping}},
      {"MultiDuringCmdExecAfter", false, {}, {multi}, {set, exec, ping}},
      {"MultiBeforeCmdDuringExecAfter", false, {multi}, {set}, {exec, ping}},
      {"MultiBeforeCmdExecDuring", false, {multi}, {set, exec}, {ping}},
      {"MultiCmdBeforeExecDuring", false, {multi, set}, {exec}, {ping, {"GET", "k"}}},
      {"MultiCmdBeforeExecAfter", false, {multi, set}, {}, {exec, ping}},
      {"MultiCmdBeforeDiscardDuring", false, {multi, set}, {{"DISCARD"}}, {ping}},
      {"MultiDiscardDuring", false, {}, {multi, {"DISCARD"}}, {ping}},
      {"EmptyMultiExecDuring", false, {}, {multi, exec}, {ping}},
      {"EmptyMultiExecAfter", false, {}, {multi}, {exec, ping}},
      {"ScriptKillQueuedInsideMulti", false, {}, {multi, {"SCRIPT", "KILL"}}, {exec, ping}},
      {"ScriptKillQueuedMultiBefore", false, {multi}, {{"SCRIPT", "KILL"}}, {exec, ping}},
      {"AllowBusyControlsInsideMulti",
       false,
       {},
       {multi, ping, {"WATCH", "x"}, multi},
       {exec, ping}},
      {"WrongArityDuring", false, {multi}, {{"GET"}}, {exec, ping}},
      {"UnknownCommandDuring", false, {multi}, {{"NOSUCHCMD"}}, {exec, ping}},
      {"WrappedOtherMultiExecAfter", true, {}, {multi, set}, {exec, ping, get2}},
      {"WrappedOtherExecDuring", true, {multi, set}, {exec}, {ping, get2}},
      {"WrappedPlainCommandDuring", true, {}, {{"GET", "k"}}, {get2}},
  };
}

std::string Line(const char* phase, const std::vector<std::string>& cmd, const RespValue& r) {
  std::string text = phase;
  for (const auto& a : cmd) text += " " + a;
  return text + " -> " + r.ToString() + "\n";
}

// The transcript of one order on a fresh server.
std::string RunBusyOrder(Kind kind, const BusyOrder& order) {
  auto server = ServerProcess::Start(kind, {"--busy-reply-threshold", "100"});
  if (server == nullptr) return "<server did not start>";
  RespClient caller, m, killer, other;
  caller.Connect(server->port(), 3000);
  m.Connect(server->port(), 3000);
  killer.Connect(server->port(), 3000);
  other.Connect(server->port(), 3000);
  const std::string loop = "local i = 0 while true do i = i + 1 end";
  std::string out;
  for (const auto& cmd : order.before) out += Line("before", cmd, m.Call(cmd));
  if (order.wrapped) {
    for (std::vector<std::string> cmd :
         {std::vector<std::string>{"MULTI"}, {"EVAL", loop, "0"}, {"SET", "k2", "v2"}}) {
      out += Line("caller", cmd, caller.Call(cmd));
    }
    caller.SendRaw(RespClient::Encode({"EXEC"}));
  } else {
    caller.SendRaw(RespClient::Encode({"EVAL", loop, "0"}));
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(400));
  for (const auto& cmd : order.during) out += Line("during", cmd, m.Call(cmd));
  out += Line("killer", {"SCRIPT", "KILL"}, killer.Call({"SCRIPT", "KILL"}));
  out += Line("caller", {order.wrapped ? "EXEC" : "EVAL"}, caller.ReadReply());
  out += Line("caller", {"PING"}, caller.Call({"PING"}));
  for (const auto& cmd : order.after) out += Line("after", cmd, m.Call(cmd));
  out += Line("other", {"PING"}, other.Call({"PING"}));
  return out;
}

TEST(ScriptingBusyTest, EveryOrderOfMultiAroundABusyScriptAnswersAsRedis) {
  ASSERT_TRUE(ServerProcess::RedisAvailable());
  for (const BusyOrder& order : BusyOrders()) {
    std::string redis = RunBusyOrder(Kind::kRedis, order);
    std::string redsim = RunBusyOrder(Kind::kRedsim, order);
    EXPECT_EQ(redsim, redis) << "order " << order.name;
  }
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
