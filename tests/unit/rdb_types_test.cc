// The RDB codecs of lists, hashes, sets and sorted sets, through DUMP/RESTORE and DEBUG RELOAD:
// round trips per type and encoding, the encodings chosen at load time (Redis 7.0's thresholds),
// the old ziplist/zipmap/plain encodings, RESTORE's options and errors, and rejection of
// malformed payloads. A RapidCheck property saves and reloads random datasets of every type.
#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <map>

#include "engine/base/random.h"
#include "engine/base/strutil.h"
#include "engine/persistence/listpack.h"
#include "engine/persistence/rdb_codec.h"
#include "engine/persistence/rdb_file.h"
#include "tests/support/dataset.h"
#include "tests/support/engine_test.h"

namespace redsim::testing {
namespace {

// ---- Hand-built old encodings (Redis before 7.0 wrote these) --------------------------------

// A ziplist of `items`: short strings (< 64 bytes) or, when an item is a small integer,
// the immediate / int16 encodings.
std::string Ziplist(const std::vector<std::string>& items) {
  std::string body;
  size_t prev = 0, last = 10;
  for (const auto& it : items) {
    std::string e;
    e.push_back(static_cast<char>(prev));
    int64_t v;
    if (ParseInt64(it, &v) && v >= 0 && v <= 12) {
      e.push_back(static_cast<char>(0xF1 + v));
    } else if (ParseInt64(it, &v) && v >= INT16_MIN && v <= INT16_MAX) {
      e.push_back(static_cast<char>(0xC0));
      e.push_back(static_cast<char>(v & 0xff));
      e.push_back(static_cast<char>((v >> 8) & 0xff));
    } else {
      e.push_back(static_cast<char>(it.size()));
      e += it;
    }
    last = 10 + body.size();
    body += e;
    prev = e.size();
  }
  std::string out;
  auto le = [&](uint64_t x, int n) {
    for (int i = 0; i < n; i++) out.push_back(static_cast<char>((x >> (8 * i)) & 0xff));
  };
  le(10 + body.size() + 1, 4);
  le(last, 4);
  le(items.size(), 2);
  out += body;
  out.push_back(static_cast<char>(0xFF));
  return out;
}

std::string Zipmap(const std::vector<std::pair<std::string, std::string>>& pairs) {
  std::string out(1, static_cast<char>(pairs.size()));
  for (const auto& [k, v] : pairs) {
    out.push_back(static_cast<char>(k.size()));
    out += k;
    out.push_back(static_cast<char>(v.size()));
    out.push_back(static_cast<char>(2));  // two free bytes after the value
    out += v + "..";
  }
  out.push_back(static_cast<char>(0xFF));
  return out;
}

// A DUMP payload of type byte `type` followed by `body` (already encoded).
std::string Payload(uint8_t type, const std::string& body) {
  std::string v(1, static_cast<char>(type));
  v += body;
  return rdb::MakeDumpPayload(v);
}

std::string Blob(const std::string& bytes) {
  std::string out;
  rdb::Encoder enc(&out, false);
  enc.String(bytes);
  return out;
}

class RdbTypesTest : public EngineTest {
 protected:
  // DEBUG RELOAD writes dump.rdb: keep it in a directory of this test's own.
  void Configure(ServerConfig& config) override {
    dir_ = std::filesystem::temp_directory_path() / ("redsim-rdbtypes-" + std::to_string(getpid()));
    std::filesystem::create_directories(dir_);
    config.dir = dir_;
  }
  void TearDown() override {
    EngineTest::TearDown();
    std::filesystem::remove_all(dir_);
  }
  std::string dir_;
  CommandFn Runner() {
    return [this](const std::vector<std::string>& a) { return Run(a); };
  }
  void Load(const std::vector<std::vector<std::string>>& cmds) {
    for (const auto& c : cmds) {
      RespValue r = Run(c);
      ASSERT_NE(r.type, RespValue::Type::kError) << c[0] << ": " << r.str;
    }
  }
  // DUMPs every key, RESTOREs it under "copy:<key>" and compares the descriptions.
  void ExpectDumpRestoreRoundTrip() {
    for (const auto& key : Run({"KEYS", "*"}).elements) {
      RespValue payload = Run({"DUMP", key.str});
      ASSERT_EQ(payload.type, RespValue::Type::kBulk) << key.str;
      std::string copy = "copy:" + key.str;
      ASSERT_EQ(Run({"RESTORE", copy, "0", payload.str}), Ok()) << key.str;
      // Same type, encoding and contents (the TTL is not part of a payload).
      auto contents = [&](const std::string& k) {
        std::string d = DescribeKey(Runner(), k);
        size_t at = d.find(" [");
        return at == std::string::npos ? std::string() : d.substr(at);
      };
      EXPECT_EQ(Run({"TYPE", key.str}), Run({"TYPE", copy})) << key.str;
      EXPECT_EQ(Run({"OBJECT", "ENCODING", key.str}), Run({"OBJECT", "ENCODING", copy})) << key.str;
      EXPECT_EQ(contents(key.str), contents(copy)) << key.str;
      Run({"DEL", copy});
    }
  }
};

TEST_F(RdbTypesTest, DumpRestoreRoundTripsEveryTypeAndEncoding) {
  Load(EveryTypeCommands());
  EXPECT_EQ(Run({"OBJECT", "ENCODING", "list:big"}), Bulk("quicklist"));
  EXPECT_EQ(Run({"OBJECT", "ENCODING", "hash:small"}), Bulk("listpack"));
  EXPECT_EQ(Run({"OBJECT", "ENCODING", "hash:big"}), Bulk("hashtable"));
  EXPECT_EQ(Run({"OBJECT", "ENCODING", "set:ints"}), Bulk("intset"));
  EXPECT_EQ(Run({"OBJECT", "ENCODING", "set:manyints"}), Bulk("hashtable"));
  EXPECT_EQ(Run({"OBJECT", "ENCODING", "zset:small"}), Bulk("listpack"));
  EXPECT_EQ(Run({"OBJECT", "ENCODING", "zset:big"}), Bulk("skiplist"));
  ExpectDumpRestoreRoundTrip();
}

TEST_F(RdbTypesTest, DebugReloadKeepsEveryTypeEncodingAndTtl) {
  Load(EveryTypeCommands());
  auto before = DescribeDb(Runner());
  ASSERT_EQ(Run({"DEBUG", "RELOAD"}), Ok());
  EXPECT_EQ(DescribeDb(Runner()), before);
}

std::string FromHex(const std::string& hex) {
  std::string out;
  for (size_t i = 0; i + 1 < hex.size(); i += 2) {
    out.push_back(static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16)));
  }
  return out;
}

