// Differential tests of the sorted-set commands against the real redis-server: random command
// sequences over both encodings (small listpack limits make skip lists common), NaN/inf
// scores, bad ranges and LIMITs, lex ranges (on equal scores, the only case Redis defines),
// RESP3, random-pick properties, and blocking pops with two connections.
#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include <algorithm>
#include <chrono>
#include <set>
#include <thread>

#include "tests/support/differential.h"

namespace redsim::testing {
namespace {

// ZSCAN of a skip list walks its hash table, whose order differs between servers: compare the
// (member, score) pairs as a set. Listpacks come back whole and in order on both anyway.
const bool kZScanPairs = RegisterNormalizer("zscan", [](const Command&, RespValue reply) {
  if (reply.type != RespValue::Type::kArray || reply.elements.size() != 2) return reply;
  reply.elements[0] = RespValue::Bulk("<cursor>");
  auto& items = reply.elements[1].elements;
  std::vector<std::pair<std::string, std::string>> pairs;
  for (size_t i = 0; i + 1 < items.size(); i += 2)
    pairs.emplace_back(items[i].str, items[i + 1].str);
  std::sort(pairs.begin(), pairs.end());
  items.clear();
  for (auto& [m, s] : pairs) {
    items.push_back(RespValue::Bulk(m));
    items.push_back(RespValue::Bulk(s));
  }
  return reply;
});

// ZRANDMEMBER picks at random unless the count covers the whole set: compare the shape only;
// RandomPicksHaveTheirProperties checks membership on each server.
const bool kZRandMember =
    RegisterComparator("zrandmember", [](const Command&, const RespValue& a, const RespValue& b) {
      if (a.type != b.type) return false;
      if (a.type == RespValue::Type::kBulk) return true;
      if (a.is_aggregate()) return a.elements.size() == b.elements.size();
      return a == b;
    });

Command Concat(Command head, const std::vector<std::string>& tail) {
  head.insert(head.end(), tail.begin(), tail.end());
  return head;
}

rc::Gen<std::string> GenZKey() {
  return rc::gen::element<std::string>("z1", "z2", "z3", "z1", "z2", "s1", "str", "nokey");
}

rc::Gen<std::string> GenZMember() {
  return rc::gen::element<std::string>(
      "a", "b", "c", "d", "e", "m1", "m10", "", "1", "A",
      "a-very-long-member-name-that-is-longer-than-sixty-four-bytes-in-total-xxxxxxxx");
}

rc::Gen<std::string> GenScore() {
  return rc::gen::element<std::string>("0", "1", "2", "-1", "1.5", "-0", "0.1", "3", "inf", "-inf",
                                       "+inf", "1e17", "4611686018427387904", "123456789012345678",
                                       "nan", "abc", "1e400", "1e-400", "(1", " 1", "0x10", "");
}

rc::Gen<std::string> GenRangeEnd() {
  return rc::gen::element<std::string>("-inf", "+inf", "inf", "(1", "1", "(0", "0", "1.5", "(1.5",
                                       "2", "(3", "abc", "(", "", "nan", "(inf", " 1");
}

rc::Gen<std::string> GenIndex() {
  return rc::gen::element<std::string>("0", "1", "2", "-1", "-2", "5", "-100", "100", "x",
                                       "9223372036854775807", "-9223372036854775808");
}

rc::Gen<std::string> GenLimitNum() {
  return rc::gen::element<std::string>("0", "1", "2", "5", "-1", "-2", "x");
}

rc::Gen<Command> GenZAdd() {
  return rc::gen::apply(
      [](std::string key, std::vector<std::string> flags, std::vector<std::string> pairs) {
        return Concat(Concat({"ZADD", key}, flags), pairs);
      },
      GenZKey(),
      rc::gen::mapcat(rc::gen::inRange<size_t>(0, 3),
                      [](size_t n) {
                        return rc::gen::container<std::vector<std::string>>(
                            n, rc::gen::element<std::string>("NX", "XX", "GT", "LT", "CH", "INCR",
                                                             "ch", "gt"));
                      }),
      rc::gen::mapcat(rc::gen::inRange<size_t>(1, 4), [](size_t n) {
        return rc::gen::map(rc::gen::container<std::vector<std::pair<std::string, std::string>>>(
                                n, rc::gen::pair(GenScore(), GenZMember())),
                            [](const std::vector<std::pair<std::string, std::string>>& ps) {
                              std::vector<std::string> out;
                              for (const auto& [s, m] : ps) {
                                out.push_back(s);
                                out.push_back(m);
                              }
                              return out;
                            });
      }));
}

rc::Gen<std::vector<std::string>> GenRangeOptions() {
  return rc::gen::mapcat(rc::gen::inRange<size_t>(0, 3), [](size_t n) {
    return rc::gen::map(
        rc::gen::container<std::vector<std::vector<std::string>>>(
            n, rc::gen::oneOf(
                   rc::gen::map(rc::gen::element<std::string>("WITHSCORES", "REV", "BYSCORE",
                                                              "BYLEX", "withscores", "foo"),
                                [](std::string s) { return std::vector<std::string>{s}; }),
                   rc::gen::apply(
                       [](std::string o, std::string c) {
                         return std::vector<std::string>{"LIMIT", o, c};
                       },
                       GenLimitNum(), GenLimitNum()))),
        [](const std::vector<std::vector<std::string>>& parts) {
          std::vector<std::string> out;
          for (const auto& p : parts) out.insert(out.end(), p.begin(), p.end());
          return out;
        });
  });
}

rc::Gen<Command> GenZRange() {
  return rc::gen::apply(
      [](int form, std::string key, std::string a, std::string b, std::vector<std::string> opts,
         std::string dst) {
        static const char* kForms[] = {"ZRANGE",           "ZREVRANGE",   "ZRANGEBYSCORE",
                                       "ZREVRANGEBYSCORE", "ZRANGESTORE", "ZRANGE"};
        Command c = {kForms[form]};
        if (form == 4) c.push_back(dst);
        c.insert(c.end(), {key, a, b});
        return Concat(c, opts);
      },
      rc::gen::inRange(0, 6), GenZKey(), rc::gen::oneOf(GenIndex(), GenRangeEnd()),
      rc::gen::oneOf(GenIndex(), GenRangeEnd()), GenRangeOptions(), GenZKey());
}

rc::Gen<Command> GenAlgebra() {
  return rc::gen::apply(
      [](int op, std::string numkeys, std::vector<std::string> keys, std::vector<std::string> opts,
         std::string dst) {
        static const char* kOps[] = {"ZUNION",      "ZINTER",     "ZDIFF",     "ZUNIONSTORE",
                                     "ZINTERSTORE", "ZDIFFSTORE", "ZINTERCARD"};
        Command c = {kOps[op]};
        if (op >= 3 && op <= 5) c.push_back(dst);
        c.push_back(numkeys);
        return Concat(Concat(c, keys), opts);
      },
      rc::gen::inRange(0, 7), rc::gen::element<std::string>("1", "2", "2", "3", "0", "x"),
      rc::gen::mapcat(
          rc::gen::inRange<size_t>(1, 4),
          [](size_t n) { return rc::gen::container<std::vector<std::string>>(n, GenZKey()); }),
      rc::gen::mapcat(rc::gen::inRange<size_t>(0, 4),
                      [](size_t n) {
                        return rc::gen::container<std::vector<std::string>>(
                            n, rc::gen::element<std::string>(
                                   "WEIGHTS", "2", "-1", "0", "inf", "0.5", "nan", "AGGREGATE",
                                   "SUM", "MIN", "MAX", "WITHSCORES", "LIMIT", "1"));
                      }),
      GenZKey());
}

rc::Gen<Command> GenPop() {
  return rc::gen::oneOf(
      rc::gen::apply(
          [](bool max, std::string key, std::string count) {
            return Command{max ? "ZPOPMAX" : "ZPOPMIN", key, count};
          },
          rc::gen::arbitrary<bool>(), GenZKey(),
          rc::gen::element<std::string>("1", "2", "0", "-1", "x", "100")),
      rc::gen::apply(
          [](bool max, std::string key) {
            return Command{max ? "ZPOPMAX" : "ZPOPMIN", key};
          },
          rc::gen::arbitrary<bool>(), GenZKey()),
      rc::gen::apply(
          [](std::string nk, std::vector<std::string> keys, std::string where,
             std::vector<std::string> rest) {
            return Concat(Concat(Concat({"ZMPOP", nk}, keys), {where}), rest);
          },
          rc::gen::element<std::string>("1", "2", "0", "x"),
          rc::gen::container<std::vector<std::string>>(2, GenZKey()),
          rc::gen::element<std::string>("MIN", "MAX", "max", "mid"),
          rc::gen::elementOf(std::vector<std::vector<std::string>>{{},
                                                                   {"COUNT", "2"},
                                                                   {"COUNT", "0"},
                                                                   {"COUNT", "x"},
                                                                   {"COUNT"},
                                                                   {"COUNT", "1", "COUNT", "1"}})),
      // Blocking pops with a short timeout: on empty keys both servers time out alike.
      rc::gen::apply(
          [](bool max, std::vector<std::string> keys, std::string timeout) {
            return Concat(Concat({max ? "BZPOPMAX" : "BZPOPMIN"}, keys), {timeout});
          },
          rc::gen::arbitrary<bool>(), rc::gen::container<std::vector<std::string>>(2, GenZKey()),
          rc::gen::element<std::string>("0.01", "-1", "x")),
      rc::gen::apply(
          [](std::vector<std::string> keys, std::string where) {
            return Concat(Concat({"BZMPOP", "0.01", "2"}, keys), {where, "COUNT", "2"});
          },
          rc::gen::container<std::vector<std::string>>(2, GenZKey()),
          rc::gen::element<std::string>("MIN", "MAX")));
}

rc::Gen<Command> GenZSetCommand() {
  return rc::gen::oneOf(
      GenZAdd(), GenZAdd(), GenZAdd(), GenZRange(), GenZRange(), GenAlgebra(), GenPop(),
      rc::gen::apply(
          [](std::string k, std::string inc, std::string m) {
            return Command{"ZINCRBY", k, inc, m};
          },
          GenZKey(), GenScore(), GenZMember()),
      rc::gen::apply(
          [](std::string k, std::vector<std::string> ms) {
            return Concat({"ZREM", k}, ms);
          },
          GenZKey(), rc::gen::container<std::vector<std::string>>(2, GenZMember())),
      rc::gen::apply(
          [](std::string k) {
            return Command{"ZCARD", k};
          },
          GenZKey()),
      rc::gen::apply(
          [](std::string k, std::string m) {
            return Command{"ZSCORE", k, m};
          },
          GenZKey(), GenZMember()),
      rc::gen::apply(
          [](std::string k, std::vector<std::string> ms) {
            return Concat({"ZMSCORE", k}, ms);
          },
          GenZKey(), rc::gen::container<std::vector<std::string>>(3, GenZMember())),
      rc::gen::apply(
          [](bool rev, std::string k, std::string m) {
            return Command{rev ? "ZREVRANK" : "ZRANK", k, m};
          },
          rc::gen::arbitrary<bool>(), GenZKey(), GenZMember()),
      rc::gen::apply(
          [](std::string k, std::string a, std::string b) {
            return Command{"ZCOUNT", k, a, b};
          },
          GenZKey(), GenRangeEnd(), GenRangeEnd()),
      rc::gen::apply(
          [](int form, std::string k, std::string a, std::string b) {
            static const char* kForms[] = {"ZREMRANGEBYRANK", "ZREMRANGEBYSCORE"};
            return Command{kForms[form], k, a, b};
          },
          rc::gen::inRange(0, 2), GenZKey(), rc::gen::oneOf(GenIndex(), GenRangeEnd()),
          rc::gen::oneOf(GenIndex(), GenRangeEnd())),
      rc::gen::apply(
          [](std::string k, std::string c, bool ws) {
            Command cmd = {"ZRANDMEMBER", k, c};
            if (ws) cmd.push_back("WITHSCORES");
            return cmd;
          },
          GenZKey(),
          rc::gen::element<std::string>("100", "0", "-3", "2", "x", "-9223372036854775808"),
          rc::gen::arbitrary<bool>()),
      // Out of range only with WITHSCORES; without it both servers would try to send 5e18 picks.
      rc::gen::apply(
          [](std::string k) {
            return Command{"ZRANDMEMBER", k, "-5000000000000000000", "WITHSCORES"};
          },
          GenZKey()),
      rc::gen::apply(
          [](std::string k) {
            return Command{"ZRANDMEMBER", k};
          },
          GenZKey()),
      rc::gen::apply(
          [](std::string k, std::string cur) {
            return Command{"ZSCAN", k, cur, "COUNT", "1000"};
          },
          GenZKey(), rc::gen::element<std::string>("0", "x")),
      rc::gen::apply(
          [](std::string k) {
            return Command{"OBJECT", "ENCODING", k};
          },
          GenZKey()),
      rc::gen::apply(
          [](std::string k) {
            return Command{"SADD", k, "a", "x", "1"};
          },
          rc::gen::just<std::string>("s1")),
      rc::gen::apply(
          [](std::string k) {
            return Command{"SET", k, "v"};
          },
          rc::gen::just<std::string>("str")),
      rc::gen::apply(
          [](std::string k) {
            return Command{"DEL", k};
          },
          GenZKey()),
      rc::gen::elementOf(std::vector<Command>{{"ZADD", "z1"},
                                              {"ZADD", "z1", "1"},
                                              {"ZINCRBY", "z1", "1"},
                                              {"ZRANGE", "z1", "0"},
                                              {"ZCOUNT", "z1", "0"},
                                              {"ZPOPMIN"},
                                              {"ZUNIONSTORE", "d"},
                                              {"ZMPOP", "1"},
                                              {"BZPOPMIN", "z1"},
                                              {"ZRANDMEMBER"},
                                              {"ZSCAN", "z1"},
                                              {"ZMSCORE", "z1"}}));
}

void SetLimits(DifferentialPair* pair, const std::string& entries, const std::string& value,
               int resp) {
  for (RespClient* c : {&pair->redis(), &pair->redsim()}) {
    c->Call({"CONFIG", "SET", "zset-max-listpack-entries", entries});
    c->Call({"CONFIG", "SET", "zset-max-listpack-value", value});
    if (resp == 3) c->Call({"HELLO", "3"});
  }
}

void RunZSetSequences(const char* name, int resp) {
  if (!ServerProcess::RedisAvailable()) GTEST_SKIP() << "redis-server not installed";
  DifferentialPair* pair = DifferentialPair::Get();
  ASSERT_NE(pair, nullptr) << "could not start redis-server and redsim-server";
  bool ok = rc::check(name, [pair, resp] {
    std::string entries = *rc::gen::element<std::string>("0", "3", "128");
    std::string value = *rc::gen::element<std::string>("64", "1");
    auto seq = *rc::gen::container<std::vector<Command>>(GenZSetCommand());
    pair->Reset();
    SetLimits(pair, entries, value, resp);
    std::string mismatch = pair->CheckSequence(seq);
    RC_ASSERT(mismatch == "");
  });
  EXPECT_TRUE(ok);
}

TEST(ZSetsDifferential, RandomSequencesMatchRedis) {
  RunZSetSequences("sorted-set commands give the same replies", 2);
}

TEST(ZSetsDifferential, RandomSequencesMatchRedisResp3) {
  RunZSetSequences("sorted-set commands give the same RESP3 replies", 3);
}

// Lex ranges are only defined when all scores are equal (Redis's answer otherwise depends on
// its internal layout), so this property adds every member with score 0.
rc::Gen<std::string> GenLexEnd() {
  return rc::gen::element<std::string>("-", "+", "[a", "(a", "[c", "(c", "[m1", "(m10", "[", "(",
                                       "a", "", "[zzz", "(A");
}

rc::Gen<Command> GenLexCommand() {
  return rc::gen::oneOf(
      rc::gen::apply(
          [](std::string k, std::string m) {
            return Command{"ZADD", k, "0", m};
          },
          GenZKey(), GenZMember()),
      rc::gen::apply(
          [](int form, std::string k, std::string a, std::string b, std::vector<std::string> opts) {
            static const char* kForms[] = {"ZRANGEBYLEX", "ZREVRANGEBYLEX", "ZLEXCOUNT",
                                           "ZREMRANGEBYLEX"};
            Command c = {kForms[form], k, a, b};
            if (form < 2) c = Concat(c, opts);
            return c;
          },
          rc::gen::inRange(0, 4), GenZKey(), GenLexEnd(), GenLexEnd(),
          rc::gen::elementOf(std::vector<std::vector<std::string>>{{},
                                                                   {"LIMIT", "0", "2"},
                                                                   {"LIMIT", "1", "-1"},
                                                                   {"LIMIT", "-1", "1"},
                                                                   {"WITHSCORES"},
                                                                   {"LIMIT", "0"}})),
      rc::gen::apply(
          [](std::string k, std::string a, std::string b, std::vector<std::string> o) {
            return Concat({"ZRANGE", k, a, b, "BYLEX"}, o);
          },
          GenZKey(), GenLexEnd(), GenLexEnd(),
          rc::gen::elementOf(std::vector<std::vector<std::string>>{
              {}, {"REV"}, {"REV", "LIMIT", "1", "2"}, {"WITHSCORES"}})),
      rc::gen::apply(
          [](std::string k) {
            return Command{"ZRANGE", k, "0", "-1"};
          },
          GenZKey()));
}

TEST(ZSetsDifferential, LexRangesMatchRedis) {
  if (!ServerProcess::RedisAvailable()) GTEST_SKIP() << "redis-server not installed";
  DifferentialPair* pair = DifferentialPair::Get();
  ASSERT_NE(pair, nullptr);
  bool ok = rc::check("lex ranges give the same replies", [pair] {
    std::string entries = *rc::gen::element<std::string>("0", "4", "128");
    auto seq = *rc::gen::container<std::vector<Command>>(GenLexCommand());
    pair->Reset();
    SetLimits(pair, entries, "64", 2);
    RC_ASSERT(pair->CheckSequence(seq) == "");
  });
  EXPECT_TRUE(ok);
}

// ZRANDMEMBER on each server: picks are members with their scores, distinct for positive
// counts; the whole set comes back for counts >= size.
TEST(ZSetsDifferential, RandomPicksHaveTheirProperties) {
  if (!ServerProcess::RedisAvailable()) GTEST_SKIP() << "redis-server not installed";
  DifferentialPair* pair = DifferentialPair::Get();
  ASSERT_NE(pair, nullptr);
  bool ok = rc::check("ZRANDMEMBER picks members with their scores", [pair] {
    auto members = *rc::gen::container<std::set<std::string>>(GenZMember());
    RC_PRE(!members.empty());
    int count = *rc::gen::inRange(-8, 9);
    std::string entries = *rc::gen::element<std::string>("0", "128");
    pair->Reset();
    SetLimits(pair, entries, "128", 2);
    for (RespClient* c : {&pair->redis(), &pair->redsim()}) {
      Command add = {"ZADD", "z"};
      int score = 0;
      for (const auto& m : members) add.insert(add.end(), {std::to_string(score++), m});
      c->Call(add);
      RespValue picks = c->Call({"ZRANDMEMBER", "z", std::to_string(count), "WITHSCORES"});
      size_t expect = count >= 0 ? std::min<size_t>(static_cast<size_t>(count), members.size())
                                 : static_cast<size_t>(-count);
      RC_ASSERT(picks.elements.size() == 2 * expect);
      std::set<std::string> seen;
      for (size_t i = 0; i + 1 < picks.elements.size(); i += 2) {
        const std::string& m = picks.elements[i].str;
        RC_ASSERT(members.count(m) == 1);
        RC_ASSERT(c->Call({"ZSCORE", "z", m}).str == picks.elements[i + 1].str);
        seen.insert(m);
      }
      if (count > 0) RC_ASSERT(seen.size() == expect);
      RC_ASSERT(members.count(c->Call({"ZRANDMEMBER", "z"}).str) == 1);
    }
  });
  EXPECT_TRUE(ok);
}

// ---- Blocking pops with two connections -----------------------------------------------------

// One scripted interleaving run on one server: `steps` are (connection, command, wait_reply).
// A command sent without waiting is a blocking call whose reply is read later by a "READ" step.
struct Step {
  int conn;
  Command cmd;  // {"READ"} reads the pending reply of `conn`
};

std::vector<RespValue> RunScript(int port, const std::vector<Step>& steps, int conns) {
  std::vector<std::unique_ptr<RespClient>> cs;
  for (int i = 0; i < conns; i++) {
    cs.push_back(std::make_unique<RespClient>());
    cs.back()->Connect(port);
  }
  RespClient control;  // never blocks, so it can always ask how many clients wait
  control.Connect(port);
  auto blocked = [&] {
    RespValue info = control.Call({"INFO", "clients"});
    size_t pos = info.str.find("blocked_clients:");
    return pos == std::string::npos ? -1 : std::atoi(info.str.c_str() + pos + 16);
  };
  std::vector<RespValue> out;
  int expected_blocked = 0;
  for (const auto& s : steps) {
    RespClient& c = *cs[static_cast<size_t>(s.conn)];
    if (s.cmd.size() == 1 && s.cmd[0] == "READ") {
      out.push_back(c.ReadReply());
      expected_blocked--;
    } else if (s.cmd[0] == "SEND") {
      // Sends without reading: a blocking command. Wait until the server has it blocked so the
      // order between connections is the scripted one.
      c.SendRaw(RespClient::Encode(Command(s.cmd.begin() + 1, s.cmd.end())));
      expected_blocked++;
      for (int i = 0; i < 60 && blocked() < expected_blocked; i++) {
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
      }
    } else if (s.cmd[0] == "HELLO") {
      c.Call(s.cmd);  // its reply names the server and version: not compared
    } else {
      out.push_back(c.Call(s.cmd));
    }
  }
  return out;
}

void ExpectSameScript(const std::vector<Step>& steps, int conns = 3) {
  DifferentialPair* pair = DifferentialPair::Get();
  ASSERT_NE(pair, nullptr);
  pair->Reset();
  auto a = RunScript(pair->redis_process().port(), steps, conns);
  auto b = RunScript(pair->redsim_process().port(), steps, conns);
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); i++) {
    // Test-client failures ("<connection error ...>") would compare equal; they must not happen.
    EXPECT_NE(a[i].str.rfind("<", 0), 0u) << a[i].ToString();
    EXPECT_EQ(a[i], b[i]) << "reply " << i << "\n redis:  " << a[i].ToString()
                          << "\n redsim: " << b[i].ToString();
  }
}

