// Sentinel's rules in-process, on a ManualEnv without network: config directives (validation,
// rewrite round trip), hello messages, the vote and election rules, replica selection, TILT, and
// the shapes of SENTINEL replies.
#include "engine/sentinel/sentinel.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "engine/resp/resp_value.h"
#include "engine/sentinel/sentinel_config.h"
#include "engine/sentinel/sentinel_core.h"
#include "engine/server/config.h"
#include "engine/server/server.h"
#include "tests/support/manual_env.h"

namespace redsim {
namespace {

const std::string kIdA(40, 'a');
const std::string kIdB(40, 'b');
const std::string kIdC(40, 'c');
const std::string kIdD(40, 'd');

// No network: every connection attempt fails later, as to an unreachable host.
class NoNetworkEnv : public testing::ManualEnv {
 public:
  void Connect(const std::string&, int, int64_t, ConnectCallback done) override {
    Defer([done] { done(Status::IoError("unreachable"), nullptr); });
  }
};

// A stream that accepts every write and never delivers anything.
class SilentStream : public Stream {
 public:
  void SetHandler(StreamHandler*) override {}
  IoResult Read(char*, size_t) override { return IoResult::WouldBlock(); }
  IoResult Write(const char*, size_t size) override { return IoResult::Ok(size); }
  void Close() override {}
  std::string PeerAddress() const override { return "10.0.0.9:1"; }
  std::string LocalAddress() const override { return "10.0.0.1:2"; }
};

class SentinelTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/redsim-sentinel-unit-XXXXXX";
    dir_ = mkdtemp(tmpl);
  }
  void TearDown() override {
    server_.reset();
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }

  // Builds and starts a Sentinel from config text; `file` makes it keep its state there.
  void Build(const std::string& text, bool file = false) {
    Server::Options o;
    o.env = &env_;
    o.config.sentinel_mode = true;
    o.config.port = 26379;
    o.config.dir = dir_;
    ASSERT_EQ(ConfigRegistry::Get().LoadText(o.config, text, "test"), "");
    if (file) {
      o.config_file = dir_ + "/sentinel.conf";
      FILE* f = fopen(o.config_file.c_str(), "w");
      fputs(text.c_str(), f);
      fclose(f);
    }
    server_ = std::make_unique<Server>(std::move(o));
    ASSERT_TRUE(server_->Start().ok());
    server_->sentinel()->SetEventHook([this](const SentinelEvent& e) { events_.push_back(e); });
    client_ = server_->CreateFakeClient();
  }
  SentinelCore& core() { return server_->sentinel()->core(); }
  SentinelInstance* master() { return core().FindMaster("m"); }

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

  // A replica that looks healthy and connected, with the given selection fields.
  SentinelInstance* Replica(int port, int64_t priority, int64_t offset, const std::string& runid) {
    SentinelInstance* r = core().AddInstance(master(), kSriReplica, "10.0.0.2", port, "");
    r->cmd->Attach(std::make_unique<SilentStream>());
    r->slave_priority = priority;
    r->slave_repl_offset = offset;
    r->run_id = runid;
    r->last_avail_us = env_.NowMicros();
    r->info_refresh_us = env_.NowMicros();
    return r;
  }
  bool Saw(const std::string& type) const {
    for (const auto& e : events_) {
      if (e.type == type) return true;
    }
    return false;
  }

  NoNetworkEnv env_;
  std::string dir_;
  std::unique_ptr<Server> server_;
  Client* client_ = nullptr;
  std::vector<SentinelEvent> events_;
};

const char* kBasic =
    "sentinel monitor m 10.0.0.1 6379 2\n"
    "sentinel down-after-milliseconds m 1000\n";

// ---- Config ------------------------------------------------------------------------------------

TEST(SentinelConfigTest, BadDirectivesNameTheLine) {
  ServerConfig c;
  std::string e = ConfigRegistry::Get().LoadText(c, "port 1\nsentinel frob m 1\n", "f.conf");
  EXPECT_NE(e.find("at line 2"), std::string::npos) << e;
  EXPECT_NE(e.find("Unrecognized sentinel configuration statement"), std::string::npos) << e;
  ServerConfig c2;
  e = ConfigRegistry::Get().LoadText(c2, "sentinel down-after-milliseconds m 10\n", "f.conf");
  EXPECT_NE(e.find("No such master"), std::string::npos) << e;
  ServerConfig c3;
  e = ConfigRegistry::Get().LoadText(c3, "sentinel monitor m 1.2.3.4 6379 0\n", "f.conf");
  EXPECT_NE(e.find("Quorum"), std::string::npos) << e;
  ServerConfig c4;
  e = ConfigRegistry::Get().LoadText(c4, "sentinel monitor m 1.2.3.4 x 2\n", "f.conf");
  EXPECT_NE(e.find("port"), std::string::npos) << e;
  ServerConfig c5;
  e = ConfigRegistry::Get().LoadText(c5, "sentinel myid xyz\n", "f.conf");
  EXPECT_NE(e.find("myid"), std::string::npos) << e;
  ServerConfig ok;
  EXPECT_EQ(ConfigRegistry::Get().LoadText(ok, kBasic, "f.conf"), "");
  EXPECT_EQ(ok.sentinel_directives.size(), 2u);
}

