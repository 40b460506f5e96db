// Differential tests of HyperLogLog against the real redis-server: random PFADD/PFCOUNT/PFMERGE
// sequences, small and large (crossing the sparse-to-dense conversion, also forced by a small
// hll-sparse-max-bytes), with GET of every key compared byte for byte — the string layout is
// the interoperability contract — plus corrupted and foreign strings.
#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include "tests/support/differential.h"

namespace redsim::testing {
namespace {

rc::Gen<std::string> GenKey() {
  return rc::gen::element<std::string>("h1", "h2", "h3", "str", "lst", "none");
}

// PFADD with n generated elements (n up to a few thousand, to reach the dense encoding).
rc::Gen<Command> GenBulkAdd() {
  return rc::gen::apply(
      [](std::string key, int n, int prefix, int stride) {
        Command c{"PFADD", key};
        for (int i = 0; i < n; i++)
          c.push_back("e" + std::to_string(prefix) + ":" + std::to_string(i * stride));
        return c;
      },
      GenKey(), rc::gen::element(0, 1, 3, 20, 200, 1500, 4000), rc::gen::inRange(0, 4),
      rc::gen::inRange(1, 3));
}

rc::Gen<Command> GenHllCommand() {
  return rc::gen::oneOf(
      GenBulkAdd(), GenBulkAdd(),
      rc::gen::apply(
          [](std::string k, std::vector<std::string> els) {
            Command c{"PFADD", k};
            c.insert(c.end(), els.begin(), els.end());
            return c;
          },
          GenKey(),
          rc::gen::container<std::vector<std::string>>(
              rc::gen::element<std::string>("a", "b", "", "foo", "1", "x\xff"))),
      rc::gen::apply(
          [](std::vector<std::string> keys) {
            Command c{"PFCOUNT"};
            c.insert(c.end(), keys.begin(), keys.end());
            return c;
          },
          rc::gen::mapcat(
              rc::gen::inRange<size_t>(1, 4),
              [](size_t n) { return rc::gen::container<std::vector<std::string>>(n, GenKey()); })),
      rc::gen::apply(
          [](std::vector<std::string> keys) {
            Command c{"PFMERGE"};
            c.insert(c.end(), keys.begin(), keys.end());
            return c;
          },
          rc::gen::mapcat(
              rc::gen::inRange<size_t>(1, 4),
              [](size_t n) { return rc::gen::container<std::vector<std::string>>(n, GenKey()); })),
      rc::gen::apply(
          [](std::string k) {
            return Command{"GET", k};
          },
          GenKey()),
      rc::gen::apply(
          [](std::string sub, std::string k) {
            return Command{"PFDEBUG", sub, k};
          },
          rc::gen::element<std::string>("ENCODING", "TODENSE", "DECODE", "FOO"), GenKey()),
      // Strings that are not HLLs (a valid empty sparse one is the last).
      rc::gen::apply(
          [](std::string k, std::string v) {
            return Command{"SET", k, v};
          },
          GenKey(),
          rc::gen::element<std::string>(
              "HYLL", "HYLLxxxxxxxxxxxxxxxx", "plain",
              std::string("HYLL\x01\0\0\0\0\0\0\0\0\0\0\x80\x7f\xff", 18))),
      rc::gen::apply(
          [](std::string v) {
            return Command{"CONFIG", "SET", "hll-sparse-max-bytes", v};
          },
          rc::gen::element<std::string>("3000", "60", "400", "0")),
      rc::gen::just(Command{"RPUSH", "lst", "x"}),
      rc::gen::element(Command{"PFADD"}, Command{"PFCOUNT"}, Command{"PFMERGE"},
                       Command{"PFDEBUG", "GETREG"}));
}

TEST(HllDifferential, RandomSequencesMatchRedisByteForByte) {
  if (!ServerProcess::RedisAvailable()) GTEST_SKIP() << "redis-server not installed";
  DifferentialPair* pair = DifferentialPair::Get();
  ASSERT_NE(pair, nullptr) << "could not start redis-server and redsim-server";
  bool ok = rc::check("HLL commands give the same replies and bytes", [pair] {
    auto seq = *rc::gen::container<std::vector<Command>>(GenHllCommand());
    pair->Reset({{"CONFIG", "SET", "hll-sparse-max-bytes", "3000"}});
    for (const char* k : {"h1", "h2", "h3", "none"}) seq.push_back({"GET", k});
    for (const char* k : {"h1", "h2", "h3"}) seq.push_back({"PFCOUNT", k});
    std::string mismatch = pair->CheckSequence(seq);
    RC_ASSERT(mismatch == "");
  });
  EXPECT_TRUE(ok);
}

// Strings made by one server count the same on the other (GET there, SET here).
TEST(HllDifferential, CrossServerStringsCountTheSame) {
  if (!ServerProcess::RedisAvailable()) GTEST_SKIP() << "redis-server not installed";
  DifferentialPair* pair = DifferentialPair::Get();
  ASSERT_NE(pair, nullptr);
  pair->Reset();
  for (int n : {10, 500, 3000, 50000}) {
    Command add{"PFADD", "h"};
    for (int i = 0; i < n; i++) add.push_back("item-" + std::to_string(i));
    pair->redis().Call(add);
    RespValue bytes = pair->redis().Call({"GET", "h"});
    pair->redsim().Call({"SET", "copy", bytes.str});
    RespValue expect = pair->redis().Call({"PFCOUNT", "h"});
    EXPECT_EQ(pair->redsim().Call({"PFCOUNT", "copy"}).integer, expect.integer) << n;
    pair->redsim().Call(add);
    RespValue back = pair->redsim().Call({"GET", "h"});
    pair->redis().Call({"SET", "copy2", back.str});
    EXPECT_EQ(pair->redis().Call({"PFCOUNT", "copy2"}).integer,
              pair->redsim().Call({"PFCOUNT", "h"}).integer)
        << n;
  }
  EXPECT_EQ(pair->redsim().Call({"PFSELFTEST"}).str, "OK");
}

// Damaged HLL strings (bytes appended, flipped or cut): what Redis does with them beyond
// refusing to count them is an accident of its implementation, so this compares PFCOUNT (which
// validates the whole string) and requires redsim to stay up.
TEST(HllDifferential, DamagedStringsAreRefusedLikeRedis) {
  if (!ServerProcess::RedisAvailable()) GTEST_SKIP() << "redis-server not installed";
  DifferentialPair* pair = DifferentialPair::Get();
  ASSERT_NE(pair, nullptr);
  bool ok = rc::check("PFCOUNT of a damaged HLL matches Redis", [pair] {
    int n = *rc::gen::element(0, 5, 100, 3000);
    int cut = *rc::gen::inRange(0, 40);
    int flip_at = *rc::gen::inRange(0, 64);
    std::string tail = *rc::gen::element<std::string>("", "x", "\x7f\xff", "\x80", "\xff\xff\xff");
    pair->Reset();
    Command add{"PFADD", "h"};
    for (int i = 0; i < n; i++) add.push_back("el" + std::to_string(i));
    pair->redis().Call(add);
    std::string bytes = pair->redis().Call({"GET", "h"}).str;
    bytes.resize(bytes.size() - std::min<size_t>(static_cast<size_t>(cut), bytes.size() - 16));
    size_t at = 16 + static_cast<size_t>(flip_at) % (bytes.size() - 15);
    if (at < bytes.size()) bytes[at] = static_cast<char>(bytes[at] ^ 0x5a);
    bytes += tail;
    bytes[15] = static_cast<char>(bytes[15] | 0x80);  // force a recount
    std::string mismatch =
        pair->CheckSequence({{"SET", "d", bytes}, {"PFCOUNT", "d"}, {"PFCOUNT", "d", "nokey"}});
    RC_ASSERT(mismatch == "");
    for (const char* cmd : {"PFADD", "PFMERGE"}) pair->redsim().Call({cmd, "d", "extra"});
    RC_ASSERT(pair->redsim().Call({"PING"}).str == "PONG");
  });
  EXPECT_TRUE(ok);
}

}  // namespace
}  // namespace redsim::testing
