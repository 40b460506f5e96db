// Differential test of maxmemory against the real redis-server, for writes made by scripts and
// functions and for transactions holding them: a script's first deny-oom write fails with -OOM
// (unless it declared allow-oom, or already wrote), scripts and functions that declared flags
// without allow-oom or no-writes are refused as deny-oom commands, at top level and in EXEC.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tests/support/differential.h"

namespace redsim::testing {
namespace {

Command Eval(const std::string& body) { return {"EVAL", body, "0"}; }

std::string Library(const std::string& name, const std::string& body, const std::string& flags) {
  return "redis.register_function{function_name='" + name + "', callback=function(keys, args) " +
         body + " end" + (flags.empty() ? "" : ", flags={" + flags + "}") + "}\n";
}

std::vector<Command> OomSetup() {
  return {
      {"CONFIG", "SET", "maxmemory", "0"},
      {"FUNCTION", "FLUSH"},
      {"SET", "x", "1"},
      {"FUNCTION", "LOAD",
       "#!lua name=oomlib\n" + Library("f", "return redis.call('set','k','v')", "") +
           Library("fo", "return redis.call('set','k','v')", "'allow-oom'") +
           Library("fr", "return redis.call('get','x')", "'no-writes'") +
           Library("fg", "return redis.call('get','x')", "")},
  };
}

std::vector<Command> OomScriptCommands() {
  const Command full = {"CONFIG", "SET", "maxmemory", "1"};
  const Command room = {"CONFIG", "SET", "maxmemory", "0"};
  const Command other_full = {"@1", "CONFIG", "SET", "maxmemory", "1"};
  return {
      full,
      {"SET", "k", "v"},
      Eval("return redis.call('set','k','v')"),
      Eval("return redis.pcall('set','k','v')"),
      Eval("return redis.call('get','x')"),
      Eval("return redis.call('incr','x')"),
      Eval("return redis.call('setex','k','100','v')"),
      Eval("return redis.call('append','x','1')"),
      Eval("return redis.call('expire','x','100')"),
      Eval("redis.call('del','nokey') return redis.call('set','k','v')"),
      Eval("local ok = pcall(redis.call, 'set', 'k', 'v') return redis.call('set','k2','v')"),
      Eval("#!lua\nreturn redis.call('set','k','v')"),
      Eval("#!lua\nreturn 1"),
      Eval("#!lua flags=no-writes\nreturn redis.call('get','x')"),
      Eval("#!lua flags=allow-oom\nreturn redis.call('set','k','v')"),
      {"EVAL_RO", "return redis.call('get','x')", "0"},
      {"EVAL_RO", "#!lua\nreturn 1", "0"},
      {"FCALL", "f", "0"},
      {"FCALL", "fo", "0"},
      {"FCALL", "fr", "0"},
      {"FCALL", "fg", "0"},
      {"FCALL_RO", "fr", "0"},
      {"FCALL", "nosuchfunction", "0"},
      {"MULTI"},
      {"EXEC"},
      {"MULTI"},
      {"SET", "k", "v"},
      {"EXEC"},
      // A compat-mode EVAL queued in MULTI runs; its write fails inside EXEC.
      room,
      {"MULTI"},
      Eval("return redis.call('set','k3','v')"),
      {"GET", "x"},
      other_full,
      {"EXEC"},
      // Declared-flag scripts and functions queued in MULTI make EXEC fail under OOM.
      room,
      {"MULTI"},
      {"FCALL", "f", "0"},
      other_full,
      {"EXEC"},
      room,
      {"MULTI"},
      Eval("#!lua\nreturn 1"),
      other_full,
      {"EXEC"},
      room,
      {"MULTI"},
      {"FCALL", "fo", "0"},
      {"FCALL", "fr", "0"},
      Eval("#!lua flags=allow-oom\nreturn redis.call('set','k4','v')"),
      other_full,
      {"EXEC"},
      room,
      {"MGET", "k", "k2", "k3", "k4", "x"},
      {"FUNCTION", "FLUSH"},
  };
}

TEST(ScriptOomDiffTest, MaxmemoryHoldsForWritesInScriptsAndTransactions) {
  auto pair = DifferentialPair::Create();
  ASSERT_NE(pair, nullptr);
  ASSERT_EQ(AllMismatches(pair.get(), OomSetup()), "");
  EXPECT_EQ(AllMismatches(pair.get(), OomScriptCommands()), "");
}

}  // namespace
}  // namespace redsim::testing