TEST_F(SentinelTest, ConfigRewriteRoundTrip) {
  std::string text = std::string(kBasic) + "sentinel myid " + kIdA +
                     "\nsentinel failover-timeout m 5000\nsentinel parallel-syncs m 2\n"
                     "sentinel config-epoch m 3\nsentinel leader-epoch m 4\n"
                     "sentinel known-replica m 10.0.0.2 6380\n"
                     "sentinel known-sentinel m 10.0.0.5 26379 " +
                     kIdB + "\nsentinel current-epoch 7\n";
  Build(text, /*file=*/true);
  EXPECT_EQ(core().my_id(), kIdA);
  EXPECT_EQ(core().current_epoch(), 7u);
  std::vector<std::string> lines = core().StateLines();
  std::string written;
  ASSERT_TRUE(env_.ReadFileToString(dir_ + "/sentinel.conf", &written).ok());
  for (const auto& l : lines) EXPECT_NE(written.find(l + "\n"), std::string::npos) << l;
  // A second Sentinel built from the rewritten file has the same state.
  server_.reset();
  Build(written);
  EXPECT_EQ(core().StateLines(), lines);
  EXPECT_EQ(master()->config_epoch, 3u);
  EXPECT_EQ(master()->replicas.size(), 1u);
  EXPECT_EQ(master()->sentinels.count(kIdB), 1u);
}

TEST(SentinelHelloTest, FormatAndParse) {
  HelloMessage h;
  h.ip = "10.0.0.3";
  h.port = 26379;
  h.run_id = kIdC;
  h.current_epoch = 5;
  h.master_name = "m";
  h.master_ip = "10.0.0.1";
  h.master_port = 6379;
  h.master_config_epoch = 4;
  std::string text = h.Format();
  EXPECT_EQ(text, "10.0.0.3,26379," + kIdC + ",5,m,10.0.0.1,6379,4");
  HelloMessage back;
  ASSERT_TRUE(HelloMessage::Parse(text, &back));
  EXPECT_EQ(back.Format(), text);
  EXPECT_FALSE(HelloMessage::Parse("a,b,c", &back));
  EXPECT_FALSE(HelloMessage::Parse("10.0.0.3,26379,short,5,m,10.0.0.1,6379,4", &back));
  EXPECT_FALSE(HelloMessage::Parse("10.0.0.3,0," + kIdC + ",5,m,10.0.0.1,6379,4", &back));
  EXPECT_FALSE(HelloMessage::Parse("10.0.0.3,1," + kIdC + ",x,m,10.0.0.1,6379,4", &back));
  EXPECT_FALSE(HelloMessage::Parse(text + ",9", &back));
}

TEST_F(SentinelTest, HelloAddsSentinelsAdoptsEpochsAndSwitchesMaster) {
  Build(kBasic);
  core().ProcessHello("10.0.0.5,26379," + kIdB + ",3,m,10.0.0.1,6379,0");
  EXPECT_EQ(master()->sentinels.count(kIdB), 1u);
  EXPECT_EQ(core().current_epoch(), 3u);
  EXPECT_TRUE(Saw("+sentinel"));
  EXPECT_TRUE(Saw("+new-epoch"));
  // A newer config epoch with another address moves the primary.
  core().ProcessHello("10.0.0.5,26379," + kIdB + ",3,m,10.0.0.2,6380,2");
  std::string ip;
  int port = 0;
  ASSERT_TRUE(server_->sentinel()->MasterAddress("m", &ip, &port));
  EXPECT_EQ(ip + ":" + std::to_string(port), "10.0.0.2:6380");
  EXPECT_EQ(server_->sentinel()->MasterConfigEpoch("m"), 2u);
  EXPECT_TRUE(Saw("+switch-master"));
  EXPECT_EQ(master()->replicas.count("10.0.0.1:6379"), 1u);  // the old primary, as a replica
  // An older config epoch changes nothing.
  core().ProcessHello("10.0.0.5,26379," + kIdB + ",3,m,10.0.0.9,6379,1");
  ASSERT_TRUE(server_->sentinel()->MasterAddress("m", &ip, &port));
  EXPECT_EQ(ip, "10.0.0.2");
}

// ---- Votes and elections -----------------------------------------------------------------------

