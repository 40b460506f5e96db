// Differential test of the stream commands against the real redis-server: random sequences over
// two streams (and a string and a missing key) with explicit IDs — so that replies compare —
// covering XADD with every trimming form, ranges, deletion, consumer groups with their pending
// lists, claims, XINFO and XSETID, in small and default node sizes.
//
// Normalisers (below) only touch what legitimately differs: idle times and delivery times,
// which depend on when each server ran the command, and XINFO's radix-tree-nodes, a count of
// Redis's internal tree nodes (redsim keeps a sorted map).
#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include "tests/support/differential.h"

namespace redsim::testing {
namespace {

RespValue ZeroInteger(RespValue v) {
  if (v.type == RespValue::Type::kInteger) v.integer = 0;
  return v;
}

// In a flat [name, value, ...] list (RESP2 maps), applies `f` to the value after `name`.
template <typename F>
void ForField(RespValue& list, const std::string& name, F f) {
  if (!list.is_aggregate()) return;
  for (size_t i = 0; i + 1 < list.elements.size(); i += 2) {
    if (list.elements[i].is_string() && list.elements[i].str == name) f(list.elements[i + 1]);
  }
}

// XINFO STREAM [FULL]: radix-tree-nodes, and the times inside FULL's group and consumer lists.
const bool kXinfoStream = RegisterNormalizer("xinfo|stream", [](const Command&, RespValue r) {
  ForField(r, "radix-tree-nodes", [](RespValue& v) { v = ZeroInteger(v); });
  ForField(r, "groups", [](RespValue& groups) {
    if (!groups.is_aggregate()) return;
    for (RespValue& g : groups.elements) {
      ForField(g, "pending", [](RespValue& pel) {
        for (RespValue& p : pel.elements) {
          if (p.elements.size() == 4) p.elements[2] = ZeroInteger(p.elements[2]);
        }
      });
      ForField(g, "consumers", [](RespValue& consumers) {
        for (RespValue& c : consumers.elements) {
          ForField(c, "seen-time", [](RespValue& v) { v = ZeroInteger(v); });
          ForField(c, "pending", [](RespValue& pel) {
            for (RespValue& p : pel.elements) {
              if (p.elements.size() == 3) p.elements[1] = ZeroInteger(p.elements[1]);
            }
          });
        }
      });
    }
  });
  return r;
});

// XINFO CONSUMERS: idle is milliseconds since the consumer was last seen on each server.
const bool kXinfoConsumers = RegisterNormalizer("xinfo|consumers", [](const Command&, RespValue r) {
  if (!r.is_aggregate()) return r;
  for (RespValue& c : r.elements) ForField(c, "idle", [](RespValue& v) { v = ZeroInteger(v); });
  return r;
});

// XPENDING's extended form: the third field of each entry is its idle time.
const bool kXpending = RegisterNormalizer("xpending", [](const Command& cmd, RespValue r) {
  if (cmd.size() == 3 || !r.is_aggregate()) return r;
  for (RespValue& p : r.elements) {
    if (p.elements.size() == 4) p.elements[2] = ZeroInteger(p.elements[2]);
  }
  return r;
});

// Vectors of lo..hi-1 elements.
template <typename T>
rc::Gen<std::vector<T>> VecOf(int lo, int hi, rc::Gen<T> g) {
  return rc::gen::mapcat(rc::gen::inRange(lo, hi), [g](int n) {
    return rc::gen::container<std::vector<T>>(static_cast<size_t>(n), g);
  });
}

rc::Gen<std::string> GenKey() {
  return rc::gen::weightedElement<std::string>({{6, "s1"}, {3, "s2"}, {1, "str"}, {1, "none"}});
}

rc::Gen<std::string> GenMs() {
  return rc::gen::weightedOneOf<std::string>(
      {{10, rc::gen::map(rc::gen::inRange(0, 8), [](int v) { return std::to_string(v); })},
       {1, rc::gen::element<std::string>("18446744073709551615", "18446744073709551616", "x", "-1",
                                         "007")}});
}

// IDs as users write them: ms-seq, ms, ms-*, specials and junk.
rc::Gen<std::string> GenId() {
  return rc::gen::weightedOneOf<std::string>(
      {{10, rc::gen::apply([](std::string ms, int seq) { return ms + "-" + std::to_string(seq); },
                           GenMs(), rc::gen::inRange(0, 4))},
       {3, GenMs()},
       {1, rc::gen::element<std::string>(
               "-", "+", "0-0", "18446744073709551615-18446744073709551615", "1-x", "", "1-2-3")}});
}

rc::Gen<std::string> GenAddId() {
  return rc::gen::weightedOneOf<std::string>(
      {{10, GenId()}, {3, rc::gen::map(GenMs(), [](std::string ms) { return ms + "-*"; })}});
}

rc::Gen<std::string> GenBound() {
  return rc::gen::weightedOneOf<std::string>(
      {{6, GenId()},
       {2, rc::gen::element<std::string>("-", "+")},
       {2, rc::gen::map(GenId(), [](std::string id) { return "(" + id; })}});
}

rc::Gen<std::string> GenCount() {
  return rc::gen::element<std::string>("0", "1", "2", "3", "10", "-1", "x");
}

rc::Gen<std::string> GenGroup() { return rc::gen::element<std::string>("g1", "g1", "g2", "nog"); }
rc::Gen<std::string> GenConsumer() { return rc::gen::element<std::string>("c1", "c2", "c3"); }

rc::Gen<std::vector<std::string>> GenFields() {
  return rc::gen::oneOf(rc::gen::just(std::vector<std::string>{"f", "v"}),
                        rc::gen::just(std::vector<std::string>{"f", "12"}),
                        rc::gen::just(std::vector<std::string>{"a", "1", "b", "2"}),
                        rc::gen::map(rc::gen::inRange(0, 300),
                                     [](int n) {
                                       return std::vector<std::string>{"f", std::string(n, 'x')};
                                     }),
                        rc::gen::just(std::vector<std::string>{"odd"}));
}

// MAXLEN/MINID [=|~] threshold [LIMIT n], possibly malformed.
rc::Gen<std::vector<std::string>> GenTrim() {
  return rc::gen::apply(
      [](int strategy, int approx, int len, std::string id, int limit) {
        std::vector<std::string> t;
        t.push_back(strategy == 0 ? "MAXLEN" : "MINID");
        if (approx == 1) t.push_back("~");
        if (approx == 2) t.push_back("=");
        t.push_back(strategy == 0 ? std::to_string(len) : id);
        if (limit >= 0) {
          t.push_back("LIMIT");
          t.push_back(std::to_string(limit));
        }
        return t;
      },
      rc::gen::inRange(0, 2), rc::gen::inRange(0, 3), rc::gen::inRange(-1, 12), GenId(),
      rc::gen::weightedElement<int>({{6, -1}, {1, 0}, {1, 2}, {1, 100}}));
}

rc::Gen<Command> GenXadd() {
  return rc::gen::apply(
      [](std::string key, bool nomk, bool trim, std::vector<std::string> t, std::string id,
         std::vector<std::string> fields) {
        Command c{"XADD", key};
        if (nomk) c.push_back("NOMKSTREAM");
        if (trim) c.insert(c.end(), t.begin(), t.end());
        c.push_back(id);
        c.insert(c.end(), fields.begin(), fields.end());
        return c;
      },
      GenKey(), rc::gen::weightedElement<bool>({{6, false}, {1, true}}),
      rc::gen::weightedElement<bool>({{4, false}, {1, true}}), GenTrim(), GenAddId(), GenFields());
}

rc::Gen<Command> GenRead() {
  return rc::gen::oneOf(
      rc::gen::map(GenKey(),
                   [](std::string k) {
                     return Command{"XLEN", k};
                   }),
      rc::gen::apply(
          [](bool rev, std::string k, std::string a, std::string b, bool count, std::string n) {
            Command c{rev ? "XREVRANGE" : "XRANGE", k, a, b};
            if (count) c.insert(c.end(), {"COUNT", n});
            return c;
          },
          rc::gen::arbitrary<bool>(), GenKey(), GenBound(), GenBound(), rc::gen::arbitrary<bool>(),
          GenCount()),
      rc::gen::apply(
          [](std::vector<std::string> keys, std::vector<std::string> ids, bool count,
             std::string n) {
            Command c{"XREAD"};
            if (count) c.insert(c.end(), {"COUNT", n});
            c.push_back("STREAMS");
            c.insert(c.end(), keys.begin(), keys.end());
            for (size_t i = 0; i < keys.size(); i++) c.push_back(i < ids.size() ? ids[i] : "0");
            return c;
          },
          VecOf<std::string>(1, 3, GenKey()),
          rc::gen::container<std::vector<std::string>>(
              2, rc::gen::weightedOneOf<std::string>(
                     {{4, GenId()}, {1, rc::gen::element<std::string>("$", ">")}})),
          rc::gen::arbitrary<bool>(), GenCount()));
}

rc::Gen<Command> GenEdit() {
  return rc::gen::oneOf(rc::gen::apply(
                            [](std::string k, std::vector<std::string> ids) {
                              Command c{"XDEL", k};
                              c.insert(c.end(), ids.begin(), ids.end());
                              return c;
                            },
                            GenKey(), VecOf<std::string>(1, 4, GenId())),
                        rc::gen::apply(
                            [](std::string k, std::vector<std::string> t) {
                              Command c{"XTRIM", k};
                              c.insert(c.end(), t.begin(), t.end());
                              return c;
                            },
                            GenKey(), GenTrim()),
                        rc::gen::apply(
                            [](std::string k, std::string id, int added, std::string maxdel) {
                              Command c{"XSETID", k, id};
                              if (added >= 0)
                                c.insert(c.end(), {"ENTRIESADDED", std::to_string(added)});
                              if (!maxdel.empty()) c.insert(c.end(), {"MAXDELETEDID", maxdel});
                              return c;
                            },
                            GenKey(), GenId(), rc::gen::inRange(-2, 20),
                            rc::gen::oneOf(rc::gen::just(std::string()), GenId())));
}

rc::Gen<Command> GenXgroup() {
  return rc::gen::oneOf(
      rc::gen::apply(
          [](std::string k, std::string g, std::string id, bool mk, int read) {
            Command c{"XGROUP", "CREATE", k, g, id};
            if (mk) c.push_back("MKSTREAM");
            if (read >= -2) c.insert(c.end(), {"ENTRIESREAD", std::to_string(read)});
            return c;
          },
          GenKey(), GenGroup(),
          rc::gen::weightedOneOf<std::string>({{3, GenId()}, {2, rc::gen::just(std::string("$"))}}),
          rc::gen::arbitrary<bool>(),
          rc::gen::weightedElement<int>({{6, -3}, {1, -2}, {1, -1}, {1, 0}, {1, 3}})),
      rc::gen::apply(
          [](std::string k, std::string g, std::string id, int read) {
            Command c{"XGROUP", "SETID", k, g, id};
            if (read >= -1) c.insert(c.end(), {"ENTRIESREAD", std::to_string(read)});
            return c;
          },
          GenKey(), GenGroup(),
          rc::gen::weightedOneOf<std::string>({{3, GenId()}, {1, rc::gen::just(std::string("$"))}}),
          rc::gen::weightedElement<int>({{3, -2}, {1, -1}, {1, 2}})),
      rc::gen::apply(
          [](std::string k, std::string g) {
            return Command{"XGROUP", "DESTROY", k, g};
          },
          GenKey(), GenGroup()),
      rc::gen::apply(
          [](bool create, std::string k, std::string g, std::string c) {
            return Command{"XGROUP", create ? "CREATECONSUMER" : "DELCONSUMER", k, g, c};
          },
          rc::gen::arbitrary<bool>(), GenKey(), GenGroup(), GenConsumer()),
      rc::gen::just(Command{"XGROUP", "HELP"}), rc::gen::just(Command{"XGROUP", "FOO"}),
      rc::gen::just(Command{"XGROUP", "CREATE", "s1", "g1", "0", "BAD"}));
}

rc::Gen<Command> GenReadGroup() {
  return rc::gen::apply(
      [](std::string g, std::string consumer, bool count, std::string n, bool noack,
         std::vector<std::string> keys, std::vector<std::string> ids) {
        Command c{"XREADGROUP", "GROUP", g, consumer};
        if (count) c.insert(c.end(), {"COUNT", n});
        if (noack) c.push_back("NOACK");
        c.push_back("STREAMS");
        c.insert(c.end(), keys.begin(), keys.end());
        for (size_t i = 0; i < keys.size(); i++) c.push_back(i < ids.size() ? ids[i] : ">");
        return c;
      },
      GenGroup(), GenConsumer(), rc::gen::arbitrary<bool>(), GenCount(),
      rc::gen::weightedElement<bool>({{4, false}, {1, true}}),
      VecOf<std::string>(
          1, 3, rc::gen::weightedElement<std::string>({{8, "s1"}, {3, "s2"}, {1, "none"}})),
      rc::gen::container<std::vector<std::string>>(
          2, rc::gen::weightedOneOf<std::string>({{6, rc::gen::just(std::string(">"))},
                                                  {3, GenId()},
                                                  {1, rc::gen::just(std::string("$"))}})));
}

// Idle thresholds that do not depend on timing: zero, negative, or far beyond any test.
rc::Gen<std::string> GenMinIdle() {
  return rc::gen::element<std::string>("0", "0", "-5", "3600000", "x");
}

rc::Gen<Command> GenPendingAndClaims() {
  return rc::gen::oneOf(
      rc::gen::apply(
          [](std::string k, std::string g, std::vector<std::string> ids) {
            Command c{"XACK", k, g};
            c.insert(c.end(), ids.begin(), ids.end());
            return c;
          },
          GenKey(), GenGroup(), VecOf<std::string>(1, 4, GenId())),
      rc::gen::apply(
          [](std::string k, std::string g) {
            return Command{"XPENDING", k, g};
          },
          GenKey(), GenGroup()),
      rc::gen::apply(
          [](std::string k, std::string g, bool idle, std::string min_idle, std::string a,
             std::string b, std::string n, bool consumer, std::string c) {
            Command cmd{"XPENDING", k, g};
            if (idle) cmd.insert(cmd.end(), {"IDLE", min_idle});
            cmd.insert(cmd.end(), {a, b, n});
            if (consumer) cmd.push_back(c);
            return cmd;
          },
          GenKey(), GenGroup(), rc::gen::arbitrary<bool>(), GenMinIdle(), GenBound(), GenBound(),
          GenCount(), rc::gen::arbitrary<bool>(), GenConsumer()),
      rc::gen::apply(
          [](std::string k, std::string g, std::string c, std::string min_idle,
             std::vector<std::string> ids, std::vector<int> opts, std::string last) {
            Command cmd{"XCLAIM", k, g, c, min_idle};
            cmd.insert(cmd.end(), ids.begin(), ids.end());
            for (int o : opts) {
              switch (o) {
                case 0:
                  cmd.insert(cmd.end(), {"RETRYCOUNT", "7"});
                  break;
                case 1:
                  cmd.push_back("FORCE");
                  break;
                case 2:
                  cmd.push_back("JUSTID");
                  break;
                case 3:
                  cmd.insert(cmd.end(), {"LASTID", last});
                  break;
                case 4:
                  cmd.insert(cmd.end(), {"IDLE", "100000000"});
                  break;
                case 5:
                  cmd.insert(cmd.end(), {"TIME", "1000"});
                  break;
                default:
                  cmd.push_back("BOGUS");
                  break;
              }
            }
            return cmd;
          },
          GenKey(), GenGroup(), GenConsumer(), GenMinIdle(), VecOf<std::string>(1, 4, GenId()),
          VecOf<int>(0, 3,
                     rc::gen::weightedElement<int>(
                         {{3, 0}, {3, 1}, {3, 2}, {2, 3}, {2, 4}, {1, 5}, {1, 6}})),
          GenId()),
      rc::gen::apply(
          [](std::string k, std::string g, std::string c, std::string min_idle, std::string start,
             bool count, std::string n, bool justid) {
            Command cmd{"XAUTOCLAIM", k, g, c, min_idle, start};
            if (count) cmd.insert(cmd.end(), {"COUNT", n});
            if (justid) cmd.push_back("JUSTID");
            return cmd;
          },
          GenKey(), GenGroup(), GenConsumer(), GenMinIdle(), GenBound(), rc::gen::arbitrary<bool>(),
          GenCount(), rc::gen::arbitrary<bool>()));
}

rc::Gen<Command> GenInfo() {
  return rc::gen::oneOf(rc::gen::map(GenKey(),
                                     [](std::string k) {
                                       return Command{"XINFO", "STREAM", k};
                                     }),
                        rc::gen::apply(
                            [](std::string k, int form, std::string n) {
                              Command c{"XINFO", "STREAM", k, "FULL"};
                              if (form == 1) c.insert(c.end(), {"COUNT", n});
                              if (form == 2) c.insert(c.end(), {"COUNT"});
                              return c;
                            },
                            GenKey(), rc::gen::inRange(0, 3), GenCount()),
                        rc::gen::map(GenKey(),
                                     [](std::string k) {
                                       return Command{"XINFO", "GROUPS", k};
                                     }),
                        rc::gen::apply(
                            [](std::string k, std::string g) {
                              return Command{"XINFO", "CONSUMERS", k, g};
                            },
                            GenKey(), GenGroup()),
                        rc::gen::map(GenKey(),
                                     [](std::string k) {
                                       return Command{"TYPE", k};
                                     }),
                        rc::gen::map(GenKey(),
                                     [](std::string k) {
                                       return Command{"OBJECT", "ENCODING", k};
                                     }),
                        rc::gen::map(GenKey(),
                                     [](std::string k) {
                                       return Command{"DEL", k};
                                     }),
                        rc::gen::just(Command{"SET", "str", "x"}),
                        rc::gen::just(Command{"XINFO", "HELP"}));
}

rc::Gen<Command> GenStreamCommand() {
  return rc::gen::weightedOneOf<Command>({{10, GenXadd()},
                                          {4, GenRead()},
                                          {3, GenEdit()},
                                          {4, GenXgroup()},
                                          {5, GenReadGroup()},
                                          {5, GenPendingAndClaims()},
                                          {3, GenInfo()}});
}

rc::Gen<std::vector<Command>> GenStep() {
  return rc::gen::weightedOneOf<std::vector<Command>>(
      {{15, rc::gen::map(GenStreamCommand(), [](Command c) { return std::vector<Command>{c}; })},
       {1, rc::gen::map(rc::gen::container<std::vector<Command>>(GenStreamCommand()),
                        [](std::vector<Command> body) {
                          body.insert(body.begin(), Command{"MULTI"});
                          body.push_back({"EXEC"});
                          return body;
                        })}});
}

TEST(StreamsDifferential, RandomSequencesMatchRedis) {
  if (!ServerProcess::RedisAvailable()) GTEST_SKIP() << "redis-server not installed";
  DifferentialPair* pair = DifferentialPair::Get();
  ASSERT_NE(pair, nullptr) << "could not start redis-server and redsim-server";
  bool ok = rc::check("stream commands give the same replies", [pair] {
    std::string entries = *rc::gen::element<std::string>("2", "3", "100", "0");
    std::string bytes = *rc::gen::element<std::string>("4096", "4096", "200", "0");
    std::vector<Command> seq = {{"CONFIG", "SET", "stream-node-max-entries", entries},
                                {"CONFIG", "SET", "stream-node-max-bytes", bytes},
                                {"XADD", "s1", "1-1", "f", "v"},
                                {"XGROUP", "CREATE", "s1", "g1", "0"}};
    for (const auto& step : *rc::gen::container<std::vector<std::vector<Command>>>(GenStep())) {
      seq.insert(seq.end(), step.begin(), step.end());
    }
    seq.push_back({"XINFO", "STREAM", "s1", "FULL", "COUNT", "0"});
    seq.push_back({"XINFO", "STREAM", "s2", "FULL", "COUNT", "0"});
    pair->Reset({{"CONFIG", "SET", "stream-node-max-entries", "100"},
                 {"CONFIG", "SET", "stream-node-max-bytes", "4096"}});
    std::string mismatch = pair->CheckSequence(seq);
    RC_ASSERT(mismatch == "");
  });
  EXPECT_TRUE(ok);
}

// Long streams over many nodes: trimming (exact and approximate, which only drops whole nodes,
// so node boundaries must match Redis's), ranges in both directions and deletion.
TEST(StreamsDifferential, LongStreamsAcrossNodesMatchRedis) {
  if (!ServerProcess::RedisAvailable()) GTEST_SKIP() << "redis-server not installed";
  DifferentialPair* pair = DifferentialPair::Get();
  ASSERT_NE(pair, nullptr) << "could not start redis-server and redsim-server";
  bool ok = rc::check("long streams give the same replies", [pair] {
    std::string entries = *rc::gen::element<std::string>("5", "10", "100");
    std::vector<Command> seq = {{"CONFIG", "SET", "stream-node-max-entries", entries}};
    int n = *rc::gen::inRange(50, 400);
    for (int i = 1; i <= n; i++) {
      int shape = i % 7;
      Command c{"XADD", "s1", std::to_string(i / 3 + 1) + "-" + std::to_string(i % 3)};
      if (shape == 3) {
        c.insert(c.end(), {"other", std::to_string(i)});
      } else {
        c.insert(c.end(), {"f", std::string(static_cast<size_t>(i % 50), 'v'), "g",
                           std::to_string(i * 1000)});
      }
      seq.push_back(c);
    }
    auto ops = *rc::gen::container<std::vector<Command>>(rc::gen::oneOf(
        rc::gen::apply(
            [](int len, int approx) {
              return Command{"XTRIM", "s1", "MAXLEN", approx ? "~" : "=", std::to_string(len)};
            },
            rc::gen::inRange(0, 400), rc::gen::inRange(0, 2)),
        rc::gen::apply(
            [](int ms, int approx, int limit) {
              Command c{"XTRIM", "s1", "MINID", approx ? "~" : "=", std::to_string(ms)};
              if (approx && limit > 0) c.insert(c.end(), {"LIMIT", std::to_string(limit)});
              return c;
            },
            rc::gen::inRange(0, 140), rc::gen::inRange(0, 2), rc::gen::inRange(0, 30)),
        rc::gen::apply(
            [](int ms, int seq) {
              return Command{"XDEL", "s1", std::to_string(ms) + "-" + std::to_string(seq)};
            },
            rc::gen::inRange(0, 140), rc::gen::inRange(0, 3)),
        rc::gen::apply(
            [](bool rev, int a, int count) {
              Command c{rev ? "XREVRANGE" : "XRANGE", "s1"};
              std::string from = std::to_string(a);
              if (rev)
                c.insert(c.end(), {"+", from});
              else
                c.insert(c.end(), {from, "+"});
              c.insert(c.end(), {"COUNT", std::to_string(count)});
              return c;
            },
            rc::gen::arbitrary<bool>(), rc::gen::inRange(0, 140), rc::gen::inRange(1, 30)),
        rc::gen::just(Command{"XINFO", "STREAM", "s1"}), rc::gen::just(Command{"XLEN", "s1"})));
    seq.insert(seq.end(), ops.begin(), ops.end());
    seq.push_back({"XRANGE", "s1", "-", "+"});
    seq.push_back({"XINFO", "STREAM", "s1"});
    pair->Reset({{"CONFIG", "SET", "stream-node-max-entries", "100"}});
    std::string mismatch = pair->CheckSequence(seq);
    RC_ASSERT(mismatch == "");
  });
  EXPECT_TRUE(ok);
}

}  // namespace
}  // namespace redsim::testing