TEST_F(RdbTypesTest, DumpOfKnownValuesIsByteIdenticalToRedis) {
  // Payloads DUMPed by Redis 7.0.15 with rdbcompression no.
  Run({"CONFIG", "SET", "rdbcompression", "no"});
  Run({"RPUSH", "l", "0", "1", "2", "3", "4"});
  EXPECT_EQ(Run({"DUMP", "l"}),
            Bulk(FromHex("1201021111000000050000010101020103010401ff0a0093b667f6a1273b66")));
  Run({"HSET", "h", "f1", "v1", "n", "12345", "neg", "-5"});
  EXPECT_EQ(Run({"DUMP", "h"}),
            Bulk(FromHex("101e1e00000006008266310382763103816e02f1393003836e656704dffb02ff0a004db1"
                         "a579bf07f063")));
  Run({"ZADD", "z", "1.5", "a", "2", "b", "3", "c"});
  Run({"CONFIG", "SET", "zset-max-listpack-entries", "0"});
  Run({"ZADD", "z2", "1.5", "a", "2", "b", "3", "c"});
  EXPECT_EQ(Run({"DUMP", "z2"}),
            Bulk(FromHex("050301630000000000000840016200000000000000400161000000000000f83f0a0035"
                         "4926059bdcebee")));
}

