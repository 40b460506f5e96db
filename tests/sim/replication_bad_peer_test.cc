// Bad replication peers, in the simulator: a scripted fake primary on its own simulated host
// answers an unmodified redsim replica with garbage, truncated or corrupt RDB payloads, or goes
// silent mid-transfer; and a bogus replica sends PSYNC with offsets a real redsim primary cannot
// serve. The replica must log the problem, drop the link, retry with a pause between attempts,
// never crash, and never present a partial dataset as a completed sync (INFO's
// master_link_status / master_sync_in_progress say what Redis says). Deterministic: each test is
// one seed of virtual time.
#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>

#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "engine/persistence/rdb_file.h"
#include "engine/replication/replication.h"
#include "engine/resp/request_parser.h"
#include "world/world.h"

namespace redsim::world {
namespace {

constexpr int64_t kMs = 1'000'000;
constexpr int64_t kSec = 1'000 * kMs;
const char kFakeAddress[] = "10.0.0.99";
const std::string kReplid(40, 'a');

std::string MakeRdb(const std::vector<std::pair<std::string, std::string>>& kv) {
  std::string out;
  rdb::FileWriter fw(&out, /*compress=*/false, /*checksum=*/true);
  fw.Header({{"redis-ver", "7.0.15"}});
  fw.SelectDb(0, kv.size(), 0);
  for (const auto& [k, v] : kv) fw.Entry(k, Value::String(v), 0, -1, -1);
  fw.Finish();
  return out;
}

// What the fake primary does on one connection once the replica sends PSYNC.
class FakeConn;
using PsyncScript = std::function<void(FakeConn& conn, const std::vector<std::string>& psync)>;

class FakeConn : public StreamHandler {
 public:
  FakeConn(World* w, sim::HostId host, std::unique_ptr<Stream> s, PsyncScript script)
      : w_(w), host_(host), stream_(std::move(s)), script_(std::move(script)) {
    stream_->SetHandler(this);
  }
  ~FakeConn() override { Close(); }

  void OnReadable() override {
    if (!stream_) return;
    char buf[4096];
    while (true) {
      IoResult r = stream_->Read(buf, sizeof(buf));
      if (r.kind != IoResult::kOk) break;
      in_.append(buf, r.bytes);
    }
    while (stream_) {
      size_t used = 0;
      std::vector<std::string_view> args;
      std::string error;
      auto res = parser_.Parse(in_.data(), in_.size(), ParserLimits{}, &used, &args, &error);
      if (res != RequestParser::Result::kCommand) break;
      std::vector<std::string> cmd(args.begin(), args.end());
      in_.erase(0, used);
      if (cmd.empty()) continue;
      commands.push_back(cmd);
      if (cmd[0] == "PING")
        Send("+PONG\r\n");
      else if (cmd[0] == "REPLCONF" && cmd.size() > 1 && cmd[1] != "ACK")
        Send("+OK\r\n");
      else if (cmd[0] == "PSYNC")
        script_(*this, cmd);
    }
  }
  void OnWritable() override { Flush(); }

  void Send(const std::string& bytes) {
    out_ += bytes;
    Flush();
  }
  // Sends `bytes` after `delay_ns` of virtual time (if the connection is still open).
  void SendLater(int64_t delay_ns, std::string bytes, bool close_after = false) {
    w_->sim().After(delay_ns, host_, [this, bytes, close_after] {
      if (!stream_) return;
      Send(bytes);
      if (close_after) Close();
    });
  }
  void Close() {
    if (!stream_) return;
    stream_->SetHandler(nullptr);
    stream_->Close();
    stream_.reset();
  }
  bool open() const { return stream_ != nullptr; }

  std::vector<std::vector<std::string>> commands;

