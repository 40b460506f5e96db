// Fuzzing the loaders: valid RDB images and AOF directories are built, mutated (bit flips,
// truncation, inserted and deleted bytes, corrupted lengths), and fed to the loaders. Nothing may
// crash or read out of bounds (this binary runs under AddressSanitizer and UBSan in make test);
// every rejection must name an offset. REDSIM_FUZZ_ITERATIONS raises the count (make fuzz).
#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include <cstdlib>
#include <filesystem>

#include "engine/persistence/rdb_codec.h"
#include "engine/persistence/rdb_file.h"
#include "engine/resp/resp_value.h"
#include "engine/server/server.h"
#include "tests/support/manual_env.h"

namespace redsim {
namespace {

int Iterations() {
  const char* env = getenv("REDSIM_FUZZ_ITERATIONS");
  return env != nullptr ? atoi(env) : 300;
}

std::string ValidRdb(const std::vector<std::pair<std::string, std::string>>& kvs,
                     int64_t expire_ms) {
  std::string out;
  rdb::FileWriter w(&out, true, true);
  w.Header({{"redis-ver", "7.0.15"}, {"redis-bits", "64"}});
  w.SelectDb(0, kvs.size(), 1);
  bool first = true;
  for (const auto& [k, v] : kvs) {
    w.Entry(k, Value::String(v), first ? expire_ms : 0, -1, -1);
    first = false;
  }
  w.Finish();
  return out;
}

std::string Mutate(std::string data, uint64_t seed) {
  Random rng(seed);
  int n = 1 + static_cast<int>(rng.Uniform(4));
  for (int i = 0; i < n && !data.empty(); i++) {
    size_t pos = static_cast<size_t>(rng.Uniform(data.size()));
    switch (rng.Uniform(5)) {
      case 0:
        data[pos] = static_cast<char>(data[pos] ^ (1 << rng.Uniform(8)));
        break;
      case 1:
        data.resize(pos);
        break;
      case 2:
        data.insert(pos, 1 + rng.Uniform(8), static_cast<char>(rng.Uniform(256)));
        break;
      case 3:
        data.erase(pos, 1 + rng.Uniform(8));
        break;
      case 4:
        data[pos] = static_cast<char>(rng.Uniform(256));
        break;
    }
  }
  return data;
}

TEST(LoaderFuzz, RdbLoaderSurvivesMutations) {
  rdb::LoadContext ctx;
  int rejected = 0, iterations = Iterations();
  for (int i = 0; i < iterations; i++) {
    std::vector<std::pair<std::string, std::string>> kvs;
    Random rng(static_cast<uint64_t>(i));
    int count = 1 + static_cast<int>(rng.Uniform(20));
    for (int k = 0; k < count; k++) {
      std::string v = rng.Chance(0.3)
                          ? std::to_string(rng.Range(-100000, 100000))
                          : std::string(rng.Uniform(100), 'a' + static_cast<char>(k % 26));
      kvs.emplace_back("key" + std::to_string(k), v);
    }
    std::string valid = ValidRdb(kvs, 1'900'000'000'000);
    std::string bad = Mutate(valid, static_cast<uint64_t>(i) * 7919);
    rdb::LoadStats stats;
    Status s = rdb::LoadRdb(
        bad, ctx, 0, [](rdb::KeyRecord&) { return Status::Ok(); }, &stats);
    if (!s.ok()) {
      rejected++;
      EXPECT_NE(s.message().find("offset"), std::string::npos) << s.message();
    }
  }
  // Most mutations must be caught (the checksum catches the rest of the flips).
  EXPECT_GT(rejected, iterations / 2);
}

TEST(LoaderFuzz, ValidRdbRoundTrips) {
  rdb::LoadContext ctx;
  std::vector<std::pair<std::string, std::string>> kvs = {
      {"a", "1"}, {"b", std::string(1000, 'x')}, {"c", "-42"}, {"d", "hello"}};
  std::string image = ValidRdb(kvs, 1'900'000'000'000);
  std::vector<std::pair<std::string, std::string>> got;
  rdb::LoadStats stats;
  Status s = rdb::LoadRdb(
      image, ctx, 0,
      [&](rdb::KeyRecord& r) {
        got.emplace_back(r.key, r.value.ToString());
        return Status::Ok();
      },
      &stats);
  ASSERT_TRUE(s.ok()) << s.message();
  EXPECT_EQ(got, kvs);
}

// The AOF loader, through a whole server start on a mutated AOF directory.
TEST(LoaderFuzz, AofLoaderSurvivesMutations) {
  std::string dir =
      std::filesystem::temp_directory_path() / ("redsim-aof-fuzz-" + std::to_string(getpid()));
  int iterations = Iterations() / 3;
  std::string aof;
  for (int i = 0; i < 40; i++) {
    std::string k = "k" + std::to_string(i % 7), v = std::to_string(i);
    aof += "*3\r\n$3\r\nSET\r\n$" + std::to_string(k.size()) + "\r\n" + k + "\r\n$" +
           std::to_string(v.size()) + "\r\n" + v + "\r\n";
    if (i % 5 == 0)
      aof += "*1\r\n$5\r\nMULTI\r\n*2\r\n$4\r\nINCR\r\n$1\r\nn\r\n*1\r\n$4\r\nEXEC\r\n";
  }
  for (int i = 0; i < iterations; i++) {
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir + "/appendonlydir");
    {
      FILE* m = fopen((dir + "/appendonlydir/appendonly.aof.manifest").c_str(), "w");
      fputs("file appendonly.aof.1.incr.aof seq 1 type i\n", m);
      fclose(m);
      std::string bad = Mutate(aof, static_cast<uint64_t>(i) * 104729);
      FILE* f = fopen((dir + "/appendonlydir/appendonly.aof.1.incr.aof").c_str(), "w");
      fwrite(bad.data(), 1, bad.size(), f);
      fclose(f);
    }
    testing::ManualEnv env;
    Server::Options opts;
    opts.env = &env;
    opts.config.dir = dir;
    opts.config.appendonly = true;
    opts.config.save.clear();
    opts.config.aof_load_truncated = (i % 2) == 0;
    Server server(std::move(opts));
    Status s = server.Start();  // must either start or refuse with a message; never crash
    if (!s.ok()) {
      EXPECT_FALSE(s.message().empty());
    }
  }
  std::filesystem::remove_all(dir);
}

// ---- Collections: RDB images and RESTORE payloads ------------------------------------------

// An in-process server holding keys of every collection type in both encodings.
class CollectionServer {
 public:
  explicit CollectionServer(bool compression) {
    Server::Options opts;
    opts.env = &env_;
    opts.config.save.clear();
    opts.config.rdbcompression = compression;
    server_ = std::make_unique<Server>(std::move(opts));
    EXPECT_TRUE(server_->Start().ok());
    client_ = server_->CreateFakeClient();
    Run({"RPUSH", "list", "a", "1", "-300", "70000", std::string(80, 'l'), "x"});
    std::vector<std::string> big_list = {"RPUSH", "biglist"};
    for (int i = 0; i < 300; i++) big_list.push_back(std::to_string(i * 1000) + "abc");
    Run(big_list);
    Run({"HSET", "hash", "f", "v", "n", "12", "long", std::string(30, 'h')});
    std::vector<std::string> big_hash = {"HSET", "bighash"};
    for (int i = 0; i < 600; i++) {
      big_hash.push_back("f" + std::to_string(i));
      big_hash.push_back(std::to_string(i));
    }
    Run(big_hash);
    Run({"SADD", "intset", "1", "2", "-5", "100000", "9999999999"});
    Run({"SADD", "set", "a", "b", "17"});
    Run({"ZADD", "zset", "1", "a", "2.5", "b", "-inf", "c", "1e100", "d"});
    std::vector<std::string> big_zset = {"ZADD", "bigzset"};
    for (int i = 0; i < 200; i++) {
      big_zset.push_back(std::to_string(i % 17) + ".25");
      big_zset.push_back("m" + std::to_string(i));
    }
    Run(big_zset);
  }

