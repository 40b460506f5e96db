// Differential test of the hash commands against the real redis-server: random sequences over a
// few keys with wrong types and arities, counters at their limits, float formatting, and the
// listpack/hashtable conversion thresholds (changed with CONFIG SET at the start of a case).
//
// Replies are compared exactly, with two audited exceptions decided in this file:
// * HGETALL/HKEYS/HVALS/HSCAN of a key that both servers encode as a hashtable are compared as
//   multisets: a table's order is its hash function's (listpack order is compared exactly); an
//   HSCAN step of a table that does not finish the scan on both servers only has to return
//   fields of the hash (where a table stops depends on its own bucket layout);
// * HRANDFIELD picks at random: each server's reply is checked against that server's hash
//   (count, distinct picks for a positive count, values matching fields).
#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include <algorithm>
#include <map>
#include <set>

#include "engine/base/strutil.h"
#include "tests/support/differential.h"

namespace redsim::testing {
namespace {

rc::Gen<std::string> GenKey() { return rc::gen::element<std::string>("h1", "h2", "s", "none"); }
rc::Gen<std::string> GenField() {
  return rc::gen::element<std::string>("a", "b", "c", "d", "e", "f", "", "1", "field-7");
}

rc::Gen<std::string> GenValue() {
  return rc::gen::weightedOneOf<std::string>(
      {{6, rc::gen::element<std::string>("v", "", "0", "1", "-5", "10.5", "1e3", "0x10", " 1",
                                         "9223372036854775807", "-9223372036854775808")},
       {2, rc::gen::map(rc::gen::inRange(0, 64), [](int n) { return std::string(n, 'v'); })},
       {1, rc::gen::map(rc::gen::inRange(60, 70), [](int n) { return std::string(n, 'L'); })}});
}

rc::Gen<std::string> GenIncrement() {
  return rc::gen::element<std::string>("1", "-1", "100", "9223372036854775807",
                                       "-9223372036854775808", "x", "1.5");
}

rc::Gen<std::string> GenFloatIncrement() {
  return rc::gen::element<std::string>("1", "1.5", "-0.25", "1e2", "3.0e-3", "inf", "nan", "x",
                                       " 1", "1e308", "0x1A", "-0");
}

// HRANDFIELD counts. Huge negative counts are only generated with WITHVALUES, where they are
// rejected: without it Redis would start producing that many picks.
rc::Gen<std::string> GenCount(bool with_values) {
  auto small = rc::gen::element<std::string>("0", "1", "2", "3", "20", "-1", "-3", "-20", "x",
                                             "-9223372036854775808", "9223372036854775807");
  if (!with_values) return small;
  return rc::gen::oneOf(small,
                        rc::gen::element<std::string>("-4611686018427387904", "4611686018427387904",
                                                      "4611686018427387903"));
}

Command Join(std::string name, std::string key, const std::vector<std::string>& rest) {
  Command c{std::move(name), std::move(key)};
  c.insert(c.end(), rest.begin(), rest.end());
  return c;
}

rc::Gen<Command> GenWrite() {
  auto pairs = rc::gen::mapcat(rc::gen::inRange(1, 4), [](int n) {
    return rc::gen::container<std::vector<std::string>>(static_cast<size_t>(2 * n),
                                                        rc::gen::oneOf(GenField(), GenValue()));
  });
  return rc::gen::oneOf(
      rc::gen::apply([](std::string k, std::vector<std::string> p) { return Join("HSET", k, p); },
                     GenKey(), pairs),
      rc::gen::apply([](std::string k, std::vector<std::string> p) { return Join("HMSET", k, p); },
                     GenKey(), pairs),
      rc::gen::apply(
          [](std::string k, std::string f) {
            return Command{"HSET", k, f};
          },
          GenKey(), GenField()),
      rc::gen::apply(
          [](std::string k, std::string f, std::string v) {
            return Command{"HSETNX", k, f, v};
          },
          GenKey(), GenField(), GenValue()),
      rc::gen::apply([](std::string k, std::vector<std::string> f) { return Join("HDEL", k, f); },
                     GenKey(), rc::gen::container<std::vector<std::string>>(GenField())),
      rc::gen::apply(
          [](std::string k, std::string f, std::string i) {
            return Command{"HINCRBY", k, f, i};
          },
          GenKey(), GenField(), GenIncrement()),
      rc::gen::apply(
          [](std::string k, std::string f, std::string i) {
            return Command{"HINCRBYFLOAT", k, f, i};
          },
          GenKey(), GenField(), GenFloatIncrement()));
}

rc::Gen<Command> GenRead() {
  return rc::gen::oneOf(
      rc::gen::apply(
          [](std::string k, std::string f) {
            return Command{"HGET", k, f};
          },
          GenKey(), GenField()),
      rc::gen::apply([](std::string k, std::vector<std::string> f) { return Join("HMGET", k, f); },
                     GenKey(), rc::gen::container<std::vector<std::string>>(GenField())),
      rc::gen::apply(
          [](std::string cmd, std::string k) {
            return Command{cmd, k};
          },
          rc::gen::element<std::string>("HLEN", "HKEYS", "HVALS", "HGETALL"), GenKey()),
      rc::gen::apply(
          [](std::string cmd, std::string k, std::string f) {
            return Command{cmd, k, f};
          },
          rc::gen::element<std::string>("HSTRLEN", "HEXISTS"), GenKey(), GenField()),
      rc::gen::map(GenKey(),
                   [](std::string k) {
                     return Command{"HRANDFIELD", k};
                   }),
      rc::gen::apply(
          [](std::string k, std::string n) {
            return Command{"HRANDFIELD", k, n};
          },
          GenKey(), GenCount(false)),
      rc::gen::apply(
          [](std::string k, std::string n, bool extra) {
            if (extra) return Command{"HRANDFIELD", k, n, "withvalues", "x"};
            return Command{"HRANDFIELD", k, n, "WITHVALUES"};
          },
          GenKey(), GenCount(true), rc::gen::arbitrary<bool>()),
      rc::gen::apply(
          [](std::string k, std::string cursor, std::vector<std::string> opts) {
            return Join("HSCAN", k, [&] {
              std::vector<std::string> v{cursor};
              v.insert(v.end(), opts.begin(), opts.end());
              return v;
            }());
          },
          GenKey(), rc::gen::element<std::string>("0", "0", "7", "-1", "x", ""),
          rc::gen::oneOf(rc::gen::just(std::vector<std::string>{}),
                         rc::gen::just(std::vector<std::string>{"MATCH", "*"}),
                         rc::gen::just(std::vector<std::string>{"MATCH", "[a-c]"}),
                         rc::gen::just(std::vector<std::string>{"COUNT", "100"}),
                         rc::gen::just(std::vector<std::string>{"COUNT", "0"}),
                         rc::gen::just(std::vector<std::string>{"COUNT", "x"}),
                         rc::gen::just(std::vector<std::string>{"NOVALUES"}),
                         rc::gen::just(std::vector<std::string>{"MATCH"}))));
}

rc::Gen<Command> GenOther() {
  return rc::gen::oneOf(rc::gen::map(GenKey(),
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
                        rc::gen::map(GenKey(), [](std::string k) {
                          return Command{"OBJECT", "ENCODING", k};
                        }));
}

rc::Gen<Command> GenHashCommand() {
  return rc::gen::weightedOneOf<Command>({{8, GenWrite()}, {8, GenRead()}, {2, GenOther()}});
}

// ---- Comparison -----------------------------------------------------------------------------

using FieldMap = std::map<std::string, std::string>;

FieldMap FieldsOf(RespClient& conn, const std::string& key) {
  FieldMap m;
  RespValue all = conn.Call({"HGETALL", key});
  for (size_t i = 0; i + 1 < all.elements.size(); i += 2) {
    m[all.elements[i].str] = all.elements[i + 1].str;
  }
  return m;
}

std::vector<std::string> SortedStrings(const RespValue& v) {
  std::vector<std::string> out;
  for (const auto& e : v.elements) out.push_back(e.ToString());
  std::sort(out.begin(), out.end());
  return out;
}

// Pairs of a flat field/value array, sorted.
std::vector<std::pair<std::string, std::string>> SortedPairs(const RespValue& v) {
  std::vector<std::pair<std::string, std::string>> out;
  for (size_t i = 0; i + 1 < v.elements.size(); i += 2) {
    out.emplace_back(v.elements[i].str, v.elements[i + 1].str);
  }
  std::sort(out.begin(), out.end());
  return out;
}

// Is `reply` a valid HRANDFIELD answer for `cmd` given the hash's contents?
bool ValidRandomPick(const Command& cmd, const RespValue& reply, const FieldMap& hash) {
  if (cmd.size() == 2) {
    if (hash.empty()) return reply.is_null();
    return reply.type == RespValue::Type::kBulk && hash.count(reply.str) == 1;
  }
  int64_t count;
  if (!ParseInt64(cmd[2], &count) || reply.type != RespValue::Type::kArray) return false;
  bool with_values = cmd.size() == 4;
  size_t step = with_values ? 2 : 1;
  uint64_t picks = count < 0 ? 0 - static_cast<uint64_t>(count)
                             : std::min<uint64_t>(static_cast<uint64_t>(count), hash.size());
  if (hash.empty()) picks = 0;
  if (reply.elements.size() != picks * step) return false;
  std::set<std::string> seen;
  for (size_t i = 0; i < reply.elements.size(); i += step) {
    auto it = hash.find(reply.elements[i].str);
    if (it == hash.end()) return false;
    if (with_values && reply.elements[i + 1].str != it->second) return false;
    if (count > 0 && !seen.insert(it->first).second) return false;
  }
  return true;
}

// Is `reply` a well-formed HSCAN step over `hash` ([cursor, [field, value, ...]])? A step that
// started at cursor 0 and returned cursor 0 was the whole scan: it must hold every field.
bool ValidScanPart(const RespValue& reply, const FieldMap& hash, bool from_start = false) {
  if (reply.elements.size() != 2 || reply.elements[1].elements.size() % 2 != 0) return false;
  auto pairs = SortedPairs(reply.elements[1]);
  for (const auto& [f, v] : pairs) {
    auto it = hash.find(f);
    if (it == hash.end() || it->second != v) return false;
  }
  bool whole_scan = from_start && reply.elements[0].str == "0";
  return !whole_scan || pairs.size() == hash.size();
}

// Runs a sequence, comparing with the exceptions described at the top of this file.
std::string CheckHashSequence(DifferentialPair* pair, const std::vector<Command>& seq) {
  std::string transcript;
  for (const auto& cmd : seq) {
    auto [a, b] = pair->Run(cmd);
    transcript += "  " + FormatCommand(cmd) + "\n    -> " + a.ToString() + "\n";
    bool equal = a == b;
    std::string name = ToLower(cmd[0]);
    if (!equal && !a.is_error() && !b.is_error()) {
      if (name == "hrandfield") {
        equal = ValidRandomPick(cmd, a, FieldsOf(pair->redis(), cmd[1])) &&
                ValidRandomPick(cmd, b, FieldsOf(pair->redsim(), cmd[1]));
      } else if (name == "hgetall" || name == "hkeys" || name == "hvals" || name == "hscan") {
        RespValue enc_a = pair->redis().Call({"OBJECT", "ENCODING", cmd[1]});
        RespValue enc_b = pair->redsim().Call({"OBJECT", "ENCODING", cmd[1]});
        if (enc_a.str == "hashtable" && enc_b.str == "hashtable") {
          if (name == "hgetall") {
            equal = SortedPairs(a) == SortedPairs(b);
          } else if (name == "hscan" && (cmd[2] == "0" || cmd[2].empty()) &&
                     a.elements.size() == 2 && b.elements.size() == 2 && a.elements[0].str == "0" &&
                     b.elements[0].str == "0") {
            // Both finished in one step: the same pairs.
            equal = SortedPairs(a.elements[1]) == SortedPairs(b.elements[1]);
          } else if (name == "hscan") {
            // Otherwise each step covers buckets of its server's own table (a table visits
            // whole buckets until COUNT entries, so even a scan from cursor 0 may stop early on
            // one server and not on the other); a step from 0 that ends the scan holds it all.
            bool from_start = cmd[2] == "0" || cmd[2].empty();
            equal = ValidScanPart(a, FieldsOf(pair->redis(), cmd[1]), from_start) &&
                    ValidScanPart(b, FieldsOf(pair->redsim(), cmd[1]), from_start);
          } else {
            equal = SortedStrings(a) == SortedStrings(b);
          }
        }
      }
    }
    if (!equal) {
      return "reply mismatch on " + FormatCommand(cmd) + "\n  redis:  " + a.ToString() +
             "\n  redsim: " + b.ToString() + "\nsequence:\n" + transcript;
    }
  }
  return "";
}

TEST(HashesDifferential, RandomSequencesMatchRedis) {
  if (!ServerProcess::RedisAvailable()) GTEST_SKIP() << "redis-server not installed";
  DifferentialPair* pair = DifferentialPair::Get();
  ASSERT_NE(pair, nullptr) << "could not start redis-server and redsim-server";
  bool ok = rc::check("hash commands give the same replies", [pair] {
    std::string entries = *rc::gen::element<std::string>("512", "512", "3", "0");
    std::string value = *rc::gen::element<std::string>("64", "64", "8", "0");
    std::vector<Command> seq = {{"CONFIG", "SET", "hash-max-listpack-entries", entries},
                                {"CONFIG", "SET", "hash-max-listpack-value", value}};
    for (const auto& c : *rc::gen::container<std::vector<Command>>(GenHashCommand())) {
      seq.push_back(c);
    }
    pair->Reset();
    std::string mismatch = CheckHashSequence(pair, seq);
    RC_ASSERT(mismatch == "");
  });
  EXPECT_TRUE(ok);
}

// RESP3 shapes: HGETALL is a map, HRANDFIELD WITHVALUES a list of pairs.
TEST(HashesDifferential, Resp3RepliesMatchRedis) {
  if (!ServerProcess::RedisAvailable()) GTEST_SKIP() << "redis-server not installed";
  DifferentialPair* pair = DifferentialPair::Get();
  ASSERT_NE(pair, nullptr) << "could not start redis-server and redsim-server";
  pair->Reset();
  pair->redis().Call({"HELLO", "3"});
  pair->redsim().Call({"HELLO", "3"});
  std::string mismatch = CheckHashSequence(pair, {{"HSET", "h", "a", "1"},
                                                  {"HGETALL", "h"},
                                                  {"HGETALL", "none"},
                                                  {"HRANDFIELD", "h", "1", "WITHVALUES"},
                                                  {"HRANDFIELD", "h", "-2", "WITHVALUES"},
                                                  {"HSCAN", "h", "0"},
                                                  {"HINCRBYFLOAT", "h", "a", "0.5"}});
  EXPECT_EQ(mismatch, "");
  pair->Reset();
}

}  // namespace
}  // namespace redsim::testing