 private:
  void Flush() {
    if (!stream_ || out_.empty()) return;
    IoResult r = stream_->Write(out_.data(), out_.size());
    if (r.kind == IoResult::kOk) out_.erase(0, r.bytes);
  }
  World* w_;
  sim::HostId host_;
  std::unique_ptr<Stream> stream_;
  std::string in_, out_;
  RequestParser parser_;
  PsyncScript script_;
};

// A scripted primary: connection number i runs scripts[min(i, last)].
class FakePrimary : public AcceptHandler {
 public:
  FakePrimary(World* w, std::vector<PsyncScript> scripts) : w_(w), scripts_(std::move(scripts)) {
    host_ = w_->sim().AddHost("fake-primary", kFakeAddress);
    Status s = w_->net().Listen(host_, 6379, this, &listener_);
    EXPECT_TRUE(s.ok());
  }
  void OnAccept(std::unique_ptr<Stream> stream) override {
    size_t i = std::min(conns.size(), scripts_.size() - 1);
    accept_times_ns.push_back(w_->sim().now_ns());
    conns.push_back(std::make_unique<FakeConn>(w_, host_, std::move(stream), scripts_[i]));
  }
  // The smallest pause between two consecutive connection attempts.
  int64_t MinGapNs() const {
    int64_t gap = INT64_MAX;
    for (size_t i = 1; i < accept_times_ns.size(); i++) {
      gap = std::min(gap, accept_times_ns[i] - accept_times_ns[i - 1]);
    }
    return gap;
  }

  std::vector<std::unique_ptr<FakeConn>> conns;
  std::vector<int64_t> accept_times_ns;

 private:
  World* w_;
  sim::HostId host_;
  std::unique_ptr<Listener> listener_;
  std::vector<PsyncScript> scripts_;
};

std::string FullResyncHeader(int64_t offset = 100) {
  return "+FULLRESYNC " + kReplid + " " + std::to_string(offset) + "\r\n";
}

// A replica of the fake primary, with its log captured.
class BadPeerTest : public ::testing::Test {
 protected:
  void StartReplica(std::vector<PsyncScript> scripts) {
    log_stream_ = std::make_shared<std::ostringstream>();
    auto sink = std::make_shared<spdlog::sinks::ostream_sink_st>(*log_stream_);
    world_.set_log_sink(std::make_shared<spdlog::logger>("replica", sink));
    fake_ = std::make_unique<FakePrimary>(&world_, std::move(scripts));
    ServerConfig config;
    config.port = 6379;
    config.save.clear();
    config.repl_timeout = 3;
    config.replicaof = std::string(kFakeAddress) + " 6379";
    replica_ = world_.AddNode("replica", config);
    replica_->Start();
  }
  void RunFor(int64_t ns) { world_.sim().RunUntil(world_.sim().now_ns() + ns); }
  std::string Info() {
    std::string out;
    replica_->server()->replication()->AppendInfo(&out);
    return out;
  }
  bool Has(const std::string& key, std::string* value = nullptr) {
    Server* s = replica_->server();
    DbEntry* e = s->keyspace().Peek(s->keyspace().db(0), key);
    if (e != nullptr && value != nullptr) *value = e->value.ToString();
    return e != nullptr;
  }
  std::string Log() const { return log_stream_->str(); }
  // The PSYNC the replica sent on connection `i` (empty if none).
  std::vector<std::string> PsyncOf(size_t i) {
    if (i >= fake_->conns.size()) return {};
    for (const auto& cmd : fake_->conns[i]->commands) {
      if (cmd[0] == "PSYNC") return cmd;
    }
    return {};
  }
  // The replica is alive, disconnected, not syncing, and has retried with pauses.
  void ExpectDroppedAndRetrying(size_t min_attempts) {
    ASSERT_TRUE(replica_->up());
    std::string info = Info();
    EXPECT_NE(info.find("master_link_status:down"), std::string::npos) << info;
    EXPECT_GE(fake_->accept_times_ns.size(), min_attempts) << Log();
    // Redis retries once a second from its cron; never a hot loop.
    EXPECT_GE(fake_->MinGapNs(), 900 * kMs);
  }