  RespValue Run(const std::vector<std::string>& args) {
    std::vector<std::string_view> views(args.begin(), args.end());
    server_->ProcessCommand(client_, views);
    env_.Drain();
    std::string& buf = client_->reply_buffer();
    RespValue v;
    size_t used = 0;
    std::string error;
    ReplyParser::Parse(buf.data(), buf.size(), &v, &used, &error);
    buf.clear();
    return v;
  }
  std::vector<std::string> Keys() {
    std::vector<std::string> keys;
    for (const auto& k : Run({"KEYS", "*"}).elements) keys.push_back(k.str);
    std::sort(keys.begin(), keys.end());
    return keys;
  }
  // The <type><value> part of each key's DUMP payload.
  std::vector<std::string> Bodies() {
    std::vector<std::string> out;
    for (const auto& k : Keys()) {
      std::string p = Run({"DUMP", k}).str;
      out.push_back(p.substr(0, p.size() - 10));
    }
    return out;
  }

 private:
  testing::ManualEnv env_;
  std::unique_ptr<Server> server_;
  Client* client_ = nullptr;
};

// An RDB image holding the given <type><value> bodies as keys k0, k1...
std::string RdbOfBodies(const std::vector<std::string>& bodies) {
  std::string out;
  rdb::FileWriter w(&out, true, true);
  w.Header({{"redis-ver", "7.0.15"}});
  w.SelectDb(0, bodies.size(), 0);
  rdb::LoadContext ctx;
  for (size_t i = 0; i < bodies.size(); i++) {
    rdb::Decoder dec(bodies[i]);
    uint8_t type;
    Value v;
    EXPECT_TRUE(dec.Byte(&type) && rdb::LoadValue(type, dec, ctx, &v)) << dec.error();
    w.Entry("k" + std::to_string(i), v, 0, -1, -1);
  }
  w.Finish();
  return out;
}

TEST(LoaderFuzz, CollectionRdbLoaderSurvivesMutations) {
  for (bool compression : {false, true}) {
    CollectionServer source(compression);
    std::string valid = RdbOfBodies(source.Bodies());
    rdb::LoadContext ctx;
    rdb::LoadStats stats;
    uint64_t loaded = 0;
    ASSERT_TRUE(rdb::LoadRdb(
                    valid, ctx, 0,
                    [&](rdb::KeyRecord&) {
                      loaded++;
                      return Status::Ok();
                    },
                    &stats)
                    .ok());
    EXPECT_EQ(loaded, source.Keys().size());
    // Each image holds several large values: a third of the iterations keeps the run short.
    int iterations = std::max(Iterations() / 3, 1);
    for (int i = 0; i < iterations; i++) {
      std::string bad = Mutate(valid, static_cast<uint64_t>(i) * 6151 + compression);
      Status s = rdb::LoadRdb(
          bad, ctx, 0, [](rdb::KeyRecord&) { return Status::Ok(); }, &stats);
      if (!s.ok()) {
        EXPECT_NE(s.message().find("offset"), std::string::npos) << s.message();
      }
    }
  }
}

// Mutated payload bodies with a recomputed (valid) checksum, so the value decoder itself sees
// the damage. RESTORE must answer OK or an error; a restored key must read back without harm.
TEST(LoaderFuzz, RestoreSurvivesMutatedPayloads) {
  for (bool compression : {false, true}) {
    CollectionServer server(compression);
    std::vector<std::string> bodies = server.Bodies();
    int iterations = Iterations() * 2;
    int accepted = 0, rejected = 0;
    for (int i = 0; i < iterations; i++) {
      const std::string& body = bodies[static_cast<size_t>(i) % bodies.size()];
      std::string bad = Mutate(body, static_cast<uint64_t>(i) * 7727 + compression);
      RespValue r = server.Run({"RESTORE", "target", "0", rdb::MakeDumpPayload(bad), "REPLACE"});
      if (r.type == RespValue::Type::kError) {
        EXPECT_TRUE(r.str == "ERR Bad data format" ||
                    r.str == "ERR DUMP payload version or checksum are wrong")
            << r.str;
        rejected++;
        continue;
      }
      ASSERT_EQ(r.str, "OK");
      accepted++;
      // Exercise the restored structure every way it can be read.
      std::string type = server.Run({"TYPE", "target"}).str;
      if (type == "list") {
        server.Run({"LRANGE", "target", "0", "-1"});
        server.Run({"LINDEX", "target", "-1"});
        server.Run({"RPUSH", "target", "more"});
      } else if (type == "hash") {
        server.Run({"HGETALL", "target"});
        server.Run({"HSET", "target", "newfield", "v"});
      } else if (type == "set") {
        server.Run({"SMEMBERS", "target"});
        server.Run({"SADD", "target", "newmember"});
      } else if (type == "zset") {
        server.Run({"ZRANGE", "target", "0", "-1", "WITHSCORES"});
        server.Run({"ZADD", "target", "3", "newmember"});
        server.Run({"ZRANGEBYSCORE", "target", "-inf", "+inf"});
      }
      RespValue again = server.Run({"DUMP", "target"});
      ASSERT_EQ(again.type, RespValue::Type::kBulk);
      ASSERT_EQ(server.Run({"RESTORE", "copy", "0", again.str, "REPLACE"}).str, "OK");
    }
    EXPECT_GT(rejected, 0);
    EXPECT_GT(accepted, 0);
  }
}

}  // namespace
}  // namespace redsim
