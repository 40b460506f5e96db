// Differential test of string and key commands against the real redis-server.
#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include "tests/support/differential.h"

namespace redsim::testing {
namespace {

// TTL and PTTL depend on when each server ran the command: allow a small difference.
const bool kTtlTolerance = [] {
  auto tolerant = [](int64_t slack) {
    return [slack](const Command&, const RespValue& a, const RespValue& b) {
      return a.type == RespValue::Type::kInteger && b.type == RespValue::Type::kInteger &&
             a.integer >= 0 && b.integer >= 0 && std::llabs(a.integer - b.integer) <= slack;
    };
  };
  RegisterComparator("ttl", tolerant(1));
  RegisterComparator("pttl", tolerant(1000));
  return true;
}();
// KEYS returns keys in hash-table order, which differs between servers.
const bool kKeysSorted = RegisterNormalizer("keys", SortArrayReply);

rc::Gen<std::string> GenKey() { return rc::gen::element<std::string>("k1", "k2", "k3", "n"); }

rc::Gen<std::string> GenValue() {
  return rc::gen::oneOf(rc::gen::element<std::string>("", "0", "1", "-1", "10", "abc", "3.5",
                                                      "9223372036854775807", "hello world"),
                        rc::gen::map(rc::gen::inRange(-1000, 1000),
                                     [](int v) { return std::to_string(v); }));
}

rc::Gen<Command> GenStringCommand() {
  return rc::gen::oneOf(
      rc::gen::apply([](std::string k, std::string v) { return Command{"SET", k, v}; }, GenKey(),
                     GenValue()),
      rc::gen::apply([](std::string k) { return Command{"GET", k}; }, GenKey()),
      rc::gen::apply([](std::string k) { return Command{"INCR", k}; }, GenKey()),
      rc::gen::apply([](std::string k, std::string v) { return Command{"INCRBY", k, v}; }, GenKey(),
                     GenValue()),
      rc::gen::apply([](std::string k, std::string v) { return Command{"APPEND", k, v}; }, GenKey(),
                     GenValue()),
      rc::gen::apply([](std::string k) { return Command{"STRLEN", k}; }, GenKey()),
      rc::gen::apply([](std::string k) { return Command{"DEL", k}; }, GenKey()),
      rc::gen::apply([](std::string k) { return Command{"TYPE", k}; }, GenKey()),
      rc::gen::apply([](std::string k) { return Command{"OBJECT", "ENCODING", k}; }, GenKey()),
      rc::gen::apply(
          [](std::string k, int a, int b) {
            return Command{"GETRANGE", k, std::to_string(a), std::to_string(b)};
          },
          GenKey(), rc::gen::inRange(-5, 5), rc::gen::inRange(-5, 5)));
}

TEST(StringsDifferential, RandomSequencesMatchRedis) {
  if (!ServerProcess::RedisAvailable()) GTEST_SKIP() << "redis-server not installed";
  DifferentialPair* pair = DifferentialPair::Get();
  ASSERT_NE(pair, nullptr) << "could not start redis-server and redsim-server";
  bool ok = rc::check("string commands give the same replies", [pair] {
    auto seq = *rc::gen::container<std::vector<Command>>(GenStringCommand());
    pair->Reset();
    std::string mismatch = pair->CheckSequence(seq);
    RC_ASSERT(mismatch == "");
  });
  EXPECT_TRUE(ok);
}

}  // namespace
}  // namespace redsim::testing
