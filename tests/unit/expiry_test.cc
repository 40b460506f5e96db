// Expiry on the manual clock: lazy (a read of an expired key deletes it), active (the periodic
// cycle samples keys with a TTL and deletes expired ones nobody reads, with bounded work per
// cycle), and the time freeze inside EXEC.
#include <string>

#include "tests/support/engine_test.h"

namespace redsim::testing {
namespace {

class ExpiryTest : public EngineTest {
 protected:
  int64_t Stat(const std::string& field) {
    RespValue info = Run({"INFO", "stats"});
    size_t pos = info.str.find(field + ":");
    if (pos == std::string::npos) return -1;
    return std::stoll(info.str.substr(pos + field.size() + 1));
  }
};

TEST_F(ExpiryTest, LazyExpiryOnRead) {
  Run({"DEBUG", "SET-ACTIVE-EXPIRE", "0"});
  EXPECT_EQ(Run({"SET", "k", "v", "PX", "100"}), Ok());
  AdvanceMs(99);
  EXPECT_EQ(Run({"GET", "k"}), Bulk("v"));
  EXPECT_EQ(Run({"PTTL", "k"}), Int(1));
  AdvanceMs(1);
  // Expired but not yet deleted: still counted by DBSIZE, as in Redis.
  EXPECT_EQ(Run({"DBSIZE"}), Int(1));
  EXPECT_EQ(Stat("expired_keys"), 0);
  EXPECT_EQ(Run({"GET", "k"}), Nil());
  EXPECT_EQ(Stat("expired_keys"), 1);
  EXPECT_EQ(Run({"DBSIZE"}), Int(0));
}

TEST_F(ExpiryTest, EveryKindOfAccessSeesExpiredKeysAsMissing) {
  Run({"DEBUG", "SET-ACTIVE-EXPIRE", "0"});
  for (const char* k : {"a", "b", "c", "d", "e", "f", "g"}) Run({"SET", k, "1", "PX", "10"});
  AdvanceMs(10);
  EXPECT_EQ(Run({"EXISTS", "a"}), Int(0));
  EXPECT_EQ(Run({"TTL", "b"}), Int(-2));
  EXPECT_EQ(Run({"TYPE", "c"}), Status("none"));
  EXPECT_EQ(Run({"INCR", "d"}), Int(1));  // a write sees an absent key
  EXPECT_EQ(Run({"TTL", "d"}), Int(-1));
  EXPECT_EQ(Run({"KEYS", "*"}), Bulks({"d"}));  // KEYS skips (without deleting) expired keys
  EXPECT_EQ(Run({"RENAME", "e", "z"}), Err("ERR no such key"));
  EXPECT_EQ(Run({"SCAN", "0", "COUNT", "100"}), Arr({Bulk("0"), Bulks({"d"})}));
  EXPECT_EQ(Run({"RANDOMKEY"}), Bulk("d"));
  EXPECT_EQ(Run({"DBSIZE"}), Int(1));
}

TEST_F(ExpiryTest, ActiveExpiryDeletesKeysNobodyReads) {
  for (int i = 0; i < 200; i++) Run({"SET", "v" + std::to_string(i), "x", "PX", "50"});
  for (int i = 0; i < 20; i++) Run({"SET", "keep" + std::to_string(i), "x", "EX", "1000"});
  for (int i = 0; i < 20; i++) Run({"SET", "plain" + std::to_string(i), "x"});
  EXPECT_EQ(Run({"DBSIZE"}), Int(240));
  AdvanceMs(2000);  // 20 cron cycles at hz 10
  EXPECT_EQ(Run({"DBSIZE"}), Int(40));
  EXPECT_EQ(Stat("expired_keys"), 200);
  EXPECT_EQ(Run({"TTL", "keep0"}), Int(998));
}

TEST_F(ExpiryTest, ActiveExpiryWorkPerCycleIsBounded) {
  // 100,000 keys expire at once: one cycle removes a bounded number, later cycles the rest.
  for (int i = 0; i < 100000; i++) Run({"SET", "v" + std::to_string(i), "x", "PX", "10"});
  AdvanceMs(100);  // exactly one cron cycle fires
  int64_t after_one = Run({"DBSIZE"}).integer;
  EXPECT_GT(after_one, 0);
  EXPECT_LT(after_one, 100000);
  AdvanceMs(60000);
  EXPECT_EQ(Run({"DBSIZE"}), Int(0));
}

TEST_F(ExpiryTest, DisabledActiveExpiryLeavesKeysUntilRead) {
  EXPECT_EQ(Run({"DEBUG", "SET-ACTIVE-EXPIRE", "0"}), Ok());
  for (int i = 0; i < 50; i++) Run({"SET", "v" + std::to_string(i), "x", "PX", "10"});
  AdvanceMs(5000);
  EXPECT_EQ(Run({"DBSIZE"}), Int(50));
  EXPECT_EQ(Run({"DEBUG", "SET-ACTIVE-EXPIRE", "1"}), Ok());
  AdvanceMs(2000);
  EXPECT_EQ(Run({"DBSIZE"}), Int(0));
}

TEST_F(ExpiryTest, AbsoluteTimesAndReplacement) {
  Run({"DEBUG", "SET-ACTIVE-EXPIRE", "0"});
  int64_t now_ms = env_.WallMicros() / 1000;
  EXPECT_EQ(Run({"SET", "k", "v", "PXAT", std::to_string(now_ms + 500)}), Ok());
  EXPECT_EQ(Run({"PEXPIRETIME", "k"}), Int(now_ms + 500));
  EXPECT_EQ(Run({"EXPIRETIME", "k"}), Int((now_ms + 1000) / 1000));  // rounded, as Redis does
  EXPECT_EQ(Run({"SET", "k", "w", "KEEPTTL"}), Ok());
  EXPECT_EQ(Run({"PTTL", "k"}), Int(500));
  EXPECT_EQ(Run({"SET", "k", "x"}), Ok());  // a plain SET clears the TTL
  EXPECT_EQ(Run({"PTTL", "k"}), Int(-1));
  EXPECT_EQ(Run({"EXPIRE", "k", "-1"}), Int(1));  // a time in the past deletes at once
  EXPECT_EQ(Run({"EXISTS", "k"}), Int(0));
  EXPECT_EQ(Run({"SET", "k", "v", "EXAT", "1"}), Ok());  // long past: stored, then expired
  EXPECT_EQ(Run({"GET", "k"}), Nil());
}

TEST_F(ExpiryTest, TimeIsFrozenDuringExec) {
  Run({"DEBUG", "SET-ACTIVE-EXPIRE", "0"});
  EXPECT_EQ(Run({"SET", "k", "v", "PX", "5"}), Ok());
  EXPECT_EQ(Run({"MULTI"}), Ok());
  EXPECT_EQ(Run({"GET", "k"}), Status("QUEUED"));
  EXPECT_EQ(Run({"DEBUG", "SLEEP", "0.01"}), Status("QUEUED"));  // 10 ms pass inside EXEC
  EXPECT_EQ(Run({"GET", "k"}), Status("QUEUED"));
  EXPECT_EQ(Run({"EXEC"}), Arr({Bulk("v"), Ok(), Bulk("v")}));
  EXPECT_EQ(Run({"GET", "k"}), Nil());
}

TEST_F(ExpiryTest, WatchedKeyThatExpiresAbortsExec) {
  Run({"DEBUG", "SET-ACTIVE-EXPIRE", "0"});
  EXPECT_EQ(Run({"SET", "k", "v", "PX", "10"}), Ok());
  EXPECT_EQ(Run({"WATCH", "k"}), Ok());
  AdvanceMs(20);
  EXPECT_EQ(Run({"MULTI"}), Ok());
  EXPECT_EQ(Run({"PING"}), Status("QUEUED"));
  EXPECT_EQ(Run({"EXEC"}), NilArray());
}

}  // namespace
}  // namespace redsim::testing