  World world_{7};
  std::shared_ptr<std::ostringstream> log_stream_;
  std::unique_ptr<FakePrimary> fake_;
  SimNode* replica_ = nullptr;
};

TEST_F(BadPeerTest, GarbageReplyToPsyncIsLoggedAndRetried) {
  StartReplica({[](FakeConn& c, const std::vector<std::string>&) {
    c.Send("%%% not a reply at all \x01\x02\r\n");
  }});
  RunFor(6 * kSec);
  ExpectDroppedAndRetrying(4);
  EXPECT_NE(Log().find("Unexpected reply to PSYNC"), std::string::npos) << Log();
  EXPECT_NE(Info().find("master_sync_in_progress:0"), std::string::npos);
}

// As in Redis 7.0: a server started with `replicaof` has no history to offer (PSYNC ? -1); a
// primary turned replica at runtime offers its own (PSYNC <own id> <offset+1>).
TEST_F(BadPeerTest, StartupAndRuntimeReplicaofOfferTheRightHistory) {
  StartReplica({[](FakeConn& c, const std::vector<std::string>&) { c.Send("-ERR no\r\n"); }});
  RunFor(100 * kMs);
  EXPECT_EQ(PsyncOf(0), (std::vector<std::string>{"PSYNC", "?", "-1"}));
  ServerConfig config;
  config.port = 6379;
  config.save.clear();
  SimNode* other = world_.AddNode("other", config);
  other->Start();
  Replication* repl = other->server()->replication();
  std::string own_id = repl->replid();
  repl->ReplicaOf(kFakeAddress, 6379);
  RunFor(100 * kMs);
  ASSERT_GE(fake_->conns.size(), 2u);
  EXPECT_EQ(
      PsyncOf(fake_->conns.size() - 1),
      (std::vector<std::string>{"PSYNC", own_id, std::to_string(repl->master_repl_offset() + 1)}));
}

TEST_F(BadPeerTest, BadPayloadHeadersAreRejected) {
  // Not '$'; a length beyond any sane bound; a negative length; a short EOF mark.
  std::vector<std::string> headers = {"*3\r\n", "$99999999999999999\r\n", "$-5\r\n",
                                      "$EOF:abc\r\n"};
  std::vector<PsyncScript> scripts;
  for (const auto& h : headers) {
    scripts.push_back(
        [h](FakeConn& c, const std::vector<std::string>&) { c.Send(FullResyncHeader() + h); });
  }
  StartReplica(scripts);
  RunFor(8 * kSec);
  ExpectDroppedAndRetrying(headers.size() + 1);
  EXPECT_NE(Log().find("first byte is not '$'"), std::string::npos) << Log();
  EXPECT_NE(Log().find("bad bulk length from master: $99999999999999999"), std::string::npos);
  EXPECT_NE(Log().find("bad bulk length from master: $-5"), std::string::npos);
  EXPECT_NE(Log().find("bad EOF mark"), std::string::npos);
}

// A good first sync, then a transfer that is cut: the old dataset stays served (stale, with the
// link down and a sync in progress) and is replaced only by a later complete transfer.
TEST_F(BadPeerTest, TruncatedRdbKeepsTheOldDatasetUntilAFullTransfer) {
  std::string old_rdb = MakeRdb({{"old", "1"}});
  std::string new_rdb = MakeRdb({{"new", "2"}, {"other", "3"}});
  StartReplica({
      [old_rdb](FakeConn& c, const std::vector<std::string>&) {
        c.Send(FullResyncHeader() + "$" + std::to_string(old_rdb.size()) + "\r\n" + old_rdb);
        c.SendLater(500 * kMs, "", /*close_after=*/true);  // the primary goes away
      },
      [new_rdb](FakeConn& c, const std::vector<std::string>&) {
        c.Send(FullResyncHeader() + "$" + std::to_string(new_rdb.size()) + "\r\n" +
               new_rdb.substr(0, new_rdb.size() / 2));
        c.SendLater(2 * kSec, "", /*close_after=*/true);  // cut mid-transfer
      },
      [new_rdb](FakeConn& c, const std::vector<std::string>&) {
        c.Send(FullResyncHeader() + "$" + std::to_string(new_rdb.size()) + "\r\n" + new_rdb);
      },
  });
  RunFor(300 * kMs);
  std::string v;
  ASSERT_TRUE(Has("old", &v)) << Log();
  EXPECT_EQ(v, "1");
  EXPECT_NE(Info().find("master_link_status:up"), std::string::npos) << Info();
  // The first link closed at 0.5 s; the next attempt starts the truncated transfer.
  RunFor(1500 * kMs);
  ASSERT_EQ(fake_->conns.size(), 2u) << Log();
  std::string info = Info();
  EXPECT_NE(info.find("master_link_status:down"), std::string::npos) << info;
  EXPECT_NE(info.find("master_sync_in_progress:1"), std::string::npos) << info;
  EXPECT_TRUE(Has("old"));  // stale data served, never half of the new one
  EXPECT_FALSE(Has("new"));
  RunFor(2 * kSec);  // the cut
  info = Info();
  EXPECT_NE(info.find("master_link_status:down"), std::string::npos) << info;
  EXPECT_NE(info.find("master_sync_in_progress:0"), std::string::npos) << info;
  EXPECT_NE(Log().find("connection closed by master"), std::string::npos) << Log();
  EXPECT_TRUE(Has("old"));
  EXPECT_FALSE(Has("new"));
  RunFor(3 * kSec);  // retry, complete transfer
  ASSERT_EQ(fake_->conns.size(), 3u) << Log();
  EXPECT_NE(Info().find("master_link_status:up"), std::string::npos) << Info();
  EXPECT_FALSE(Has("old"));
  ASSERT_TRUE(Has("new", &v));
  EXPECT_EQ(v, "2");
  EXPECT_TRUE(Has("other"));
  // The retry after a cut transfer offers the history it had (partial resync attempt).
  std::vector<std::string> psync = PsyncOf(1);
  ASSERT_EQ(psync.size(), 3u);
  EXPECT_EQ(psync[1], kReplid);
}

// A diskless (EOF-marked) transfer cut before its end mark: nothing is loaded.
TEST_F(BadPeerTest, EofMarkedTransferCutBeforeTheMarkLoadsNothing) {
  std::string rdb = MakeRdb({{"k", "v"}});
  StartReplica({[rdb](FakeConn& c, const std::vector<std::string>&) {
    c.Send(FullResyncHeader() + "$EOF:" + std::string(40, 'e') + "\r\n" + rdb);
    c.SendLater(100 * kMs, "", /*close_after=*/true);
  }});
  RunFor(50 * kMs);
  EXPECT_NE(Info().find("master_sync_in_progress:1"), std::string::npos) << Info();
  RunFor(3 * kSec);
  ExpectDroppedAndRetrying(3);
  EXPECT_NE(Log().find("connection closed by master"), std::string::npos) << Log();
  EXPECT_NE(Info().find("master_sync_in_progress:0"), std::string::npos);
  EXPECT_FALSE(Has("k"));
}

TEST_F(BadPeerTest, PrimarySilentMidTransferTimesOutAndRetries) {
  std::string rdb = MakeRdb({{"k", "v"}});
  StartReplica({[rdb](FakeConn& c, const std::vector<std::string>&) {
    c.Send(FullResyncHeader() + "$" + std::to_string(rdb.size()) + "\r\n" + rdb.substr(0, 10));
    // ...and nothing more, connection left open.
  }});
  RunFor(1 * kSec);
  std::string info = Info();
  EXPECT_NE(info.find("master_sync_in_progress:1"), std::string::npos) << info;
  EXPECT_NE(info.find("master_link_status:down"), std::string::npos) << info;
  EXPECT_EQ(fake_->accept_times_ns.size(), 1u);
  RunFor(9 * kSec);  // repl-timeout is 3 s
  ExpectDroppedAndRetrying(2);
  EXPECT_GE(fake_->MinGapNs(), 3 * kSec);  // each attempt waited for the timeout
  EXPECT_NE(Log().find("Timeout connecting to the MASTER"), std::string::npos) << Log();
  EXPECT_FALSE(Has("k"));
}

TEST_F(BadPeerTest, CorruptRdbIsNotLoaded) {
  std::string rdb = MakeRdb({{"a", "1"}, {"b", "2"}});
  std::string corrupt = rdb;
  corrupt[corrupt.size() / 2] ^= 0x5a;  // the checksum no longer matches (or a type is bogus)
  std::string garbage = "REDIS0009" + std::string(64, '\xee');
  StartReplica({
      [corrupt](FakeConn& c, const std::vector<std::string>&) {
        c.Send(FullResyncHeader() + "$" + std::to_string(corrupt.size()) + "\r\n" + corrupt);
      },
      [garbage](FakeConn& c, const std::vector<std::string>&) {
        std::string mark(40, 'm');
        c.Send(FullResyncHeader() + "$EOF:" + mark + "\r\n" + garbage + mark);
      },
  });
  RunFor(5 * kSec);
  ExpectDroppedAndRetrying(3);
  EXPECT_NE(Log().find("Failed trying to load the MASTER synchronization DB"), std::string::npos)
      << Log();
  EXPECT_FALSE(Has("a"));
  EXPECT_FALSE(Has("b"));
  EXPECT_NE(Info().find("master_sync_in_progress:0"), std::string::npos);
}

// After a good sync, a protocol error in the command stream drops the link; the retry asks for
// a partial resync from the offset the replica had reached.
TEST_F(BadPeerTest, GarbageInTheCommandStreamDropsTheLinkAndPsyncsFromItsOffset) {
  std::string rdb = MakeRdb({{"a", "1"}});
  std::string set_cmd = "*3\r\n$3\r\nSET\r\n$1\r\nb\r\n$1\r\n2\r\n";
  StartReplica({
      [rdb, set_cmd](FakeConn& c, const std::vector<std::string>&) {
        c.Send(FullResyncHeader(100) + "$" + std::to_string(rdb.size()) + "\r\n" + rdb);
        c.SendLater(200 * kMs, set_cmd);
        c.SendLater(400 * kMs, "*1\r\n$xyz\r\n");  // not a bulk length
      },
      [](FakeConn& c, const std::vector<std::string>&) { c.Send("-ERR go away\r\n"); },
  });
  RunFor(300 * kMs);
  EXPECT_TRUE(Has("b"));
  RunFor(2 * kSec);
  ASSERT_GE(fake_->conns.size(), 2u) << Log();
  ASSERT_TRUE(replica_->up());
  std::vector<std::string> psync = PsyncOf(1);
  ASSERT_EQ(psync.size(), 3u);
  EXPECT_EQ(psync[1], kReplid);
  EXPECT_EQ(psync[2], std::to_string(100 + set_cmd.size() + 1));
  EXPECT_TRUE(Has("a"));
  EXPECT_TRUE(Has("b"));
  EXPECT_NE(Info().find("master_link_status:down"), std::string::npos);
}

// A replica (here a raw client) that asks to continue from an offset the primary cannot serve
// gets a full resynchronisation, never +CONTINUE with wrong bytes.
TEST(BogusReplica, UnservablePsyncOffsetsGetFullResync) {
  World w(11);
  ServerConfig config;
  config.port = 6379;
  config.save.clear();
  SimNode* primary = w.AddNode("n1", config);
  primary->Start();
  Replication* repl = primary->server()->replication();
  std::vector<std::vector<std::string>> requests;
  std::vector<std::string> first_lines;
  SimClient* writer = w.AddClient();
  std::vector<sim::HostId> hosts;
  for (int i = 0; i < 8; i++) hosts.push_back(w.AddClient()->host());
  std::vector<std::unique_ptr<SimClient>> replicas;
  w.sim().Spawn([&] {
    ASSERT_TRUE(writer->Connect(primary->address(), 6379, kSec));
    // A real replica first, so that the backlog exists and has history.
    auto good = std::make_unique<SimClient>(&w, hosts[0]);
    ASSERT_TRUE(good->Connect(primary->address(), 6379, kSec));
    CallResult r = good->Call({"PSYNC", "?", "-1"}, kSec);
    ASSERT_TRUE(r.ok());
    for (int i = 0; i < 50; i++) writer->Call({"SET", "k" + std::to_string(i), "v"}, kSec);
    std::string id = repl->replid();
    int64_t end = repl->master_repl_offset();
    requests = {{"PSYNC", id, std::to_string(end + 1000)},  // the future
                {"PSYNC", id, "0"},                         // before the backlog
                {"PSYNC", id, "-7"},
                {"PSYNC", id, "not-a-number"},
                {"PSYNC", std::string(40, 'f'), std::to_string(end + 1)},  // unknown history
                {"PSYNC", id, std::to_string(end + 1)}};                   // fine: +CONTINUE
    for (const auto& req : requests) {
      auto c = std::make_unique<SimClient>(&w, hosts[1 + replicas.size()]);
      ASSERT_TRUE(c->Connect(primary->address(), 6379, kSec));
      CallResult pr = c->Call(req, kSec);
      first_lines.push_back(pr.status == CallResult::Status::kReply ? pr.reply.str : "(none)");
      replicas.push_back(std::move(c));
    }
    replicas.push_back(std::move(good));
  });
  w.Run(3 * kSec);
  ASSERT_EQ(first_lines.size(), requests.size());
  for (size_t i = 0; i + 1 < requests.size(); i++) {
    EXPECT_EQ(first_lines[i].rfind("FULLRESYNC " + repl->replid() + " ", 0), 0u)
        << requests[i][2] << " -> " << first_lines[i];
  }
  // Without REPLCONF capa psync2 the reply carries no replication id, as in Redis.
  EXPECT_EQ(first_lines.back(), "CONTINUE");
  EXPECT_TRUE(primary->up());
  EXPECT_EQ(repl->sync_partial_ok(), 1u);
  EXPECT_EQ(repl->sync_partial_err(), 5u);  // "?" is not counted as a failed partial attempt
  for (auto& c : replicas) c->Disconnect();
}

}  // namespace
}  // namespace redsim::world

