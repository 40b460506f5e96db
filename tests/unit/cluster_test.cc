// Cluster mode in one engine: key slots and hash tags, the per-slot key index, redirects
// (MOVED, ASK, TRYAGAIN, CROSSSLOT, CLUSTERDOWN), slot commands and nodes.conf round trips.
#include "engine/cluster/cluster.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "engine/cluster/key_slot.h"
#include "tests/support/engine_test.h"

namespace redsim::testing {
namespace {

using cluster::Crc16;
using cluster::KeySlot;

TEST(KeySlotTest, Crc16MatchesTheXmodemCheckValue) {
  EXPECT_EQ(Crc16("123456789"), 0x31C3);
  EXPECT_EQ(Crc16(""), 0);
  EXPECT_EQ(Crc16("a"), 0x7C87);
}

TEST(KeySlotTest, SlotsOfKnownKeys) {
  // Values reported by Redis 7.0's CLUSTER KEYSLOT.
  EXPECT_EQ(KeySlot("foo"), 12182);
  EXPECT_EQ(KeySlot("a"), 15495);
  EXPECT_EQ(KeySlot("x"), 16287);
  EXPECT_EQ(KeySlot(""), 0);
}

TEST(KeySlotTest, HashTags) {
  EXPECT_EQ(KeySlot("{user1}.a"), KeySlot("user1"));
  EXPECT_EQ(KeySlot("{user1}.a"), KeySlot("{user1}.b"));
  // An empty tag hashes the whole key.
  EXPECT_EQ(KeySlot("{}"), KeySlot(std::string("{}")));
  EXPECT_EQ(KeySlot("{}"), 15257);
  EXPECT_EQ(KeySlot("foo{}{bar}"), 8363);  // the first '{' pairs with the first '}' after it
  EXPECT_EQ(KeySlot("{a}{b}"), KeySlot("a"));
  EXPECT_EQ(KeySlot("foo{bar"), KeySlot("foo{bar"));
  EXPECT_EQ(cluster::HashTagOf("foo{bar"), "foo{bar");
  EXPECT_EQ(cluster::HashTagOf("foo{}{bar}"), "foo{}{bar}");
  EXPECT_EQ(cluster::HashTagOf("{a}{b}"), "a");
  EXPECT_EQ(cluster::HashTagOf("x{{a}}"), "{a");
}

class ClusterTest : public EngineTest {
 protected:
  void Configure(ServerConfig& c) override {
    c.cluster_enabled = true;
    c.port = 0;
  }
  cluster::Cluster& cl() { return *server_->cluster(); }
  std::string ReadConf() {
    std::ifstream in(dir_ + "/nodes.conf");
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }
  // Past the 2 s a master waits after startup before it declares the cluster ok.
  void AllSlotsAndWait() {
    ASSERT_EQ(Run({"CLUSTER", "ADDSLOTSRANGE", "0", "16383"}), Ok());
    AdvanceMs(2500);
  }
};

TEST_F(ClusterTest, SlotCommandsAndState) {
  EXPECT_EQ(Run({"CLUSTER", "KEYSLOT", "foo"}), Int(12182));
  EXPECT_EQ(Run({"SET", "foo", "1"}), Err("CLUSTERDOWN Hash slot not served"));
  EXPECT_EQ(Run({"CLUSTER", "ADDSLOTS", "1", "1"}), Err("ERR Slot 1 specified multiple times"));
  EXPECT_EQ(Run({"CLUSTER", "ADDSLOTS", "16384"}), Err("ERR Invalid or out of range slot"));
  EXPECT_EQ(Run({"CLUSTER", "ADDSLOTSRANGE", "5", "1"}),
            Err("ERR start slot number 5 is greater than end slot number 1"));
  AllSlotsAndWait();
  EXPECT_TRUE(cl().state_ok());
  EXPECT_EQ(Run({"CLUSTER", "ADDSLOTS", "7"}), Err("ERR Slot 7 is already busy"));
  EXPECT_EQ(Run({"SET", "foo", "1"}), Ok());
  EXPECT_EQ(Run({"MSET", "a", "1", "b", "2"}),
            Err("CROSSSLOT Keys in request don't hash to the same slot"));
  EXPECT_EQ(Run({"MSET", "{a}1", "1", "{a}2", "2"}), Ok());
  EXPECT_EQ(Run({"SELECT", "1"}), Err("ERR SELECT is not allowed in cluster mode"));
  EXPECT_EQ(Run({"SELECT", "0"}), Ok());
  EXPECT_EQ(Run({"CLUSTER", "COUNTKEYSINSLOT", "15495"}), Int(2));
  EXPECT_EQ(Run({"CLUSTER", "COUNTKEYSINSLOT", "16384"}), Err("ERR Invalid slot"));
  EXPECT_EQ(Run({"CLUSTER", "GETKEYSINSLOT", "12182", "5"}), Bulks({"foo"}));
  EXPECT_EQ(Run({"DEL", "foo"}), Int(1));
  EXPECT_EQ(Run({"CLUSTER", "COUNTKEYSINSLOT", "12182"}), Int(0));
  EXPECT_EQ(Run({"FLUSHALL"}), Ok());
  EXPECT_EQ(Run({"CLUSTER", "COUNTKEYSINSLOT", "15495"}), Int(0));
  EXPECT_EQ(Run({"CLUSTER", "DELSLOTS", "0"}), Ok());
  AdvanceMs(200);
  EXPECT_FALSE(cl().state_ok());
  EXPECT_EQ(Run({"GET", "foo"}), Err("CLUSTERDOWN The cluster is down"));
}

TEST_F(ClusterTest, TransactionsAreRoutedAsAWhole) {
  AllSlotsAndWait();
  EXPECT_EQ(Run({"MULTI"}), Ok());
  EXPECT_EQ(Run({"SET", "a", "1"}), Status("QUEUED"));
  EXPECT_EQ(Run({"SET", "b", "1"}), Status("QUEUED"));
  EXPECT_EQ(Run({"EXEC"}), Err("CROSSSLOT Keys in request don't hash to the same slot"));
  EXPECT_EQ(Run({"GET", "a"}), Nil());  // discarded, and no longer in MULTI
}

TEST_F(ClusterTest, EpochsAndConfigFile) {
  EXPECT_EQ(Run({"CLUSTER", "BUMPEPOCH"}), Status("BUMPED 1"));
  EXPECT_EQ(Run({"CLUSTER", "BUMPEPOCH"}), Status("STILL 1"));
  EXPECT_EQ(Run({"CLUSTER", "SET-CONFIG-EPOCH", "5"}),
            Err("ERR Node config epoch is already non-zero"));
  EXPECT_EQ(Run({"CLUSTER", "ADDSLOTSRANGE", "0", "99"}), Ok());
  std::string conf = ReadConf();
  EXPECT_NE(conf.find(cl().myself_id() + " :"), std::string::npos) << conf;
  EXPECT_NE(conf.find("myself,master - 0 0 1 connected 0-99\n"), std::string::npos) << conf;
  EXPECT_NE(conf.find("vars currentEpoch 1 lastVoteEpoch 0"), std::string::npos) << conf;
}

// A nodes.conf in the format real Redis writes: myself plus a second master, one slot being
// migrated to it and one being imported from it.
class ClusterFromFileTest : public ClusterTest {
 protected:
  static constexpr const char* kMe = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa1";
  static constexpr const char* kOther = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb2";
  void Configure(ServerConfig& c) override {
    ClusterTest::Configure(c);
    std::ofstream out(c.dir + "/nodes.conf");
    out << kMe << " 127.0.0.1:23451@33451 myself,master - 0 0 1 connected 0-5000 [100->-" << kOther
        << "] [6000-<-" << kOther << "]\n"
        << kOther << " 127.0.0.1:23452@33452,host2 master - 0 0 2 connected 5001-16383\n"
        << "vars currentEpoch 2 lastVoteEpoch 0\n";
  }
};

TEST_F(ClusterFromFileTest, LoadsRedisFormatAndRedirects) {
  AdvanceMs(2500);
  EXPECT_EQ(cl().myself_id(), kMe);
  EXPECT_EQ(cl().current_epoch(), 2u);
  ASSERT_NE(cl().slot_owner(9000), nullptr);
  EXPECT_EQ(cl().slot_owner(9000)->id, kOther);
  EXPECT_EQ(cl().slot_owner(9000)->hostname, "host2");
  EXPECT_TRUE(cl().state_ok());
  EXPECT_EQ(Run({"GET", "foo"}), Err("MOVED 12182 127.0.0.1:23452"));
  // k2136 hashes to the migrating slot 100, k279 to the importing slot 6000.
  EXPECT_EQ(Run({"GET", "k2136"}), Err("ASK 100 127.0.0.1:23452"));
  EXPECT_EQ(Run({"GET", "k279"}), Err("MOVED 6000 127.0.0.1:23452"));
  EXPECT_EQ(Run({"ASKING"}), Ok());
  EXPECT_EQ(Run({"SET", "k279", "v"}), Ok());
  EXPECT_EQ(Run({"GET", "k279"}), Err("MOVED 6000 127.0.0.1:23452"));  // ASKING is one-shot
  EXPECT_EQ(Run({"ASKING"}), Ok());
  EXPECT_EQ(Run({"MGET", "k279", "{k279}x"}),
            Err("TRYAGAIN Multiple keys request during rehashing of slot"));
  // Migrating slot: served while the keys are here, TRYAGAIN when only some are.
  EXPECT_EQ(Run({"ASKING"}), Ok());  // no effect on a slot we own
  EXPECT_EQ(Run({"CLUSTER", "SETSLOT", "100", "STABLE"}), Ok());
  EXPECT_EQ(Run({"SET", "k2136", "v"}), Ok());
  EXPECT_EQ(Run({"CLUSTER", "SETSLOT", "100", "MIGRATING", kOther}), Ok());
  EXPECT_EQ(Run({"GET", "k2136"}), Bulk("v"));
  EXPECT_EQ(Run({"MGET", "k2136", "{k2136}x"}),
            Err("TRYAGAIN Multiple keys request during rehashing of slot"));
  EXPECT_EQ(Run({"CLUSTER", "SETSLOT", "100", "NODE", kOther}),
            Err("ERR Can't assign hashslot 100 to a different node while I still hold keys for "
                "this hash slot."));
  // The file is rewritten in the same format, and reads back the same.
  std::string conf = ReadConf();
  EXPECT_NE(conf.find("connected 0-5000 [100->-" + std::string(kOther) + "] [6000-<-"),
            std::string::npos)
      << conf;
  EXPECT_NE(conf.find("127.0.0.1:23452@33452,host2 master - "), std::string::npos) << conf;
}

TEST_F(ClusterFromFileTest, ReadonlyReplicaReadsAndTakeover) {
  EXPECT_EQ(Run({"CLUSTER", "DELSLOTSRANGE", "0", "5000"}), Ok());
  EXPECT_EQ(Run({"CLUSTER", "REPLICATE", kOther}), Ok());
  EXPECT_EQ(Run({"CONFIG", "SET", "cluster-require-full-coverage", "no"}), Ok());
  AdvanceMs(2500);
  EXPECT_EQ(Run({"GET", "k596"}), Err("CLUSTERDOWN Hash slot not served"));  // slot 0
  EXPECT_EQ(Run({"GET", "foo"}), Err("MOVED 12182 127.0.0.1:23452"));
  EXPECT_EQ(Run({"READONLY"}), Ok());
  EXPECT_EQ(Run({"GET", "foo"}), Nil());
  EXPECT_EQ(Run({"SET", "foo", "1"}), Err("MOVED 12182 127.0.0.1:23452"));
  EXPECT_EQ(Run({"READWRITE"}), Ok());
  EXPECT_EQ(Run({"GET", "foo"}), Err("MOVED 12182 127.0.0.1:23452"));
  std::vector<cluster::EventKind> events;
  cl().SetEventHook([&](const cluster::Event& e) { events.push_back(e.kind); });
  EXPECT_EQ(Run({"CLUSTER", "FAILOVER", "TAKEOVER"}), Ok());
  EXPECT_TRUE(cl().is_master());
  EXPECT_EQ(cl().my_config_epoch(), 3u);
  EXPECT_EQ(cl().slot_owner(12182), &cl().myself());
  EXPECT_NE(std::find(events.begin(), events.end(), cluster::EventKind::kFailoverWon),
            events.end());
}

}  // namespace
}  // namespace redsim::testing