TEST(ZSetsBlockingDifferential, BZPopMinWokenByZAdd) {
  if (!ServerProcess::RedisAvailable()) GTEST_SKIP() << "redis-server not installed";
  ExpectSameScript({{0, {"SEND", "BZPOPMIN", "z", "0"}},
                    {1, {"ZADD", "z", "2", "b", "1", "a"}},
                    {0, {"READ"}},
                    {1, {"ZRANGE", "z", "0", "-1", "WITHSCORES"}},
                    {0, {"SEND", "BZPOPMAX", "y", "z", "0"}},
                    {0, {"READ"}}});
}

TEST(ZSetsBlockingDifferential, FirstBlockedFirstServed) {
  if (!ServerProcess::RedisAvailable()) GTEST_SKIP() << "redis-server not installed";
  ExpectSameScript({{0, {"SEND", "BZPOPMIN", "z", "0"}},
                    {1, {"SEND", "BZPOPMAX", "z", "0"}},
                    {2, {"ZADD", "z", "1", "a", "2", "b", "3", "c"}},
                    {0, {"READ"}},
                    {1, {"READ"}},
                    {2, {"ZRANGE", "z", "0", "-1"}}});
}

TEST(ZSetsBlockingDifferential, OnlyOneServedWhenOneMemberArrives) {
  if (!ServerProcess::RedisAvailable()) GTEST_SKIP() << "redis-server not installed";
  ExpectSameScript({{0, {"SEND", "BZPOPMIN", "z", "0"}},
                    {1, {"SEND", "BZMPOP", "0", "1", "z", "MAX", "COUNT", "5"}},
                    {2, {"ZADD", "z", "1", "a"}},
                    {0, {"READ"}},
                    {2, {"ZADD", "z", "1", "a", "2", "b", "3", "c"}},
                    {1, {"READ"}},
                    {2, {"ZCARD", "z"}}});
}

