// Lua scripting and functions, in-process: conversions, errors, sandbox, flags, propagation,
// functions, libraries and the busy-script state machine on a manual clock.
#include "engine/scripting/scripting.h"

#include <gtest/gtest.h>

#include "engine/scripting/sha1.h"
#include "tests/support/engine_test.h"

namespace redsim {
namespace testing {
namespace {

class ScriptingTest : public EngineTest {
 protected:
  RespValue Eval(const std::string& script, std::vector<std::string> keys_and_args = {},
                 int numkeys = 0) {
    std::vector<std::string> args = {"EVAL", script, std::to_string(numkeys)};
    for (auto& a : keys_and_args) args.push_back(a);
    return Run(args);
  }
  static std::string Sha(const std::string& s) { return Sha1Hex(s); }
  static std::string Suffix(const std::string& script, int line = 1) {
    return " script: " + Sha1Hex(script) + ", on @user_script:" + std::to_string(line) + ".";
  }
};

TEST_F(ScriptingTest, Sha1MatchesKnownDigests) {
  EXPECT_EQ(Sha1Hex(""), "da39a3ee5e6b4b0d3255bfef95601890afd80709");
  EXPECT_EQ(Sha1Hex("abc"), "a9993e364706816aba3e25717850c26c9cd0d89d");
  EXPECT_EQ(Eval("return redis.sha1hex('')"), Bulk("da39a3ee5e6b4b0d3255bfef95601890afd80709"));
}

TEST_F(ScriptingTest, LuaToRespConversions) {
  EXPECT_EQ(Eval("return 3.99"), Int(3));
  EXPECT_EQ(Eval("return -0.5"), Int(0));
  EXPECT_EQ(Eval("return 1e300"), Int(INT64_MIN));
  EXPECT_EQ(Eval("return 'x'"), Bulk("x"));
  EXPECT_EQ(Eval("return true"), Int(1));
  EXPECT_EQ(Eval("return false"), Nil());
  EXPECT_EQ(Eval("return nil"), Nil());
  EXPECT_EQ(Eval("return {1,2,3.9,'x',nil,5}"), Arr({Int(1), Int(2), Int(3), Bulk("x")}));
  EXPECT_EQ(Eval("return {1,{ok='x'},{err='y'}}"), Arr({Int(1), Status("x"), Err("y")}));
  EXPECT_EQ(Eval("return {err=1}"), Arr({}));
  EXPECT_EQ(Eval("return {ok='a\\r\\nb'}"), Status("a  b"));
  EXPECT_EQ(Eval("return redis.status_reply('fine')"), Status("fine"));
  EXPECT_EQ(Eval("return redis.error_reply('boom')"), Err("ERR boom"));
  EXPECT_EQ(Eval("return redis.error_reply('-X boom')"), Err("X boom"));
  EXPECT_EQ(Eval("return {map={a=1}}"), Arr({Bulk("a"), Int(1)}));
  EXPECT_EQ(Eval("return KEYS[1]..ARGV[1]", {"k", "a"}, 1), Bulk("ka"));
}

TEST_F(ScriptingTest, RespToLuaConversions) {
  Run({"SET", "s", "abc"});
  EXPECT_EQ(Eval("return type(redis.call('get','nokey'))"), Bulk("boolean"));
  EXPECT_EQ(Eval("return redis.call('ping')"), Status("PONG"));
  EXPECT_EQ(Eval("return type(redis.call('ping'))"), Bulk("table"));
  EXPECT_EQ(Eval("return redis.call('incr','n')"), Int(1));
  EXPECT_EQ(Eval("return redis.pcall('incr','s')"),
            Err("ERR value is not an integer or out of range"));
  EXPECT_EQ(Eval("local ok, e = pcall(redis.call, 'incr','s'); return e"),
            Bulk("ERR value is not an integer or out of range"));
  Run({"RPUSH", "l", "a", "b"});
  EXPECT_EQ(Eval("return redis.call('lrange','l',0,-1)"), Bulks({"a", "b"}));
  // RESP3 inside the script: a null is nil, maps and doubles are tables.
  EXPECT_EQ(Eval("redis.setresp(3) return {redis.call('hgetall','nohash'), "
                 "redis.call('get','nokey')}"),
            Arr({Arr({})}));
  Run({"HSET", "h", "f", "v"});
  EXPECT_EQ(Eval("redis.setresp(3) return redis.call('hgetall','h').map.f"), Bulk("v"));
  EXPECT_EQ(Eval("redis.setresp(3) return redis.call('hgetall','h')"), Arr({Bulk("f"), Bulk("v")}));
  EXPECT_EQ(Eval("redis.setresp(3) return redis.call('set','x','1').ok"), Bulk("OK"));
  EXPECT_EQ(Eval("redis.setresp(3) return redis.call('get','nokey') == nil"), Int(1));
  EXPECT_EQ(Eval("return redis.setresp(4)"),
            Err("ERR RESP version must be 2 or 3." + Suffix("return redis.setresp(4)")));
}

TEST_F(ScriptingTest, ErrorTextsMatchRedis) {
  Run({"SET", "s", "abc"});
  EXPECT_EQ(Eval("return x"), Err("ERR user_script:1: Script attempted to access nonexistent "
                                  "global variable 'x'" +
                                  Suffix("return x")));
  EXPECT_EQ(Eval("x=1"),
            Err("ERR user_script:1: Attempt to modify a readonly table" + Suffix("x=1")));
  EXPECT_EQ(Eval("redis.call = 1"), Err("ERR user_script:1: Attempt to modify a readonly table" +
                                        Suffix("redis.call = 1")));
  EXPECT_EQ(Eval("string.x = 1 return 1"),
            Err("ERR user_script:1: Attempt to modify a readonly table" +
                Suffix("string.x = 1 return 1")));
  EXPECT_EQ(Eval("return ("),
            Err("ERR Error compiling script (new function): user_script:1: unexpected symbol "
                "near '<eof>'"));
  std::string s = "return redis.call('incr','s')";
  EXPECT_EQ(Eval(s), Err("ERR value is not an integer or out of range" + Suffix(s)));
  s = "local function f()\n error('x')\nend\n\nf()";
  EXPECT_EQ(Eval(s), Err("ERR user_script:2: x" + Suffix(s, 2)));
  s = "local function f()\n redis.call('incr','s')\nend\nf()";
  EXPECT_EQ(Eval(s), Err("ERR value is not an integer or out of range" + Suffix(s, 2)));
  EXPECT_EQ(Eval("error('x', 0)"), Err("ERR x" + Suffix("error('x', 0)")));
  EXPECT_EQ(Eval("error({err='MY x'})"), Err("MY x" + Suffix("error({err='MY x'})")));
  EXPECT_EQ(
      Eval("return redis.call('nosuch')"),
      Err("ERR Unknown Redis command called from script" + Suffix("return redis.call('nosuch')")));
  EXPECT_EQ(Eval("return redis.call()"),
            Err("ERR Please specify at least one argument for this redis lib call" +
                Suffix("return redis.call()")));
  EXPECT_EQ(Eval("return redis.call('get',{})"),
            Err("ERR Lua redis lib command arguments must be strings or integers" +
                Suffix("return redis.call('get',{})")));
  EXPECT_EQ(Eval("return redis.pcall('get')"),
            Err("ERR Wrong number of args calling Redis command from script"));
  EXPECT_EQ(Eval("return redis.call('multi')"),
            Err("ERR This Redis command is not allowed from script" +
                Suffix("return redis.call('multi')")));
  EXPECT_EQ(Run({"EVALSHA", std::string(40, 'f'), "0"}),
            Err("NOSCRIPT No matching script. Please use EVAL."));
  EXPECT_EQ(Run({"EVAL", "return 1", "-1"}), Err("ERR Number of keys can't be negative"));
  EXPECT_EQ(Run({"EVAL", "return 1", "2", "a"}),
            Err("ERR Number of keys can't be greater than number of args"));
}

TEST_F(ScriptingTest, SandboxHidesUnsafeGlobals) {
  for (const char* name : {"os", "io", "loadfile", "dofile", "print", "debug", "require"}) {
    std::string s = std::string("return tostring(") + name + ")";
    EXPECT_EQ(Eval(s), Err(std::string("ERR user_script:1: Script attempted to access nonexistent "
                                       "global variable '") +
                           name + "'" + Suffix(s)))
        << name;
  }
  EXPECT_EQ(Eval("return cjson.encode({1,2})"), Bulk("[1,2]"));
  EXPECT_EQ(Eval("return cjson.decode('[1,2,{\"a\":3}]')[3].a"), Int(3));
  EXPECT_EQ(Eval("return bit.band(7, 3)"), Int(3));
  EXPECT_EQ(Eval("return struct.pack('>I2', 258)"), Bulk("\x01\x02"));
  EXPECT_EQ(Eval("return {struct.unpack('>I2', struct.pack('>I2', 258))}"),
            Arr({Int(258), Int(3)}));
  EXPECT_EQ(Eval("return cmsgpack.pack({1,2,'a'})"), Bulk("\x93\x01\x02\xa1"
                                                          "a"));
  EXPECT_EQ(Eval("return cmsgpack.unpack(cmsgpack.pack({1,2,'a'}))[3]"), Bulk("a"));
  // Redis's deterministic math.random: a fresh server always draws the same numbers.
  EXPECT_EQ(Eval("return math.random(100)..' '..math.random()..' '..math.random(5,10)"),
            Bulk("40 0.84048536971234 7"));
}

TEST_F(ScriptingTest, ScriptCacheAndShebangFlags) {
  std::string body = "return 'hi'";
  EXPECT_EQ(Run({"SCRIPT", "LOAD", body}), Bulk(Sha(body)));
  EXPECT_EQ(Run({"EVALSHA", Sha(body), "0"}), Bulk("hi"));
  EXPECT_EQ(Run({"SCRIPT", "EXISTS", Sha(body), "nope"}), Arr({Int(1), Int(0)}));
  EXPECT_EQ(Run({"SCRIPT", "FLUSH"}), Ok());
  EXPECT_EQ(Run({"SCRIPT", "EXISTS", Sha(body)}), Arr({Int(0)}));
  EXPECT_EQ(Run({"SCRIPT", "FLUSH", "x"}), Err("ERR SCRIPT FLUSH only support SYNC|ASYNC option"));
  EXPECT_EQ(Run({"SCRIPT", "KILL"}), Err("NOTBUSY No scripts in execution right now."));
  std::string s = "#!lua flags=no-writes\nreturn redis.call('set','a','b')";
  EXPECT_EQ(Eval(s),
            Err("ERR Write commands are not allowed from read-only scripts." + Suffix(s, 2)));
  EXPECT_EQ(Eval("#!lua flags=bad\nreturn 1"), Err("ERR Unexpected flag in script shebang: bad"));
  EXPECT_EQ(Eval("#!lua name=x\nreturn 1"), Err("ERR Unknown lua shebang option: name=x"));
  EXPECT_EQ(Eval("#!luax\nreturn 1"), Err("ERR Unexpected engine in script shebang: #!luax"));
  EXPECT_EQ(Run({"EVAL_RO", "#!lua\nreturn 1", "0"}),
            Err("ERR Can not execute a script with write flag using *_ro command."));
  EXPECT_EQ(Run({"EVAL_RO", "#!lua flags=no-writes\nreturn 1", "0"}), Int(1));
  s = "return redis.call('set','a','b')";
  EXPECT_EQ(Run({"EVAL_RO", s, "0"}),
            Err("ERR Write commands are not allowed from read-only scripts." + Suffix(s)));
}

// Records what the server propagates (AOF, replicas).
class RecordingSink : public PropagationSink {
 public:
  void Feed(int, const std::vector<std::string_view>& args) override {
    std::string line;
    for (auto a : args) line += (line.empty() ? "" : " ") + std::string(a);
    lines.push_back(line);
  }
  std::vector<std::string> lines;
};

TEST_F(ScriptingTest, ScriptsPropagateTheirEffectsInMultiExec) {
  RecordingSink sink;
  server_->AddPropagationSink(&sink);
  EXPECT_EQ(Eval("redis.call('set',KEYS[1],'1') redis.call('incr',KEYS[1]) "
                 "return redis.call('get', KEYS[1])",
                 {"k"}, 1),
            Bulk("2"));
  EXPECT_EQ(Eval("return redis.call('get','k')"), Bulk("2"));  // read-only: nothing propagated
  server_->RemovePropagationSink(&sink);
  EXPECT_EQ(sink.lines, (std::vector<std::string>{"MULTI", "set k 1", "incr k", "EXEC"}));
}

TEST_F(ScriptingTest, RedlockReleaseComparesAndDeletes) {
  const std::string release =
      "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) "
      "else return 0 end";
  EXPECT_EQ(Run({"SET", "lock", "token1", "NX", "PX", "30000"}), Ok());
  EXPECT_EQ(Run({"SET", "lock", "token2", "NX", "PX", "30000"}), Nil());
  EXPECT_EQ(Eval(release, {"lock", "token2"}, 1), Int(0));
  EXPECT_EQ(Eval(release, {"lock", "token1"}, 1), Int(1));
  EXPECT_EQ(Run({"EXISTS", "lock"}), Int(0));
}

TEST_F(ScriptingTest, BlockingCommandsTimeOutInsideScripts) {
  // BLPOP is not allowed in 7.0 scripts; BLMPOP is, and answers at once as if it timed out
  // (the script's client has kClientDenyBlocking).
  EXPECT_EQ(Eval("return redis.call('blpop','l',0)"),
            Err("ERR This Redis command is not allowed from script" +
                Suffix("return redis.call('blpop','l',0)")));
  EXPECT_EQ(Eval("return redis.call('blmpop','0','1','l','LEFT')"), Nil());
  EXPECT_EQ(Eval("redis.call('rpush','l2','a') return redis.call('blmpop','0','1','l2','LEFT')"),
            Arr({Bulk("l2"), Bulks({"a"})}));
}

TEST_F(ScriptingTest, FunctionsLoadCallListDelete) {
  std::string lib =
      "#!lua name=mylib\n"
      "redis.register_function('echo', function(keys, args) return {keys, args} end)\n"
      "redis.register_function{function_name='ro', callback=function(keys, args) "
      "return redis.call('get', keys[1]) end, flags={'no-writes'}, description='d'}";
  EXPECT_EQ(Run({"FUNCTION", "LOAD", lib}), Bulk("mylib"));
  EXPECT_EQ(Run({"FUNCTION", "LOAD", lib}), Err("ERR Library 'mylib' already exists"));
  EXPECT_EQ(Run({"FUNCTION", "LOAD", "REPLACE", lib}), Bulk("mylib"));
  EXPECT_EQ(Run({"FCALL", "echo", "1", "k", "a"}), Arr({Bulks({"k"}), Bulks({"a"})}));
  EXPECT_EQ(Run({"FCALL_RO", "echo", "0"}),
            Err("ERR Can not execute a script with write flag using *_ro command."));
  Run({"SET", "k", "v"});
  EXPECT_EQ(Run({"FCALL_RO", "ro", "1", "k"}), Bulk("v"));
  EXPECT_EQ(Run({"FCALL", "nope", "0"}), Err("ERR Function not found"));
  EXPECT_EQ(
      Run({"FUNCTION", "LIST"}),
      Arr({Arr({Bulk("library_name"), Bulk("mylib"), Bulk("engine"), Bulk("LUA"), Bulk("functions"),
                Arr({Arr({Bulk("name"), Bulk("echo"), Bulk("description"), Nil(), Bulk("flags"),
                          Arr({})}),
                     Arr({Bulk("name"), Bulk("ro"), Bulk("description"), Bulk("d"), Bulk("flags"),
                          Arr({Status("no-writes")})})})})}));
  RespValue dump = Run({"FUNCTION", "DUMP"});
  ASSERT_EQ(dump.type, RespValue::Type::kBulk);
  EXPECT_EQ(Run({"FUNCTION", "DELETE", "mylib"}), Ok());
  EXPECT_EQ(Run({"FUNCTION", "DELETE", "mylib"}), Err("ERR Library not found"));
  EXPECT_EQ(Run({"FCALL", "echo", "0"}), Err("ERR Function not found"));
  EXPECT_EQ(Run({"FUNCTION", "RESTORE", dump.str}), Ok());
  EXPECT_EQ(Run({"FCALL", "echo", "0"}), Arr({Arr({}), Arr({})}));
  EXPECT_EQ(Run({"FUNCTION", "RESTORE", dump.str}), Err("ERR Library 'mylib' already exists"));
  EXPECT_EQ(Run({"FUNCTION", "RESTORE", "garbage"}),
            Err("ERR DUMP payload version or checksum are wrong"));
  EXPECT_EQ(Run({"FUNCTION", "STATS"}),
            Arr({Bulk("running_script"), Nil(), Bulk("engines"),
                 Arr({Bulk("LUA"),
                      Arr({Bulk("libraries_count"), Int(1), Bulk("functions_count"), Int(2)})})}));
  EXPECT_EQ(Run({"FUNCTION", "FLUSH"}), Ok());
  EXPECT_EQ(Run({"FCALL", "echo", "0"}), Err("ERR Function not found"));
}

TEST_F(ScriptingTest, FunctionLoadErrors) {
  EXPECT_EQ(Run({"FUNCTION", "LOAD", "return 1"}), Err("ERR Missing library metadata"));
  EXPECT_EQ(Run({"FUNCTION", "LOAD", "#!lua\nreturn 1"}), Err("ERR Library name was not given"));
  EXPECT_EQ(Run({"FUNCTION", "LOAD", "#!foo name=x\nreturn 1"}), Err("ERR Engine 'foo' not found"));
  EXPECT_EQ(Run({"FUNCTION", "LOAD", "#!lua name=x foo=bar\nreturn 1"}),
            Err("ERR Invalid metadata value given: foo=bar"));
  EXPECT_EQ(Run({"FUNCTION", "LOAD", "#!lua name=x\nreturn 1"}),
            Err("ERR No functions registered"));
  EXPECT_EQ(Run({"FUNCTION", "LOAD", "#!lua name=z\nreturn ("}),
            Err("ERR Error compiling function: user_function:2: unexpected symbol near '<eof>'"));
  EXPECT_EQ(Run({"FUNCTION", "LOAD", "#!lua name=z\nredis.call('ping')"}),
            Err("ERR Error registering functions: ERR user_function:2: Script attempted to access "
                "nonexistent global variable 'call'"));
  EXPECT_EQ(Run({"FUNCTION", "LOAD", "#!lua name=z\nx=1"}),
            Err("ERR Error registering functions: ERR user_function:2: Attempt to modify a "
                "readonly table"));
  EXPECT_EQ(Run({"FUNCTION", "LOAD",
                 "#!lua name=z\nredis.register_function{function_name='h', callback=function() "
                 "end, flags={'bad'}}"}),
            Err("ERR Error registering functions: ERR unknown flag given"));
  EXPECT_EQ(Run({"FUNCTION", "LOAD",
                 "#!lua name=a\nredis.register_function('f', function() "
                 "return 1 end)"}),
            Bulk("a"));
  EXPECT_EQ(Run({"FUNCTION", "LOAD",
                 "#!lua name=b\nredis.register_function('f', function() "
                 "return 1 end)"}),
            Err("ERR Function f already exists"));
  EXPECT_EQ(Run({"FUNCTION", "LOAD",
                 "#!lua name=w\nredis.register_function('e', function(k,a) "
                 "return x end)\nredis.register_function('e2', "
                 "function(k,a)\n return redis.call('incr','s') end)"}),
            Bulk("w"));
  Run({"SET", "s", "abc"});
  EXPECT_EQ(Run({"FCALL", "e", "0"}),
            Err("ERR user_function:2: Script attempted to access nonexistent global variable 'x' "
                "script: e, on @user_function:2."));
  EXPECT_EQ(Run({"FCALL", "e2", "0"}),
            Err("ERR value is not an integer or out of range script: e2, on @user_function:4."));
}

class BusyScriptTest : public ScriptingTest {
 protected:
  void Configure(ServerConfig& config) override { config.busy_reply_threshold = 100; }
};

TEST_F(BusyScriptTest, OtherClientsSeeBusyWhileTheScriptRuns) {
  // The manual clock moves only when the test says so; the env's poll hook lets a second
  // client speak from inside the script, as a socket would in real mode.
  Client* other = NewClient();
  std::vector<RespValue> seen;
  int polls = 0;
  env_.set_poll_hook([&] {
    polls++;
    if (polls == 1) {
      server_->ProcessCommand(other, {"GET", "k"});
      seen = TakeReplies(other);
      server_->ProcessCommand(other, {"SCRIPT", "KILL"});
      auto more = TakeReplies(other);
      seen.insert(seen.end(), more.begin(), more.end());
    }
  });
  env_.set_auto_advance_us(1000);  // every clock read moves time 1 ms
  std::string s = "local i = 0 while true do i = i + 1 end";
  EXPECT_EQ(Eval(s), Err("ERR Script killed by user with SCRIPT KILL..." + Suffix(s)));
  env_.set_auto_advance_us(0);
  env_.set_poll_hook(nullptr);
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[0], Err("BUSY Redis is busy running a script. You can only call SCRIPT KILL or "
                         "SHUTDOWN NOSAVE."));
  EXPECT_EQ(seen[1], Ok());
  EXPECT_EQ(Run({"PING"}), Status("PONG"));
}

TEST_F(BusyScriptTest, ScriptThatWroteIsUnkillable) {
  Client* other = NewClient();
  std::vector<RespValue> seen;
  int polls = 0;
  env_.set_poll_hook([&] {
    if (++polls == 1) {
      server_->ProcessCommand(other, {"SCRIPT", "KILL"});
      seen = TakeReplies(other);
    }
  });
  env_.set_auto_advance_us(10000);
  EXPECT_EQ(Eval("redis.call('set','x','1') local i = 0 while i < 3000000 do i = i + 1 end "
                 "return i"),
            Int(3000000));
  env_.set_auto_advance_us(0);
  env_.set_poll_hook(nullptr);
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].str.substr(0, 10), "UNKILLABLE");
}

}  // namespace
}  // namespace testing
}  // namespace redsim