namespace redsim::world {
namespace {

// A full sync must carry every type: keys written before the replica connected reach it only
// through the RDB payload. On main the RDB writer has no codec for collections yet and skips
// them silently (the persist-types branch adds the codecs): enable this test once it is merged.
TEST(FullSync, DISABLED_CarriesSetsWrittenBeforeTheReplicaConnected) {
  World w(3);
  ServerConfig config;
  config.port = 6379;
  config.save.clear();
  SimNode* p = w.AddNode("n1", config);
  ServerConfig rc = config;
  rc.replicaof = p->address() + " 6379";
  SimNode* r = w.AddNode("n2", rc);
  p->Start();
  SimClient* cl = w.AddClient();
  w.sim().Spawn([&] {
    ASSERT_TRUE(cl->Connect(p->address(), 6379, kSec));
    cl->Call({"SADD", "s", "1", "x"}, kSec);
    cl->Call({"RPUSH", "l", "a", "b"}, kSec);
    cl->Call({"SET", "t", "2"}, kSec);
    r->Start();
  });
  w.Run(2 * kSec);
  Server* rs = r->server();
  EXPECT_NE(rs->keyspace().Peek(rs->keyspace().db(0), "t"), nullptr);
  EXPECT_NE(rs->keyspace().Peek(rs->keyspace().db(0), "s"), nullptr);
  EXPECT_NE(rs->keyspace().Peek(rs->keyspace().db(0), "l"), nullptr);
}

}  // namespace
}  // namespace redsim::world
