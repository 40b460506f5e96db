// Differential tests of the bitmap and bitfield commands against the real redis-server: random
// sequences of SETBIT/GETBIT/BITCOUNT/BITPOS/BITOP/BITFIELD over small strings, with edge offsets,
// bad arguments, every overflow mode and wrong types; each step's reply and GET of the touched
// strings must match.
#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include "tests/support/differential.h"

namespace redsim::testing {
namespace {

rc::Gen<std::string> GenKey() {
  return rc::gen::element<std::string>("b1", "b2", "b3", "lst", "none");
}

rc::Gen<std::string> GenBitOffset() {
  return rc::gen::oneOf(
      rc::gen::map(rc::gen::inRange(0, 80), [](int v) { return std::to_string(v); }),
      rc::gen::element<std::string>("-1", "x", "4294967296", "4294967297", "9223372036854775807",
                                    "1.5", ""));
}

rc::Gen<std::string> GenIndex() {
  return rc::gen::oneOf(
      rc::gen::map(rc::gen::inRange(-12, 12), [](int v) { return std::to_string(v); }),
      rc::gen::element<std::string>("-100", "100", "x", "9223372036854775807",
                                    "-9223372036854775808"));
}

rc::Gen<std::string> GenFieldType() {
  return rc::gen::oneOf(
      rc::gen::map(rc::gen::inRange(1, 65), [](int b) { return "i" + std::to_string(b); }),
      rc::gen::map(rc::gen::inRange(1, 64), [](int b) { return "u" + std::to_string(b); }),
      rc::gen::element<std::string>("u64", "i65", "i0", "x8", "U8", "I16", "i"));
}

rc::Gen<std::string> GenFieldOffset() {
  return rc::gen::oneOf(
      rc::gen::map(rc::gen::inRange(0, 70), [](int v) { return std::to_string(v); }),
      rc::gen::map(rc::gen::inRange(0, 6), [](int v) { return "#" + std::to_string(v); }),
      rc::gen::element<std::string>("-1", "#-1", "#x", "x"));
}

rc::Gen<std::string> GenFieldValue() {
  return rc::gen::oneOf(
      rc::gen::map(rc::gen::inRange(-300, 300), [](int v) { return std::to_string(v); }),
      rc::gen::element<std::string>("9223372036854775807", "-9223372036854775808", "4294967296",
                                    "x", "1.0"));
}

rc::Gen<std::vector<std::string>> GenFieldOps(bool read_only) {
  auto one = rc::gen::oneOf(
      rc::gen::apply(
          [](std::string t, std::string o) {
            return std::vector<std::string>{"GET", t, o};
          },
          GenFieldType(), GenFieldOffset()),
      rc::gen::apply(
          [read_only](std::string t, std::string o, std::string v) {
            return std::vector<std::string>{read_only ? "GET" : "SET", t, o, v};
          },
          GenFieldType(), GenFieldOffset(), GenFieldValue()),
      rc::gen::apply(
          [](std::string t, std::string o, std::string v) {
            return std::vector<std::string>{"INCRBY", t, o, v};
          },
          GenFieldType(), GenFieldOffset(), GenFieldValue()),
      rc::gen::map(rc::gen::element<std::string>("WRAP", "SAT", "FAIL", "sat", "BAD"),
                   [](std::string m) {
                     return std::vector<std::string>{"OVERFLOW", m};
                   }),
      rc::gen::element(std::vector<std::string>{"GET", "i8"}, std::vector<std::string>{"FOO"},
                       std::vector<std::string>{"OVERFLOW"}));
  return rc::gen::map(rc::gen::container<std::vector<std::vector<std::string>>>(one),
                      [](std::vector<std::vector<std::string>> parts) {
                        std::vector<std::string> flat;
                        for (auto& p : parts) flat.insert(flat.end(), p.begin(), p.end());
                        return flat;
                      });
}

Command WithTail(Command head, const std::vector<std::string>& tail) {
  head.insert(head.end(), tail.begin(), tail.end());
  return head;
}

rc::Gen<Command> GenBitmapCommand() {
  return rc::gen::oneOf(
      rc::gen::apply(
          [](std::string k, std::string o, std::string v) {
            return Command{"SETBIT", k, o, v};
          },
          GenKey(), GenBitOffset(), rc::gen::element<std::string>("1", "1", "0", "2", "x")),
      rc::gen::apply(
          [](std::string k, std::string o, std::string v) {
            return Command{"SETBIT", k, o, v};
          },
          GenKey(), GenBitOffset(), rc::gen::element<std::string>("1", "0")),
      rc::gen::apply(
          [](std::string k, std::string o) {
            return Command{"GETBIT", k, o};
          },
          GenKey(), GenBitOffset()),
      rc::gen::apply(
          [](std::string k, int shape, std::string a, std::string b, std::string unit) {
            Command c{"BITCOUNT", k};
            if (shape >= 1) c.push_back(a);
            if (shape >= 2) c.push_back(b);
            if (shape >= 3) c.push_back(unit);
            if (shape >= 4) c.push_back("extra");
            return c;
          },
          GenKey(), rc::gen::element(0, 2, 2, 3, 1, 4), GenIndex(), GenIndex(),
          rc::gen::element<std::string>("BIT", "BYTE", "bit", "WORD")),
      rc::gen::apply(
          [](std::string k, std::string bit, int shape, std::string a, std::string b,
             std::string unit) {
            Command c{"BITPOS", k, bit};
            if (shape >= 1) c.push_back(a);
            if (shape >= 2) c.push_back(b);
            if (shape >= 3) c.push_back(unit);
            if (shape >= 4) c.push_back("extra");
            return c;
          },
          GenKey(), rc::gen::element<std::string>("0", "1", "1", "0", "2", "x"),
          rc::gen::element(0, 1, 2, 3, 3, 4), GenIndex(), GenIndex(),
          rc::gen::element<std::string>("BIT", "BYTE", "bit", "WORD")),
      rc::gen::apply(
          [](std::string op, std::string dst, std::vector<std::string> srcs) {
            return WithTail({"BITOP", op, dst}, srcs);
          },
          rc::gen::element<std::string>("AND", "OR", "XOR", "NOT", "and", "NAND"), GenKey(),
          rc::gen::mapcat(
              rc::gen::inRange<size_t>(1, 4),
              [](size_t n) { return rc::gen::container<std::vector<std::string>>(n, GenKey()); })),
      rc::gen::apply(
          [](std::string k, std::vector<std::string> ops) {
            return WithTail({"BITFIELD", k}, ops);
          },
          GenKey(), GenFieldOps(false)),
      rc::gen::apply(
          [](std::string k, std::vector<std::string> ops) {
            return WithTail({"BITFIELD", k}, ops);
          },
          GenKey(), GenFieldOps(false)),
      rc::gen::apply(
          [](std::string k, std::vector<std::string> ops) {
            return WithTail({"BITFIELD_RO", k}, ops);
          },
          GenKey(), GenFieldOps(true)),
      rc::gen::apply(
          [](std::string k, std::string v) {
            return Command{"SET", k, v};
          },
          GenKey(), rc::gen::element<std::string>("foobar", "", "\xff\xf0\x00", "12345", "a")),
      rc::gen::apply(
          [](std::string k) {
            return Command{"GET", k};
          },
          GenKey()),
      rc::gen::apply(
          [](std::string k) {
            return Command{"STRLEN", k};
          },
          GenKey()),
      rc::gen::apply(
          [](std::string k) {
            return Command{"OBJECT", "ENCODING", k};
          },
          GenKey()),
      rc::gen::apply(
          [](std::string k) {
            return Command{"DEL", k};
          },
          GenKey()),
      rc::gen::just(Command{"RPUSH", "lst", "x"}),
      rc::gen::element(Command{"SETBIT", "b1"}, Command{"GETBIT", "b1"}, Command{"BITCOUNT"},
                       Command{"BITPOS", "b1"}, Command{"BITOP", "AND", "d"}, Command{"BITFIELD"},
                       Command{"BITFIELD_RO"}));
}

TEST(BitmapDifferential, RandomSequencesMatchRedis) {
  if (!ServerProcess::RedisAvailable()) GTEST_SKIP() << "redis-server not installed";
  DifferentialPair* pair = DifferentialPair::Get();
  ASSERT_NE(pair, nullptr) << "could not start redis-server and redsim-server";
  bool ok = rc::check("bitmap commands give the same replies", [pair] {
    auto seq = *rc::gen::container<std::vector<Command>>(GenBitmapCommand());
    pair->Reset();
    // Read back every key at the end so a silent difference in stored bytes shows up.
    for (const char* k : {"b1", "b2", "b3", "none"}) seq.push_back({"GET", k});
    std::string mismatch = pair->CheckSequence(seq);
    RC_ASSERT(mismatch == "");
  });
  EXPECT_TRUE(ok);
}

// A signed field SET under SAT with a value within `max` of INT64_MIN: Redis's overflow check
// wraps and saturates to the maximum (found by the random test above with i1 and INT64_MIN).
TEST(BitmapDifferential, SaturatedSetNearInt64MinMatchesRedis) {
  if (!ServerProcess::RedisAvailable()) GTEST_SKIP() << "redis-server not installed";
  DifferentialPair* pair = DifferentialPair::Get();
  ASSERT_NE(pair, nullptr) << "could not start redis-server and redsim-server";
  pair->Reset();
  std::vector<Command> seq;
  for (const char* type : {"i1", "i8", "i63", "i64", "u8", "u63"}) {
    for (const char* value : {"-9223372036854775808", "-9223372036854775681",
                              "-9223372036854775680", "-9223372036854775679", "-5000"}) {
      seq.push_back({"BITFIELD", "b1", "OVERFLOW", "SAT", "SET", type, "0", value});
      seq.push_back({"BITFIELD", "b1", "GET", type, "0"});
    }
  }
  seq.push_back({"GET", "b1"});
  EXPECT_EQ(pair->CheckSequence(seq), "");
}

}  // namespace
}  // namespace redsim::testing
