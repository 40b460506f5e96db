// Differential test of Lua scripting and functions against the real redis-server: scripts (and
// function libraries) generated from a small grammar (a few redis.call / redis.pcall statements
// over KEYS and ARGV, then a return expression built from their results and literals), run with
// EVAL, EVALSHA and EVAL_RO, with plain commands in between that look at what the scripts left
// behind. Replies, including every error text ("... script: <sha>, on @user_script:N."), are
// compared exactly; there are no normalisers in this file.
#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include "engine/scripting/sha1.h"
#include "tests/support/differential.h"

namespace redsim::testing {
namespace {

rc::Gen<std::string> GenKeyRef() {
  return rc::gen::element<std::string>("KEYS[1]", "KEYS[2]", "'other'");
}
rc::Gen<std::string> GenArgRef() {
  return rc::gen::element<std::string>("ARGV[1]", "ARGV[2]", "'7'", "'x'", "3", "2.5", "'-1'");
}

// One statement: a call whose result goes to a local.
rc::Gen<std::string> GenCall() {
  auto fn = rc::gen::weightedOneOf<std::string>({{3, rc::gen::just<std::string>("redis.call")},
                                                 {1, rc::gen::just<std::string>("redis.pcall")}});
  auto good = rc::gen::oneOf(
      rc::gen::apply([](std::string k, std::string a) { return "'SET', " + k + ", " + a; },
                     GenKeyRef(), GenArgRef()),
      rc::gen::apply([](std::string k) { return "'GET', " + k; }, GenKeyRef()),
      rc::gen::apply([](std::string k) { return "'INCR', " + k; }, GenKeyRef()),
      rc::gen::apply([](std::string k, std::string a) { return "'INCRBY', " + k + ", " + a; },
                     GenKeyRef(), GenArgRef()),
      rc::gen::apply([](std::string k, std::string a) { return "'RPUSH', " + k + ", " + a; },
                     GenKeyRef(), GenArgRef()),
      rc::gen::apply([](std::string k) { return "'LRANGE', " + k + ", 0, -1"; }, GenKeyRef()),
      rc::gen::apply([](std::string k, std::string a) { return "'HSET', " + k + ", 'f', " + a; },
                     GenKeyRef(), GenArgRef()),
      rc::gen::apply([](std::string k) { return "'HGETALL', " + k; }, GenKeyRef()),
      rc::gen::apply([](std::string k) { return "'DEL', " + k; }, GenKeyRef()),
      rc::gen::apply([](std::string k) { return "'EXISTS', " + k; }, GenKeyRef()),
      rc::gen::apply([](std::string k) { return "'TYPE', " + k; }, GenKeyRef()),
      rc::gen::just<std::string>("'PING'"));
  // Calls that fail before running (unknown command, arity, argument type).
  auto bad = rc::gen::element<std::string>("'NOSUCH'", "'GET'", "'GET', {}");
  auto body = rc::gen::weightedOneOf<std::string>({{12, good}, {1, bad}});
  return rc::gen::apply([](std::string f, std::string b) { return f + "(" + b + ")"; }, fn, body);
}

rc::Gen<std::string> GenReturn(int nlocals) {
  auto local = rc::gen::map(rc::gen::inRange(0, std::max(1, nlocals)), [nlocals](int i) {
    return nlocals == 0 ? std::string("nil") : "r" + std::to_string(i);
  });
  return rc::gen::oneOf(
      local, rc::gen::map(local, [](std::string l) { return "type(" + l + ")"; }),
      rc::gen::map(local, [](std::string l) { return "{" + l + ", 'tail'}"; }),
      rc::gen::just<std::string>("{1, 2.9, 'x', true, false, {ok='fine'}}"),
      rc::gen::just<std::string>("{1, nil, 3}"), rc::gen::just<std::string>("{err='MYERR custom'}"),
      rc::gen::just<std::string>("redis.error_reply('oops')"),
      rc::gen::just<std::string>("redis.status_reply('S')"), rc::gen::just<std::string>("-3.7"),
      rc::gen::just<std::string>("KEYS"), rc::gen::just<std::string>("ARGV"),
      rc::gen::just<std::string>("(undefined_global)"),
      rc::gen::just<std::string>("redis.sha1hex(ARGV[1] or '')"),
      rc::gen::just<std::string>("math.random(1000)"),
      rc::gen::just<std::string>("cjson.encode({a=1})"));
}

struct Script {
  std::string body;
  int numkeys;
};

rc::Gen<Script> GenScript() {
  return rc::gen::mapcat(rc::gen::inRange(0, 5), [](int n) {
    return rc::gen::apply(
        [n](std::vector<std::string> calls, std::string ret, bool shebang, bool ro_flag, bool resp3,
            int numkeys, bool raise) {
          std::string body;
          if (shebang) body += ro_flag ? "#!lua flags=no-writes\n" : "#!lua\n";
          if (resp3) body += "redis.setresp(3)\n";
          for (int i = 0; i < n; i++) {
            body += "local r" + std::to_string(i) + " = " + calls[static_cast<size_t>(i)] + "\n";
          }
          if (raise) body += "if r0 == nil then error('boom') end\n";
          body += "return " + ret;
          return Script{body, numkeys};
        },
        rc::gen::container<std::vector<std::string>>(static_cast<size_t>(n), GenCall()),
        GenReturn(n), rc::gen::arbitrary<bool>(), rc::gen::arbitrary<bool>(),
        rc::gen::weightedOneOf<bool>({{4, rc::gen::just(false)}, {1, rc::gen::just(true)}}),
        rc::gen::inRange(0, 3), rc::gen::arbitrary<bool>());
  });
}

// One script run: EVAL, EVAL_RO, or EVALSHA (preceded by SCRIPT LOAD three times in four, so
// NOSCRIPT is compared too).
rc::Gen<std::vector<Command>> GenScriptRun() {
  return rc::gen::apply(
      [](Script s, int how, bool load, std::string a1, std::string a2) {
        std::vector<Command> out;
        std::string name = how == 0 ? "EVAL" : how == 1 ? "EVALSHA" : "EVAL_RO";
        if (how == 1 && load) out.push_back({"SCRIPT", "LOAD", s.body});
        Command c{name, how == 1 ? Sha1Hex(s.body) : s.body, std::to_string(s.numkeys)};
        std::vector<std::string> keys = {"k1", "k2"};
        for (int i = 0; i < s.numkeys; i++) c.push_back(keys[static_cast<size_t>(i)]);
        c.push_back(a1);
        c.push_back(a2);
        out.push_back(c);
        return out;
      },
      GenScript(), rc::gen::inRange(0, 3),
      rc::gen::weightedOneOf<bool>({{3, rc::gen::just(true)}, {1, rc::gen::just(false)}}),
      rc::gen::element<std::string>("5", "v", "", "-2"),
      rc::gen::element<std::string>("1", "x", "10"));
}

RC_GTEST_PROP(ScriptingDiff, GeneratedScriptsAnswerAsRedis, ()) {
  DifferentialPair* pair = DifferentialPair::Get();
  RC_ASSERT(pair != nullptr);
  pair->Reset({{"SCRIPT", "FLUSH"}});
  auto runs = *rc::gen::container<std::vector<std::vector<Command>>>(GenScriptRun());
  auto plain = *rc::gen::container<std::vector<Command>>(
      runs.size(), rc::gen::elementOf(std::vector<Command>{{"GET", "k1"},
                                                           {"TYPE", "k2"},
                                                           {"LRANGE", "k2", "0", "-1"},
                                                           {"HGETALL", "other"},
                                                           {"SET", "k1", "5"},
                                                           {"RPUSH", "k2", "a"}}));
  std::vector<Command> seq;
  for (size_t i = 0; i < runs.size(); i++) {
    seq.insert(seq.end(), runs[i].begin(), runs[i].end());
    seq.push_back(plain[i]);
  }
  std::string report = pair->CheckSequence(seq);
  if (!report.empty()) RC_FAIL(report);
  // What the cases exercised (printed by RapidCheck): how many script errors were compared.
  int errors = 0;
  for (const Command& c : seq) {
    if (c[0] == "EVAL" || c[0] == "EVALSHA" || c[0] == "EVAL_RO") {
      if (pair->Run(c).first.is_error()) errors++;
    }
  }
  RC_TAG(errors == 0 ? "no script errors" : errors < 3 ? "1-2 script errors" : "3+ errors");
}

// ---- Functions ----------------------------------------------------------------------------

// A library "libN" with one or two functions whose bodies come from the same grammar (the
// function's keys/args are bound to locals named KEYS/ARGV), some flagged no-writes.
struct LibrarySpec {
  std::string name;
  std::string code;
  std::vector<std::string> functions;
};

rc::Gen<LibrarySpec> GenLibrary() {
  auto fn_body = rc::gen::mapcat(rc::gen::inRange(0, 4), [](int n) {
    return rc::gen::apply(
        [n](std::vector<std::string> calls, std::string ret) {
          std::string body = "local KEYS, ARGV = keys, args\n";
          for (int i = 0; i < n; i++) {
            body += "local r" + std::to_string(i) + " = " + calls[static_cast<size_t>(i)] + "\n";
          }
          return body + "return " + ret;
        },
        rc::gen::container<std::vector<std::string>>(static_cast<size_t>(n), GenCall()),
        GenReturn(n));
  });
  return rc::gen::apply(
      [](int lib, std::vector<std::string> bodies, std::vector<bool> ro, int first_fn) {
        LibrarySpec spec;
        spec.name = "lib" + std::to_string(lib);
        spec.code = "#!lua name=" + spec.name + "\n";
        for (size_t i = 0; i < bodies.size(); i++) {
          std::string fname = "f" + std::to_string(first_fn + static_cast<int>(i));
          spec.functions.push_back(fname);
          spec.code += "redis.register_function{function_name='" + fname +
                       "', callback=function(keys, args)\n" + bodies[i] + "\nend" +
                       (ro[i] ? ", flags={'no-writes'}" : "") + "}\n";
        }
        return spec;
      },
      rc::gen::inRange(0, 3), rc::gen::container<std::vector<std::string>>(1, fn_body),
      rc::gen::container<std::vector<bool>>(1, rc::gen::arbitrary<bool>()), rc::gen::inRange(0, 4));
}

RC_GTEST_PROP(ScriptingDiff, GeneratedFunctionsAnswerAsRedis, ()) {
  DifferentialPair* pair = DifferentialPair::Get();
  RC_ASSERT(pair != nullptr);
  pair->Reset({{"FUNCTION", "FLUSH"}});
  auto libs = *rc::gen::container<std::vector<LibrarySpec>>(GenLibrary());
  std::vector<Command> seq;
  for (const LibrarySpec& lib : libs) {
    bool replace = *rc::gen::arbitrary<bool>();
    seq.push_back(replace ? Command{"FUNCTION", "LOAD", "REPLACE", lib.code}
                          : Command{"FUNCTION", "LOAD", lib.code});
    for (const std::string& fn : lib.functions) {
      int numkeys = *rc::gen::inRange(0, 3);
      bool ro = *rc::gen::arbitrary<bool>();
      Command c{ro ? "FCALL_RO" : "FCALL", fn, std::to_string(numkeys)};
      for (int i = 0; i < numkeys; i++) c.push_back(i == 0 ? "k1" : "k2");
      c.push_back(*rc::gen::element<std::string>("5", "v", ""));
      c.push_back("1");
      seq.push_back(c);
    }
    seq.push_back({"FUNCTION", "LIST", "LIBRARYNAME", lib.name, "WITHCODE"});
    seq.push_back({"GET", "k1"});
    if (*rc::gen::inRange(0, 4) == 0) seq.push_back({"FUNCTION", "DELETE", lib.name});
  }
  seq.push_back({"FUNCTION", "STATS"});
  seq.push_back({"FCALL", "f0", "0"});
  std::string report = pair->CheckSequence(seq);
  if (!report.empty()) RC_FAIL(report);
}

}  // namespace
}  // namespace redsim::testing