TEST_F(RdbTypesTest, LoadPicksEncodingsByTheCurrentThresholds) {
  Run({"CONFIG", "SET", "hash-max-listpack-entries", "1000"});
  Run({"CONFIG", "SET", "zset-max-listpack-entries", "1000"});
  Run({"CONFIG", "SET", "set-max-intset-entries", "1000"});
  Run({"CONFIG", "SET", "hash-max-listpack-value", "1000"});
  std::vector<std::string> h = {"HSET", "h"}, z = {"ZADD", "z"}, s = {"SADD", "s"};
  for (int i = 0; i < 600; i++) {
    h.push_back("f" + std::to_string(i));
    h.push_back("v");
    z.push_back(std::to_string(i));
    z.push_back("m" + std::to_string(i));
    s.push_back(std::to_string(i));
  }
  Load({h, z, s, {"HSET", "hl", "f", std::string(100, 'x')}});
  std::map<std::string, std::string> dumps;
  for (std::string k : {"h", "z", "s", "hl"}) {
    EXPECT_NE(Run({"OBJECT", "ENCODING", k}), Bulk("hashtable")) << k;
    dumps[k] = Run({"DUMP", k}).str;
  }
  Run({"CONFIG", "SET", "hash-max-listpack-entries", "512"});
  Run({"CONFIG", "SET", "zset-max-listpack-entries", "128"});
  Run({"CONFIG", "SET", "set-max-intset-entries", "512"});
  Run({"CONFIG", "SET", "hash-max-listpack-value", "64"});
  for (auto& [k, payload] : dumps) ASSERT_EQ(Run({"RESTORE", k + "2", "0", payload}), Ok());
  EXPECT_EQ(Run({"OBJECT", "ENCODING", "h2"}), Bulk("hashtable"));
  EXPECT_EQ(Run({"OBJECT", "ENCODING", "z2"}), Bulk("skiplist"));
  EXPECT_EQ(Run({"OBJECT", "ENCODING", "s2"}), Bulk("hashtable"));
  // Redis 7.0 does not recheck value lengths of a listpack it loads.
  EXPECT_EQ(Run({"OBJECT", "ENCODING", "hl2"}), Bulk("listpack"));
  EXPECT_EQ(Run({"HLEN", "h2"}), Int(600));
  EXPECT_EQ(Run({"ZCARD", "z2"}), Int(600));
  EXPECT_EQ(Run({"SCARD", "s2"}), Int(600));
}

TEST_F(RdbTypesTest, SmallHashtableAndSkiplistPayloadsLoadCompact) {
  Run({"CONFIG", "SET", "zset-max-listpack-entries", "0"});
  Run({"CONFIG", "SET", "hash-max-listpack-entries", "0"});
  Load({{"ZADD", "z", "1", "a", "2", "b"}, {"HSET", "h", "a", "1"}});
  EXPECT_EQ(Run({"OBJECT", "ENCODING", "z"}), Bulk("skiplist"));
  std::string z = Run({"DUMP", "z"}).str, h = Run({"DUMP", "h"}).str;
  EXPECT_EQ(z[0], static_cast<char>(rdb::kTypeZset2));
  EXPECT_EQ(h[0], static_cast<char>(rdb::kTypeHash));
  Run({"CONFIG", "SET", "zset-max-listpack-entries", "128"});
  Run({"CONFIG", "SET", "hash-max-listpack-entries", "512"});
  ASSERT_EQ(Run({"RESTORE", "z2", "0", z}), Ok());
  ASSERT_EQ(Run({"RESTORE", "h2", "0", h}), Ok());
  EXPECT_EQ(Run({"OBJECT", "ENCODING", "z2"}), Bulk("listpack"));
  EXPECT_EQ(Run({"OBJECT", "ENCODING", "h2"}), Bulk("listpack"));
  EXPECT_EQ(Run({"ZRANGE", "z2", "0", "-1", "WITHSCORES"}), Bulks({"a", "1", "b", "2"}));
}