TEST(ZSetsBlockingDifferential, TimeoutsAndMulti) {
  if (!ServerProcess::RedisAvailable()) GTEST_SKIP() << "redis-server not installed";
  ExpectSameScript({{0, {"BZPOPMIN", "z", "0.05"}},
                    {0, {"BZMPOP", "0.05", "2", "z", "y", "MIN"}},
                    {0, {"MULTI"}},
                    {0, {"BZPOPMIN", "z", "0"}},
                    {0, {"BZMPOP", "0", "1", "z", "MIN"}},
                    {0, {"EXEC"}},
                    {1, {"SET", "s", "x"}},
                    {0, {"BZPOPMIN", "s", "0"}}});
}

TEST(ZSetsBlockingDifferential, ServedFromTheKeySignalledFirst) {
  if (!ServerProcess::RedisAvailable()) GTEST_SKIP() << "redis-server not installed";
  ExpectSameScript({{0, {"SEND", "BZPOPMIN", "k1", "k2", "0"}},
                    {1, {"MULTI"}},
                    {1, {"ZADD", "k2", "5", "x"}},
                    {1, {"ZADD", "k1", "1", "y"}},
                    {1, {"EXEC"}},
                    {0, {"READ"}},
                    {1, {"ZRANGE", "k1", "0", "-1"}}});
}

