// Differential tests of the set commands against the real redis-server: random command
// sequences (including wrong types, wrong arities, bad counts, encodings at the conversion
// thresholds), RESP3, and properties of the random commands (SPOP, SRANDMEMBER) checked on each
// server separately.
#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include <algorithm>
#include <set>

#include "tests/support/differential.h"

namespace redsim::testing {
namespace {

// Hashtable-encoded sets list their members in hash order, which differs between servers (and
// so does the order of SPOP's whole-set reply). Intsets are ordered on both; sorting is harmless.
const bool kSetOrder = [] {
  for (const char* c : {"smembers", "sinter", "sunion", "sdiff", "spop"}) {
    RegisterNormalizer(c, SortArrayReply);
  }
  RegisterNormalizer("sscan", SortScanReply);
  return true;
}();

// SRANDMEMBER picks at random: only the shape is compared here (same kind of reply, same count);
// membership and distinctness are checked by RandomPicksHaveTheirProperties below.
const bool kRandMember =
    RegisterComparator("srandmember", [](const Command&, const RespValue& a, const RespValue& b) {
      if (a.type != b.type) return false;
      if (a.type == RespValue::Type::kBulk) return true;
      if (a.is_aggregate()) return a.elements.size() == b.elements.size();
      return a == b;
    });

rc::Gen<std::string> GenSetKey() {
  return rc::gen::element<std::string>("s1", "s2", "s3", "s1", "s2", "str", "nokey");
}

rc::Gen<std::string> GenMember() {
  return rc::gen::element<std::string>("1", "2", "3", "-5", "10", "007", "-0", "+1", " 1",
                                       "9223372036854775807", "9223372036854775808",
                                       "-9223372036854775808", "a", "b", "c", "hello", "");
}

rc::Gen<std::vector<std::string>> GenMembers(size_t max) {
  return rc::gen::mapcat(rc::gen::inRange<size_t>(0, max + 1), [](size_t n) {
    return rc::gen::container<std::vector<std::string>>(n, GenMember());
  });
}

Command Concat(Command head, const std::vector<std::string>& tail) {
  head.insert(head.end(), tail.begin(), tail.end());
  return head;
}

rc::Gen<std::string> GenCount() {
  return rc::gen::element<std::string>("0", "1", "2", "3", "100", "-1", "-3", "x", "1.5",
                                       "9223372036854775807", "-9223372036854775808");
}

rc::Gen<Command> GenKeyed(std::string name, size_t max_members) {
  return rc::gen::apply(
      [name](std::string k, std::vector<std::string> m) {
        return Concat({name, k}, m);
      },
      GenSetKey(), GenMembers(max_members));
}

rc::Gen<Command> GenAlgebra() {
  return rc::gen::apply(
      [](int op, std::vector<std::string> keys, std::string dst) {
        static const char* kOps[] = {"SINTER",      "SUNION",      "SDIFF",
                                     "SINTERSTORE", "SUNIONSTORE", "SDIFFSTORE"};
        Command c = {kOps[op]};
        if (op >= 3) c.push_back(dst);
        return Concat(c, keys);
      },
      rc::gen::inRange(0, 6),
      rc::gen::mapcat(
          rc::gen::inRange<size_t>(0, 4),
          [](size_t n) { return rc::gen::container<std::vector<std::string>>(n, GenSetKey()); }),
      GenSetKey());
}

rc::Gen<Command> GenInterCard() {
  return rc::gen::apply(
      [](std::string numkeys, std::vector<std::string> keys, int limit_kind, std::string limit) {
        Command c = Concat({"SINTERCARD", numkeys}, keys);
        if (limit_kind == 1) c.insert(c.end(), {"LIMIT", limit});
        if (limit_kind == 2) c.insert(c.end(), {"limit"});
        if (limit_kind == 3) c.insert(c.end(), {"FOO", limit});
        return c;
      },
      rc::gen::element<std::string>("1", "2", "3", "0", "-1", "x"),
      rc::gen::container<std::vector<std::string>>(2, GenSetKey()), rc::gen::inRange(0, 4),
      GenCount());
}

rc::Gen<Command> GenSetCommand() {
  return rc::gen::oneOf(
      GenKeyed("SADD", 4), GenKeyed("SADD", 4), GenKeyed("SADD", 6), GenKeyed("SREM", 3),
      GenKeyed("SISMEMBER", 1), GenKeyed("SMISMEMBER", 3),
      rc::gen::apply(
          [](std::string k) {
            return Command{"SCARD", k};
          },
          GenSetKey()),
      rc::gen::apply(
          [](std::string k) {
            return Command{"SMEMBERS", k};
          },
          GenSetKey()),
      rc::gen::apply(
          [](std::string k) {
            return Command{"OBJECT", "ENCODING", k};
          },
          GenSetKey()),
      rc::gen::apply(
          [](std::string k) {
            return Command{"TYPE", k};
          },
          GenSetKey()),
      rc::gen::apply(
          [](std::string a, std::string b, std::string m) {
            return Command{"SMOVE", a, b, m};
          },
          GenSetKey(), GenSetKey(), GenMember()),
      GenAlgebra(), GenAlgebra(), GenInterCard(),
      // Only whole-set pops (and invalid counts) keep both servers' contents equal.
      rc::gen::apply(
          [](std::string k, std::string c) {
            return Command{"SPOP", k, c};
          },
          GenSetKey(), rc::gen::element<std::string>("100", "0", "-1", "x")),
      rc::gen::apply(
          [](std::string k) {
            return Command{"SPOP", k, "1", "2"};
          },
          GenSetKey()),
      rc::gen::apply(
          [](std::string k, std::string c) {
            return Command{"SRANDMEMBER", k, c};
          },
          GenSetKey(), GenCount()),
      rc::gen::apply(
          [](std::string k) {
            return Command{"SRANDMEMBER", k};
          },
          GenSetKey()),
      rc::gen::apply(
          [](std::string k, std::string cursor, std::string pattern) {
            return Command{"SSCAN", k, cursor, "MATCH", pattern, "COUNT", "1000"};
          },
          GenSetKey(), rc::gen::element<std::string>("0", "x", "+0", " 0"),
          rc::gen::element<std::string>("*", "1*", "[ab]", "?")),
      rc::gen::apply(
          [](std::string k) {
            return Command{"SSCAN", k, "0", "COUNT", "0"};
          },
          GenSetKey()),
      rc::gen::apply(
          [](std::string k) {
            return Command{"SSCAN", k, "0", "MATCH"};
          },
          GenSetKey()),
      rc::gen::apply(
          [](std::string k) {
            return Command{"SET", k, "x"};
          },
          rc::gen::just<std::string>("str")),
      rc::gen::apply(
          [](std::string k) {
            return Command{"DEL", k};
          },
          GenSetKey()),
      // Wrong arities.
      rc::gen::elementOf(std::vector<Command>{{"SADD", "s1"},
                                              {"SREM", "s1"},
                                              {"SCARD"},
                                              {"SMOVE", "s1", "s2"},
                                              {"SINTER"},
                                              {"SINTERSTORE", "d"},
                                              {"SMISMEMBER", "s1"},
                                              {"SPOP"},
                                              {"SSCAN", "s1"},
                                              {"SINTERCARD", "1"}}));
}

void RunSetSequences(const char* name, int resp) {
  if (!ServerProcess::RedisAvailable()) GTEST_SKIP() << "redis-server not installed";
  DifferentialPair* pair = DifferentialPair::Get();
  ASSERT_NE(pair, nullptr) << "could not start redis-server and redsim-server";
  bool ok = rc::check(name, [pair, resp] {
    // Small limits make conversions (intset -> hashtable) frequent.
    std::string max_intset = *rc::gen::element<std::string>("3", "5", "512");
    auto seq = *rc::gen::container<std::vector<Command>>(GenSetCommand());
    pair->Reset();
    for (RespClient* c : {&pair->redis(), &pair->redsim()}) {
      c->Call({"CONFIG", "SET", "set-max-intset-entries", max_intset});
      if (resp == 3) c->Call({"HELLO", "3"});
    }
    std::string mismatch = pair->CheckSequence(seq);
    RC_ASSERT(mismatch == "");
  });
  EXPECT_TRUE(ok);
}

TEST(SetsDifferential, RandomSequencesMatchRedis) {
  RunSetSequences("set commands give the same replies", 2);
}

TEST(SetsDifferential, RandomSequencesMatchRedisResp3) {
  RunSetSequences("set commands give the same RESP3 replies", 3);
}

std::set<std::string> Strings(const RespValue& v) {
  std::set<std::string> out;
  for (const auto& e : v.elements) out.insert(e.str);
  return out;
}

// SPOP and SRANDMEMBER differ between servers by design; on each server separately the picks
// must be members, distinct when the count is positive, and SPOP must remove exactly them.
TEST(SetsDifferential, RandomPicksHaveTheirProperties) {
  if (!ServerProcess::RedisAvailable()) GTEST_SKIP() << "redis-server not installed";
  DifferentialPair* pair = DifferentialPair::Get();
  ASSERT_NE(pair, nullptr);
  bool ok = rc::check("random picks are members, SPOP removes what it returns", [pair] {
    auto members = *rc::gen::container<std::set<std::string>>(GenMember());
    RC_PRE(!members.empty());
    int count = *rc::gen::inRange(-8, 9);
    pair->Reset();
    for (RespClient* c : {&pair->redis(), &pair->redsim()}) {
      c->Call(Concat({"SADD", "s"}, std::vector<std::string>(members.begin(), members.end())));
      RespValue picks = c->Call({"SRANDMEMBER", "s", std::to_string(count)});
      size_t expect = count >= 0 ? std::min<size_t>(static_cast<size_t>(count), members.size())
                                 : static_cast<size_t>(-count);
      RC_ASSERT(picks.elements.size() == expect);
      for (const auto& p : picks.elements) RC_ASSERT(members.count(p.str) == 1);
      if (count > 0) RC_ASSERT(Strings(picks).size() == picks.elements.size());
      RespValue one = c->Call({"SRANDMEMBER", "s"});
      RC_ASSERT(members.count(one.str) == 1);
      int pop = std::abs(count);
      RespValue popped = c->Call({"SPOP", "s", std::to_string(pop)});
      RespValue rest = c->Call({"SMEMBERS", "s"});
      std::set<std::string> all = Strings(popped);
      RC_ASSERT(all.size() == std::min<size_t>(static_cast<size_t>(pop), members.size()));
      for (const auto& r : rest.elements) RC_ASSERT(all.insert(r.str).second);
      RC_ASSERT(all == members);
      RespValue single = c->Call({"SPOP", "s"});
      if (rest.elements.empty())
        RC_ASSERT(single.is_null());
      else
        RC_ASSERT(members.count(single.str) == 1);
    }
  });
  EXPECT_TRUE(ok);
}

// Encodings at the thresholds, with the default limits: 512 integers stay an intset, the 513th
// converts; a non-integer converts at once; computed sets start as intsets.
TEST(SetsDifferential, EncodingThresholdsMatchRedis) {
  if (!ServerProcess::RedisAvailable()) GTEST_SKIP() << "redis-server not installed";
  DifferentialPair* pair = DifferentialPair::Get();
  ASSERT_NE(pair, nullptr);
  pair->Reset();
  for (RespClient* c : {&pair->redis(), &pair->redsim()}) {
    c->Call({"CONFIG", "SET", "set-max-intset-entries", "512"});
  }
  Command big = {"SADD", "big"};
  for (int i = 0; i < 512; i++) big.push_back(std::to_string(i * 7 - 1000));
  std::vector<Command> seq = {big,
                              {"OBJECT", "ENCODING", "big"},
                              {"SADD", "big", "100000"},
                              {"OBJECT", "ENCODING", "big"},
                              {"SADD", "small", "1", "2"},
                              {"OBJECT", "ENCODING", "small"},
                              {"SADD", "small", "x"},
                              {"OBJECT", "ENCODING", "small"},
                              {"SREM", "small", "x"},
                              {"OBJECT", "ENCODING", "small"},
                              {"SINTERSTORE", "d", "small", "big"},
                              {"OBJECT", "ENCODING", "d"},
                              {"SUNIONSTORE", "d", "small", "big"},
                              {"OBJECT", "ENCODING", "d"},
                              {"SCARD", "d"},
                              {"SDIFFSTORE", "d", "big", "small"},
                              {"OBJECT", "ENCODING", "d"},
                              {"SMOVE", "small", "m", "1"},
                              {"OBJECT", "ENCODING", "m"},
                              {"SMEMBERS", "small"},
                              {"SINTERCARD", "2", "big", "d", "LIMIT", "10"}};
  EXPECT_EQ(pair->CheckSequence(seq), "");
}

}  // namespace
}  // namespace redsim::testing