TEST_F(RdbTypesTest, OldEncodingsLoad) {
  std::vector<std::string> items = {"a", "5", "-300", "hello", "12"};
  ASSERT_EQ(Run({"RESTORE", "l10", "0", Payload(rdb::kTypeListZiplist, Blob(Ziplist(items)))}),
            Ok());
  EXPECT_EQ(Run({"LRANGE", "l10", "0", "-1"}), Bulks(items));
  std::string ql = "\x02" + Blob(Ziplist({"a", "b"})) + Blob(Ziplist({"7"}));
  ASSERT_EQ(Run({"RESTORE", "l14", "0", Payload(rdb::kTypeListQuicklist, ql)}), Ok());
  EXPECT_EQ(Run({"LRANGE", "l14", "0", "-1"}), Bulks({"a", "b", "7"}));
  std::string plain = "\x02" + Blob("x") + Blob("12");
  ASSERT_EQ(Run({"RESTORE", "l1", "0", Payload(rdb::kTypeList, plain)}), Ok());
  EXPECT_EQ(Run({"LRANGE", "l1", "0", "-1"}), Bulks({"x", "12"}));
  EXPECT_EQ(Run({"OBJECT", "ENCODING", "l1"}), Bulk("quicklist"));

  ASSERT_EQ(Run({"RESTORE", "z12", "0",
                 Payload(rdb::kTypeZsetZiplist, Blob(Ziplist({"a", "1", "b", "2.5"})))}),
            Ok());
  EXPECT_EQ(Run({"ZRANGE", "z12", "0", "-1", "WITHSCORES"}), Bulks({"a", "1", "b", "2.5"}));
  EXPECT_EQ(Run({"OBJECT", "ENCODING", "z12"}), Bulk("listpack"));
  // ZSET (version 1): text scores, with the special lengths for infinities.
  std::string z3 = "\x02" + Blob("m") + "\x03" + "1.5" + Blob("n") + "\xfe";
  ASSERT_EQ(Run({"RESTORE", "z3", "0", Payload(rdb::kTypeZset, z3)}), Ok());
  EXPECT_EQ(Run({"ZRANGE", "z3", "0", "-1", "WITHSCORES"}), Bulks({"m", "1.5", "n", "inf"}));

  ASSERT_EQ(Run({"RESTORE", "h13", "0",
                 Payload(rdb::kTypeHashZiplist, Blob(Ziplist({"f", "v", "n", "3"})))}),
            Ok());
  EXPECT_EQ(Run({"HGET", "h13", "n"}), Bulk("3"));
  EXPECT_EQ(Run({"OBJECT", "ENCODING", "h13"}), Bulk("listpack"));
  ASSERT_EQ(
      Run({"RESTORE", "h9", "0", Payload(rdb::kTypeHashZipmap, Blob(Zipmap({{"k", "val"}})))}),
      Ok());
  EXPECT_EQ(Run({"HGETALL", "h9"}), Bulks({"k", "val"}));
}

