// Differential test of the Lua sandbox against the real redis-server. Binary chunks
// (string.dump output, anything starting "\x1bLua") are never loaded as bytecode -- by EVAL,
// SCRIPT LOAD, FUNCTION LOAD, load or loadstring: Lua 5.1 does not verify bytecode, so crafted
// bytecode escapes the sandbox. And the rest of the sandbox surface (removed globals, read-only
// globals and library tables, metatables) answers as Redis does. Replies are compared exactly;
// error texts carry the script's sha, which both servers compute from the same body.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tests/support/differential.h"

namespace redsim::testing {
namespace {

Command Eval(const std::string& body) { return {"EVAL", body, "0"}; }

const std::string kEsc = "\x1b";

std::vector<Command> BinaryChunkCommands() {
  const std::string dump = "string.dump(function() return 1 end)";
  return {
      Eval(kEsc + "Lua junk"),
      Eval("#!lua\n" + kEsc + "Lua junk"),
      Eval("#!lua flags=no-writes\n" + kEsc + "Lua"),
      {"SCRIPT", "LOAD", kEsc + "Lua junk"},
      {"FUNCTION", "LOAD", "#!lua name=bc\n" + kEsc + "Lua junk"},
      {"FUNCTION", "LOAD", kEsc + "Lua junk"},
      Eval("local f, e = loadstring(" + dump + ") return {type(f), e}"),
      Eval("local f, e = loadstring(" + dump + " .. '\\n2nd line') return e"),
      Eval("local f, e = loadstring('\\27' .. string.rep('x', 100)) return e"),
      Eval("local f, e = loadstring(" + dump + ", '=mine') return e"),
      Eval("local f, e = loadstring(" + dump + ", '@mine') return e"),
      Eval("local f, e = loadstring('\\27Lua') return e"),
      Eval("return pcall(loadstring(" + dump + "))"),
      Eval("local ok, e = pcall(function() return loadstring(" + dump + ")() end) return e"),
      // load(reader): Lua decides text or binary from the first piece the reader returns.
      Eval("local d = " + dump +
           " local i = 0 local f, e = load(function() i = i + 1 if i == 1 then return d end "
           "end) return {type(f), e}"),
      Eval("local parts = {'', " + dump +
           "} local i = 0 local f, e = load(function() i = i + 1 return parts[i] end) return e"),
      Eval("local parts = {'\\27', 'Lua'} local i = 0 local f, e = load(function() i = i + 1 "
           "return parts[i] end, 'nm') return e"),
      // Source text still loads.
      Eval("return loadstring('return 7')()"),
      Eval("local parts = {'return ', '42'} local i = 0 local f = load(function() i = i + 1 "
           "return parts[i] end) return f()"),
      Eval("local f, e = loadstring('') return type(f)"),
      Eval("local f, e = loadstring('return 1 +') return e"),
      Eval("local f, e = loadstring() return e"),
      Eval("local f, e = loadstring(1) return e"),
      Eval("local f, e = load('x') return e"),
      Eval("local f, e = load(function() return {} end) return e"),
      Eval("local f, e = load(function() error('boom') end) return type(e)"),
      Eval("local i = 0 local f, e = load(function() i = i + 1 if i == 1 then return 1 end end) "
           "return {type(f), e}"),
      Eval("return type(string.dump)"),
      Eval("return #" + dump + " > 4"),
      // Inside a function, and while a library loads.
      {"FUNCTION", "LOAD",
       "#!lua name=dumplib\nredis.register_function('dumpf', function() local f, e = "
       "loadstring(string.dump(function() return 1 end)) return e end)"},
      {"FCALL", "dumpf", "0"},
      {"FUNCTION", "LOAD",
       "#!lua name=dumplib2\nlocal f = loadstring(string.dump(function() return 1 end))\n"
       "redis.register_function('g', function() return 1 end)"},
      {"FUNCTION", "FLUSH"},
  };
}

std::vector<Command> SandboxSurfaceCommands() {
  std::vector<Command> cmds;
  for (const char* global :
       {"getfenv",    "setfenv",      "print",          "debug",  "dofile", "loadfile",
        "require",    "module",       "newproxy",       "os",     "io",     "load",
        "loadstring", "getmetatable", "setmetatable",   "rawset", "rawget", "string",
        "coroutine",  "gcinfo",       "collectgarbage", "unpack"}) {
    cmds.push_back(Eval(std::string("return type(") + global + ")"));
  }
  for (const char* body : {
           "setfenv(1, {})",
           "print('x')",
           "dofile('/etc/passwd')",
           "loadfile('/etc/passwd')",
           "require('os')",
           "module('m')",
           "return debug.getinfo(1)",
           "return os.execute('true')",
           "return io.open('/etc/passwd')",
           "return type(getmetatable(_G))",
           "return type(getmetatable(''))",
           "return type(getmetatable('').__index)",
           "getmetatable('').__index = nil return 1",
           "getmetatable('').__index.upper = nil return 1",
           "rawset(_G, 'x', 1) return x",
           "return rawget(_G, 'redis') ~= nil",
           "setmetatable(_G, nil) return 1",
           "setmetatable(_G, {}) return 1",
           "_G.z = 1 return 1",
           "z = 1 return 1",
           "redis = nil return 1",
           "redis.call = nil return 1",
           "string.rep = nil return 1",
           "math.random = nil return 1",
           "table.insert = nil return 1",
           "cjson.encode = nil return 1",
           "return rawequal(_G, _G)",
           "local f = loadstring('x = 1') f() return x",
           "local f = loadstring('return 1 + 1') return f()",
           "local g = _G return g.redis ~= nil",
           "return type(_G)",
           "return undefined_global",
           "getmetatable(_G).__index = nil return 1",
           "return type(getmetatable(string))",
           "return rawget(string, 'rep') ~= nil",
           "_G.redis = nil return 1",
           "local f = loadstring('redis = nil') f() return 1",
           "local f = loadstring('return redis ~= nil') return f()",
           "rawset(string, 'rep', 1) return 1",
           "setmetatable(string, {}) return 1",
           "return redis.call('ping')",
       }) {
    cmds.push_back(Eval(body));
  }
  return cmds;
}

TEST(LuaSandboxDiffTest, BinaryChunksAreNeverLoadedAsBytecode) {
  DifferentialPair* pair = DifferentialPair::Get();
  ASSERT_NE(pair, nullptr);
  pair->Reset({{"FUNCTION", "FLUSH"}});
  EXPECT_EQ(AllMismatches(pair, BinaryChunkCommands()), "");
}

TEST(LuaSandboxDiffTest, SandboxSurfaceAnswersAsRedis) {
  DifferentialPair* pair = DifferentialPair::Get();
  ASSERT_NE(pair, nullptr);
  pair->Reset({{"FUNCTION", "FLUSH"}});
  EXPECT_EQ(AllMismatches(pair, SandboxSurfaceCommands()), "");
}

}  // namespace
}  // namespace redsim::testing