TEST_F(SentinelTest, OneVotePerEpoch) {
  Build(kBasic);
  uint64_t epoch = 0;
  EXPECT_EQ(core().VoteLeader(master(), 5, kIdB, &epoch), kIdB);
  EXPECT_EQ(epoch, 5u);
  EXPECT_EQ(core().current_epoch(), 5u);
  // Same epoch, another candidate: the first vote stands.
  EXPECT_EQ(core().VoteLeader(master(), 5, kIdC, &epoch), kIdB);
  // An older epoch: refused.
  EXPECT_EQ(core().VoteLeader(master(), 4, kIdC, &epoch), kIdB);
  EXPECT_EQ(epoch, 5u);
  // A newer one: granted.
  EXPECT_EQ(core().VoteLeader(master(), 6, kIdC, &epoch), kIdC);
  EXPECT_EQ(epoch, 6u);
  const auto& votes = server_->sentinel()->votes();
  EXPECT_EQ(votes.at({"m", 5}), kIdB);
  EXPECT_EQ(votes.at({"m", 6}), kIdC);
  // Through the command, as other Sentinels ask.
  RespValue r = Run({"SENTINEL", "IS-MASTER-DOWN-BY-ADDR", "10.0.0.1", "6379", "7", kIdD});
  ASSERT_EQ(r.elements.size(), 3u);
  EXPECT_EQ(r.elements[0].integer, 0);  // not down from here
  EXPECT_EQ(r.elements[1].str, kIdD);
  EXPECT_EQ(r.elements[2].integer, 7);
}

TEST_F(SentinelTest, LeaderNeedsMajorityOfAllKnownSentinelsAndQuorum) {
  Build(kBasic);
  SentinelInstance* m = master();
  auto* b = core().AddInstance(m, kSriSentinel, "10.0.0.5", 26379, kIdB);
  auto* c = core().AddInstance(m, kSriSentinel, "10.0.0.6", 26379, kIdC);
  // No one else voted in epoch 1: we vote for ourselves, 1 of 3 is no majority.
  EXPECT_EQ(core().GetLeader(m, 1), "");
  // B voted for us in epoch 1: 2 of 3, and quorum 2.
  b->leader = core().my_id();
  b->leader_epoch = 1;
  EXPECT_EQ(core().GetLeader(m, 1), core().my_id());
  // Epoch 2: B and C voted for C; we follow the leading candidate.
  b->leader = kIdC;
  b->leader_epoch = 2;
  c->leader = kIdC;
  c->leader_epoch = 2;
  EXPECT_EQ(core().GetLeader(m, 2), kIdC);
  EXPECT_EQ(m->leader, kIdC);
  // Votes of another epoch do not count.
  EXPECT_EQ(core().GetLeader(m, 3), "");
  // Quorum above the majority: 3 of 3 needed.
  m->quorum = 3;
  b->leader = core().my_id();
  b->leader_epoch = 4;
  EXPECT_EQ(core().GetLeader(m, 4), "");
}

// ---- Replica selection -------------------------------------------------------------------------

TEST_F(SentinelTest, ReplicaSelectionOrder) {
  Build(kBasic);
  Replica(1, 100, 500, kIdC);
  SentinelInstance* best_offset = Replica(2, 100, 900, kIdD);
  EXPECT_EQ(core().SelectReplica(master()), best_offset);
  SentinelInstance* low_priority = Replica(3, 10, 1, kIdD);
  EXPECT_EQ(core().SelectReplica(master()), low_priority);
  low_priority->slave_priority = 0;  // never promoted
  EXPECT_EQ(core().SelectReplica(master()), best_offset);
  SentinelInstance* same_offset = Replica(4, 100, 900, kIdB);  // smaller run id wins the tie
  EXPECT_EQ(core().SelectReplica(master()), same_offset);
}

TEST_F(SentinelTest, ReplicaSelectionExcludesStaleAndDown) {
  Build(kBasic);
  SentinelInstance* m = master();
  SentinelInstance* r1 = Replica(1, 100, 900, kIdB);
  SentinelInstance* r2 = Replica(2, 100, 100, kIdC);
  // Link to the primary down longer than down-after * 10 (+ the primary's down time): stale.
  r1->master_link_down_ms = 10 * 1000 + 1;
  EXPECT_EQ(core().SelectReplica(m), r2);
  m->flags |= kSriSDown;
  m->s_down_since_us = env_.NowMicros() - 5'000'000;  // the primary is down for 5 s
  EXPECT_EQ(core().SelectReplica(m), r1);             // 10.001 s < 10 s + 5 s
  r1->flags |= kSriSDown;
  EXPECT_EQ(core().SelectReplica(m), r2);
  r2->cmd->Close();  // disconnected
  EXPECT_EQ(core().SelectReplica(m), nullptr);
}

// ---- TILT --------------------------------------------------------------------------------------