TEST(ZSetsBlockingDifferential, StoreIntoTheAwaitedKeyWakes) {
  if (!ServerProcess::RedisAvailable()) GTEST_SKIP() << "redis-server not installed";
  ExpectSameScript({{0, {"SEND", "BZPOPMAX", "dst", "0"}},
                    {1, {"ZADD", "src", "1", "a", "2", "b"}},
                    {1, {"ZUNIONSTORE", "dst", "1", "src", "WEIGHTS", "3"}},
                    {0, {"READ"}},
                    {0, {"SEND", "BZPOPMIN", "dst2", "0"}},
                    {1, {"ZRANGESTORE", "dst2", "src", "0", "0"}},
                    {0, {"READ"}},
                    {1, {"ZRANGE", "dst", "0", "-1", "WITHSCORES"}}});
}

TEST(ZSetsBlockingDifferential, KeyOfAnotherTypeDoesNotWake) {
  if (!ServerProcess::RedisAvailable()) GTEST_SKIP() << "redis-server not installed";
  ExpectSameScript({{0, {"SEND", "BZPOPMIN", "z", "0"}},
                    {1, {"SADD", "z", "m"}},
                    {1, {"DEL", "z"}},
                    {1, {"ZADD", "z", "7", "q"}},
                    {0, {"READ"}},
                    {1, {"EXISTS", "z"}}});
}

TEST(ZSetsBlockingDifferential, Resp3BlockedReplies) {
  if (!ServerProcess::RedisAvailable()) GTEST_SKIP() << "redis-server not installed";
  ExpectSameScript({{0, {"HELLO", "3"}},
                    {0, {"SEND", "BZPOPMAX", "z", "0"}},
                    {1, {"ZADD", "z", "1.5", "a", "2.5", "b"}},
                    {0, {"READ"}},
                    {0, {"SEND", "BZMPOP", "0", "1", "z", "MIN", "COUNT", "3"}},
                    {0, {"READ"}},
                    {0, {"BZPOPMIN", "z", "0.02"}}});
}

}  // namespace
}  // namespace redsim::testing
