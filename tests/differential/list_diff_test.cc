// Differential test of the list commands against the real redis-server: random sequences over a
// few keys, with wrong types, wrong arities, out-of-range indexes, huge and negative counts,
// transactions, and every node size setting. Blocking commands appear with short timeouts (they
// either find data at once or time out on both servers).
#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include "tests/support/differential.h"

namespace redsim::testing {
namespace {

rc::Gen<std::string> GenKey() { return rc::gen::element<std::string>("l1", "l2", "s", "none"); }

rc::Gen<std::string> GenElement() {
  return rc::gen::oneOf(
      rc::gen::element<std::string>("a", "b", "c", "", "1", "-1", "10"),
      rc::gen::map(rc::gen::inRange(0, 200), [](int n) { return std::string(n, 'x'); }));
}

// Indexes and counts, including the extremes and non-numbers.
rc::Gen<std::string> GenIndex() {
  return rc::gen::oneOf(
      rc::gen::map(rc::gen::inRange(-7, 8), [](int v) { return std::to_string(v); }),
      rc::gen::element<std::string>("9223372036854775807", "-9223372036854775808",
                                    "9223372036854775808", "x", "1.5", ""));
}

rc::Gen<std::string> GenEnd() {
  return rc::gen::element<std::string>("LEFT", "RIGHT", "left", "UP");
}

// Timeouts: short ones (the command finds data or times out quickly) and invalid ones.
rc::Gen<std::string> GenTimeout() {
  return rc::gen::element<std::string>("0.01", "0.01", "0.01", "-1", "x", "inf");
}

rc::Gen<Command> GenPush() {
  return rc::gen::apply(
      [](std::string cmd, std::string key, std::vector<std::string> elems) {
        Command c{cmd, key};
        c.insert(c.end(), elems.begin(), elems.end());
        return c;
      },
      rc::gen::element<std::string>("LPUSH", "RPUSH", "LPUSH", "RPUSH", "LPUSHX", "RPUSHX"),
      GenKey(), rc::gen::container<std::vector<std::string>>(GenElement()));
}

rc::Gen<Command> GenPop() {
  return rc::gen::oneOf(rc::gen::apply(
                            [](std::string cmd, std::string key) {
                              return Command{cmd, key};
                            },
                            rc::gen::element<std::string>("LPOP", "RPOP"), GenKey()),
                        rc::gen::apply(
                            [](std::string cmd, std::string key, std::string count) {
                              return Command{cmd, key, count};
                            },
                            rc::gen::element<std::string>("LPOP", "RPOP"), GenKey(), GenIndex()),
                        rc::gen::apply(
                            [](std::string key) {
                              return Command{"LPOP", key, "1", "2"};
                            },
                            GenKey()));
}

rc::Gen<Command> GenAccess() {
  return rc::gen::oneOf(
      rc::gen::map(GenKey(),
                   [](std::string k) {
                     return Command{"LLEN", k};
                   }),
      rc::gen::apply(
          [](std::string k, std::string a, std::string b) {
            return Command{"LRANGE", k, a, b};
          },
          GenKey(), GenIndex(), GenIndex()),
      rc::gen::apply(
          [](std::string k, std::string i) {
            return Command{"LINDEX", k, i};
          },
          GenKey(), GenIndex()),
      rc::gen::apply(
          [](std::string k, std::string i, std::string e) {
            return Command{"LSET", k, i, e};
          },
          GenKey(), GenIndex(), GenElement()),
      rc::gen::apply(
          [](std::string k, std::string where, std::string pivot, std::string e) {
            return Command{"LINSERT", k, where, pivot, e};
          },
          GenKey(), rc::gen::element<std::string>("BEFORE", "AFTER", "after", "MIDDLE"),
          GenElement(), GenElement()),
      rc::gen::apply(
          [](std::string k, std::string count, std::string e) {
            return Command{"LREM", k, count, e};
          },
          GenKey(), GenIndex(), GenElement()),
      rc::gen::apply(
          [](std::string k, std::string a, std::string b) {
            return Command{"LTRIM", k, a, b};
          },
          GenKey(), GenIndex(), GenIndex()));
}

rc::Gen<Command> GenLpos() {
  return rc::gen::apply(
      [](std::string k, std::string e, std::vector<std::pair<int, std::string>> opts) {
        Command c{"LPOS", k, e};
        const char* names[] = {"RANK", "COUNT", "MAXLEN", "FOO"};
        for (auto& [which, value] : opts) {
          c.push_back(names[static_cast<size_t>(which)]);
          if (!value.empty() || which != 3) c.push_back(value);
        }
        return c;
      },
      GenKey(), GenElement(),
      rc::gen::container<std::vector<std::pair<int, std::string>>>(rc::gen::pair(
          rc::gen::weightedElement<int>({{5, 0}, {5, 1}, {5, 2}, {1, 3}}), GenIndex())));
}

rc::Gen<Command> GenMove() {
  return rc::gen::oneOf(
      rc::gen::apply(
          [](std::string a, std::string b, std::string f, std::string t) {
            return Command{"LMOVE", a, b, f, t};
          },
          GenKey(), GenKey(), GenEnd(), GenEnd()),
      rc::gen::apply(
          [](std::string a, std::string b) {
            return Command{"RPOPLPUSH", a, b};
          },
          GenKey(), GenKey()),
      rc::gen::apply(
          [](std::string numkeys, std::vector<std::string> keys, std::string where,
             std::vector<std::string> tail) {
            Command c{"LMPOP", numkeys};
            c.insert(c.end(), keys.begin(), keys.end());
            c.push_back(where);
            c.insert(c.end(), tail.begin(), tail.end());
            return c;
          },
          rc::gen::element<std::string>("1", "2", "2", "3", "0", "-1", "x", "9223372036854775807"),
          rc::gen::container<std::vector<std::string>>(2, GenKey()), GenEnd(),
          rc::gen::oneOf(rc::gen::just(std::vector<std::string>{}),
                         rc::gen::map(GenIndex(),
                                      [](std::string n) {
                                        return std::vector<std::string>{"COUNT", n};
                                      }),
                         rc::gen::just(std::vector<std::string>{"COUNT", "1", "COUNT", "2"}))));
}

rc::Gen<Command> GenBlocking() {
  return rc::gen::oneOf(
      rc::gen::apply(
          [](std::string cmd, std::string a, std::string b, std::string t) {
            return Command{cmd, a, b, t};
          },
          rc::gen::element<std::string>("BLPOP", "BRPOP"), GenKey(), GenKey(), GenTimeout()),
      rc::gen::apply([](std::string a, std::string b, std::string f, std::string t,
                        std::string timeout) { return Command{"BLMOVE", a, b, f, t, timeout}; },
                     GenKey(), GenKey(), GenEnd(), GenEnd(), GenTimeout()),
      rc::gen::apply(
          [](std::string a, std::string b, std::string t) {
            return Command{"BRPOPLPUSH", a, b, t};
          },
          GenKey(), GenKey(), GenTimeout()),
      rc::gen::apply(
          [](std::string t, std::string a, std::string where, std::string count) {
            return Command{"BLMPOP", t, "2", a, "l2", where, "COUNT", count};
          },
          GenTimeout(), GenKey(), GenEnd(), GenIndex()));
}

rc::Gen<Command> GenOther() {
  return rc::gen::oneOf(
      rc::gen::map(GenKey(),
                   [](std::string k) {
                     return Command{"SET", k, "str"};
                   }),
      rc::gen::map(GenKey(),
                   [](std::string k) {
                     return Command{"DEL", k};
                   }),
      rc::gen::map(GenKey(),
                   [](std::string k) {
                     return Command{"TYPE", k};
                   }),
      rc::gen::map(GenKey(),
                   [](std::string k) {
                     return Command{"OBJECT", "ENCODING", k};
                   }),
      rc::gen::element<Command>(Command{"LPUSH", "l1"}, Command{"LINDEX", "l1"},
                                Command{"LSET", "l1", "0"}, Command{"LRANGE", "l1", "0"},
                                Command{"BLPOP", "l1"}, Command{"LMOVE", "l1", "l2", "LEFT"},
                                Command{"LPOS", "l1"}, Command{"LMPOP", "1"}));
}

rc::Gen<Command> GenListCommand() {
  return rc::gen::weightedOneOf<Command>({{8, GenPush()},
                                          {4, GenPop()},
                                          {8, GenAccess()},
                                          {3, GenLpos()},
                                          {4, GenMove()},
                                          {1, GenBlocking()},
                                          {3, GenOther()}});
}

// A step: usually one command, sometimes a transaction around a few.
rc::Gen<std::vector<Command>> GenStep() {
  return rc::gen::weightedOneOf<std::vector<Command>>(
      {{12, rc::gen::map(GenListCommand(), [](Command c) { return std::vector<Command>{c}; })},
       {1, rc::gen::map(rc::gen::container<std::vector<Command>>(GenListCommand()),
                        [](std::vector<Command> body) {
                          body.insert(body.begin(), Command{"MULTI"});
                          body.push_back({"EXEC"});
                          return body;
                        })}});
}

TEST(ListsDifferential, RandomSequencesMatchRedis) {
  if (!ServerProcess::RedisAvailable()) GTEST_SKIP() << "redis-server not installed";
  DifferentialPair* pair = DifferentialPair::Get();
  ASSERT_NE(pair, nullptr) << "could not start redis-server and redsim-server";
  bool ok = rc::check("list commands give the same replies", [pair] {
    std::string fill = *rc::gen::element<std::string>("-2", "-1", "-5", "1", "2", "3", "0");
    std::vector<Command> seq = {{"CONFIG", "SET", "list-max-listpack-size", fill}};
    for (const auto& step : *rc::gen::container<std::vector<std::vector<Command>>>(GenStep())) {
      seq.insert(seq.end(), step.begin(), step.end());
    }
    pair->Reset();
    std::string mismatch = pair->CheckSequence(seq);
    RC_ASSERT(mismatch == "");
  });
  EXPECT_TRUE(ok);
}

// Long lists spread over many nodes: editing in the middle, trimming and indexing.
TEST(ListsDifferential, LongListsAcrossNodesMatchRedis) {
  if (!ServerProcess::RedisAvailable()) GTEST_SKIP() << "redis-server not installed";
  DifferentialPair* pair = DifferentialPair::Get();
  ASSERT_NE(pair, nullptr) << "could not start redis-server and redsim-server";
  bool ok = rc::check("long lists give the same replies", [pair] {
    std::string fill = *rc::gen::element<std::string>("-1", "2", "5");
    std::vector<Command> seq = {{"CONFIG", "SET", "list-max-listpack-size", fill}};
    for (int i = 0; i < 4; i++) {
      Command push{"RPUSH", "l1"};
      for (int j = 0; j < 60; j++) push.push_back(std::to_string((i * 60 + j) % 7) + "-elem");
      seq.push_back(push);
    }
    auto lpos = rc::gen::apply(
        [](int e, int rank, int count, int maxlen) {
          return Command{"LPOS",
                         "l1",
                         std::to_string(e) + "-elem",
                         "RANK",
                         std::to_string(rank),
                         "COUNT",
                         std::to_string(count),
                         "MAXLEN",
                         std::to_string(maxlen)};
        },
        rc::gen::inRange(0, 7), rc::gen::element(-3, -2, -1, 1, 2, 3), rc::gen::inRange(0, 4),
        rc::gen::inRange(0, 30));
    auto edits =
        *rc::gen::container<std::vector<Command>>(
            rc::gen::oneOf(GenAccess(), GenLpos(), lpos,
                           rc::gen::apply(
                               [](int i, std::string e) {
                                 return Command{"LINSERT", "l1", i % 2 ? "BEFORE" : "AFTER",
                                                std::to_string(i % 7) + "-elem", e};
                               },
                               rc::gen::inRange(0, 14), GenElement())));
    for (auto& c : edits) {
      if (c.size() > 1) c[1] = "l1";
      seq.push_back(c);
    }
    seq.push_back({"LRANGE", "l1", "0", "-1"});
    pair->Reset();
    std::string mismatch = pair->CheckSequence(seq);
    RC_ASSERT(mismatch == "");
  });
  EXPECT_TRUE(ok);
}

}  // namespace
}  // namespace redsim::testing