TEST_F(SentinelTest, WallClockJumpEntersTiltForThirtySeconds) {
  Build(kBasic);
  env_.Advance(500'000);
  EXPECT_FALSE(server_->sentinel()->tilt());
  env_.set_wall_offset_us(1'700'000'000'000'000 - 10'000'000);  // 10 s backwards
  env_.Advance(200'000);
  EXPECT_TRUE(server_->sentinel()->tilt());
  EXPECT_TRUE(Saw("+tilt"));
  EXPECT_NE(Run({"INFO", "sentinel"}).str.find("sentinel_tilt:1"), std::string::npos);
  env_.Advance(29'000'000);
  EXPECT_TRUE(server_->sentinel()->tilt());
  env_.Advance(2'000'000);
  EXPECT_FALSE(server_->sentinel()->tilt());
  EXPECT_TRUE(Saw("-tilt"));
}

TEST_F(SentinelTest, UnreachablePrimaryIsSubjectivelyDownButNotObjectively) {
  Build(kBasic);
  env_.Advance(3'000'000);
  SentinelMasterView v;
  ASSERT_TRUE(server_->sentinel()->View("m", &v));
  EXPECT_TRUE(v.s_down);
  EXPECT_FALSE(v.o_down);  // quorum 2, no other Sentinel
  EXPECT_TRUE(Saw("+sdown"));
  EXPECT_FALSE(Saw("+try-failover"));
}

TEST_F(SentinelTest, InfoDiscoversReplicasAndRebootCountsAsDown) {
  Build(std::string(kBasic) + "sentinel master-reboot-down-after-period m 5000\n");
  SentinelInstance* m = master();
  std::string info = "# Replication\r\nrole:master\r\nrun_id:" + kIdA +
                     "\r\nslave0:ip=10.0.0.2,port=6380,state=online,offset=10,lag=0\r\n";
  core().RefreshFromInfo(m, info);
  EXPECT_EQ(m->replicas.count("10.0.0.2:6380"), 1u);
  EXPECT_TRUE(Saw("+slave"));
  m->act_ping_us = 0;  // answering pings
  env_.Advance(200'000);
  EXPECT_FALSE(m->is(kSriSDown));
  // Same address, new run id: the primary restarted; down for master-reboot-down-after-period.
  info.replace(info.find(kIdA), 40, kIdB);
  core().RefreshFromInfo(m, info);
  EXPECT_TRUE(Saw("+reboot"));
  m->act_ping_us = 0;
  env_.Advance(200'000);
  EXPECT_TRUE(m->is(kSriSDown));
}

// ---- Commands ----------------------------------------------------------------------------------

TEST_F(SentinelTest, CommandsAndRefusals) {
  Build(kBasic);
  EXPECT_EQ(Run({"PING"}).str, "PONG");
  RespValue role = Run({"ROLE"});
  ASSERT_EQ(role.elements.size(), 2u);
  EXPECT_EQ(role.elements[0].str, "sentinel");
  EXPECT_EQ(role.elements[1].elements[0].str, "m");
  EXPECT_EQ(Run({"GET", "x"}).str, "ERR unknown command 'GET', with args beginning with: 'x' ");
  EXPECT_EQ(Run({"SENTINEL", "NOPE"}).str, "ERR unknown subcommand 'NOPE'. Try SENTINEL HELP.");
  EXPECT_EQ(Run({"SENTINEL", "MASTER"}).str,
            "ERR wrong number of arguments for 'sentinel|master' command");
  EXPECT_EQ(Run({"SENTINEL", "MYID"}).str, core().my_id());
  RespValue addr = Run({"SENTINEL", "GET-MASTER-ADDR-BY-NAME", "m"});
  ASSERT_EQ(addr.elements.size(), 2u);
  EXPECT_EQ(addr.elements[1].str, "6379");
  EXPECT_EQ(Run({"SENTINEL", "SET", "m", "quorum", "3"}).type, RespValue::Type::kSimple);
  EXPECT_EQ(master()->quorum, 3);
  EXPECT_EQ(Run({"SENTINEL", "MONITOR", "n", "10.0.0.7", "6379", "1"}).str, "OK");
  EXPECT_EQ(Run({"SENTINEL", "MASTERS"}).elements.size(), 2u);
  EXPECT_EQ(Run({"SENTINEL", "REMOVE", "n"}).str, "OK");
  EXPECT_EQ(Run({"SENTINEL", "RESET", "*"}).integer, 1);
  EXPECT_EQ(Run({"PUBLISH", "x", "y"}).str,
            "ERR Only HELLO messages are accepted by Sentinel instances.");
  EXPECT_EQ(Run({"SENTINEL", "FAILOVER", "m"}).str, "NOGOODSLAVE No suitable replica to promote");
}

}  // namespace
}  // namespace redsim