TEST_F(RdbTypesTest, MalformedPayloadsAreRejected) {
  const std::string bad = "ERR Bad data format";
  // Duplicates.
  std::string dup_set = "\x02" + Blob("a") + Blob("a");
  EXPECT_EQ(Run({"RESTORE", "k", "0", Payload(rdb::kTypeSet, dup_set)}), Err(bad));
  ListpackWriter lp;
  for (const char* s : {"f", "1", "f", "2"}) lp.AddString(s);
  EXPECT_EQ(Run({"RESTORE", "k", "0", Payload(rdb::kTypeHashListpack, Blob(lp.Finish()))}),
            Err(bad));
  // A sorted set listpack out of order, with an odd count, with a bad score.
  ListpackWriter unsorted;
  for (const char* s : {"a", "2", "b", "1"}) unsorted.AddString(s);
  EXPECT_EQ(Run({"RESTORE", "k", "0", Payload(rdb::kTypeZsetListpack, Blob(unsorted.Finish()))}),
            Err(bad));
  ListpackWriter odd;
  for (const char* s : {"a", "2", "b"}) odd.AddString(s);
  EXPECT_EQ(Run({"RESTORE", "k", "0", Payload(rdb::kTypeZsetListpack, Blob(odd.Finish()))}),
            Err(bad));
  ListpackWriter badscore;
  for (const char* s : {"a", "x1"}) badscore.AddString(s);
  EXPECT_EQ(Run({"RESTORE", "k", "0", Payload(rdb::kTypeZsetListpack, Blob(badscore.Finish()))}),
            Err(bad));
  // NaN score in a ZSET_2.
  std::string nan_z;
  rdb::Encoder enc(&nan_z, false);
  enc.Length(1);
  enc.String("a");
  enc.BinaryDouble(std::nan(""));
  EXPECT_EQ(Run({"RESTORE", "k", "0", Payload(rdb::kTypeZset2, nan_z)}), Err(bad));
  // Empty collections.
  EXPECT_EQ(Run({"RESTORE", "k", "0", Payload(rdb::kTypeListQuicklist2, "\x00")}), Err(bad));
  EXPECT_EQ(Run({"RESTORE", "k", "0", Payload(rdb::kTypeSet, "\x00")}), Err(bad));
  // Lengths beyond the data, unknown container, unsorted intset, broken ziplist.
  EXPECT_EQ(Run({"RESTORE", "k", "0", Payload(rdb::kTypeSet, "\x3f" + Blob("a"))}), Err(bad));
  EXPECT_EQ(Run({"RESTORE", "k", "0", Payload(rdb::kTypeListQuicklist2, "\x01\x07" + Blob("x"))}),
            Err(bad));
  std::string intset = EncodeIntset({1, 2});
  std::swap(intset[8], intset[10]);
  EXPECT_EQ(Run({"RESTORE", "k", "0", Payload(rdb::kTypeSetIntset, Blob(intset))}), Err(bad));
  std::string zl = Ziplist({"a", "b"});
  zl[4] = 3;  // wrong tail offset
  EXPECT_EQ(Run({"RESTORE", "k", "0", Payload(rdb::kTypeListZiplist, Blob(zl))}), Err(bad));
  // A damaged trailer.
  std::string good = Run({"DUMP", "nokey"}).str;
  Run({"RPUSH", "l", "a"});
  std::string payload = Run({"DUMP", "l"}).str;
  payload[1] ^= 1;
  EXPECT_EQ(Run({"RESTORE", "k", "0", payload}),
            Err("ERR DUMP payload version or checksum are wrong"));
  EXPECT_EQ(Run({"EXISTS", "k"}), Int(0));
}

TEST_F(RdbTypesTest, RestoreOptionsAndErrors) {
  Run({"RPUSH", "l", "a", "b"});
  std::string p = Run({"DUMP", "l"}).str;
  EXPECT_EQ(Run({"DUMP", "missing"}), Nil());
  EXPECT_EQ(Run({"RESTORE", "l", "0", p}), Err("BUSYKEY Target key name already exists."));
  EXPECT_EQ(Run({"RESTORE", "l", "0", p, "REPLACE"}), Ok());
  EXPECT_EQ(Run({"RESTORE", "x", "-1", p}), Err("ERR Invalid TTL value, must be >= 0"));
  EXPECT_EQ(Run({"RESTORE", "x", "abc", p}), Err("ERR value is not an integer or out of range"));
  EXPECT_EQ(Run({"RESTORE", "x", "0", p, "IDLETIME", "-1"}),
            Err("ERR Invalid IDLETIME value, must be >= 0"));
  EXPECT_EQ(Run({"RESTORE", "x", "0", p, "FREQ", "256"}),
            Err("ERR Invalid FREQ value, must be >= 0 and <= 255"));
  EXPECT_EQ(Run({"RESTORE", "x", "0", p, "FREQ", "1", "IDLETIME", "2"}), Err("ERR syntax error"));
  EXPECT_EQ(Run({"RESTORE", "x", "0", p, "BOGUS"}), Err("ERR syntax error"));
  EXPECT_EQ(Run({"RESTORE", "t", "5000", p}), Ok());
  EXPECT_GT(Run({"PTTL", "t"}).integer, 4000);
  EXPECT_EQ(Run({"RESTORE", "i", "0", p, "IDLETIME", "1000"}), Ok());
  EXPECT_GE(Run({"OBJECT", "IDLETIME", "i"}).integer, 1000);
  // An absolute TTL in the past: the old key is deleted, nothing is created.
  EXPECT_EQ(Run({"RESTORE", "l", "1", p, "REPLACE", "ABSTTL"}), Ok());
  EXPECT_EQ(Run({"EXISTS", "l"}), Int(0));
}

// ---- Property: random datasets survive SAVE and load unchanged --------------------------------

std::vector<std::vector<std::string>> RandomDataset(uint64_t seed) {
  Random rng(seed);
  std::vector<std::vector<std::string>> cmds;
  auto element = [&](int i) {
    switch (rng.Uniform(4)) {
      case 0:
        return std::to_string(rng.Range(-100000, 100000));
      case 1:
        return std::to_string(rng.Next() >> rng.Uniform(64));
      case 2:
        return std::string(rng.Uniform(200), static_cast<char>('a' + i % 26));
      default:
        return "e" + std::to_string(rng.Uniform(1000));
    }
  };
  int keys = 1 + static_cast<int>(rng.Uniform(12));
  for (int k = 0; k < keys; k++) {
    std::string key = "k" + std::to_string(k);
    int n = 1 + static_cast<int>(rng.Chance(0.3) ? rng.Uniform(1500) : rng.Uniform(20));
    std::vector<std::string> c;
    switch (rng.Uniform(5)) {
      case 0:
        c = {"SET", key, element(k)};
        break;
      case 1:
        c = {"RPUSH", key};
        for (int i = 0; i < n; i++) c.push_back(element(i));
        break;
      case 2:
        c = {"HSET", key};
        for (int i = 0; i < n; i++) {
          c.push_back(element(i));
          c.push_back(element(i));
        }
        break;
      case 3:
        c = {"SADD", key};
        for (int i = 0; i < n; i++) c.push_back(element(i));
        break;
      default:
        c = {"ZADD", key};
        for (int i = 0; i < n; i++) {
          c.push_back(std::to_string(rng.Range(-1000, 1000)) + "." +
                      std::to_string(rng.Uniform(100)));
          c.push_back(element(i));
        }
    }
    cmds.push_back(c);
    if (rng.Chance(0.3))
      cmds.push_back({"EXPIRE", key, std::to_string(1000 + rng.Uniform(100000))});
  }
  return cmds;
}

TEST_F(RdbTypesTest, RandomDatasetsSurviveSaveAndLoad) {
  bool ok = rc::check("save then load gives identical contents", [this](uint64_t seed) {
    Run({"FLUSHALL"});
    for (const auto& c : RandomDataset(seed)) Run(c);
    auto before = DescribeDb(Runner());
    RC_ASSERT(Run({"DEBUG", "RELOAD"}) == Ok());
    RC_ASSERT(DescribeDb(Runner()) == before);
  });
  EXPECT_TRUE(ok);
}

}  // namespace
}  // namespace redsim::testing
