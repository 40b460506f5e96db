// The simulated disk: durability follows fsync and directory fsync; crashes lose what was not
// synced in the configured way; faults behave as documented.
#include "sim/sim_disk.h"

#include <gtest/gtest.h>

namespace redsim::sim {
namespace {

TEST(SimDisk, SyncedDataSurvivesACrashUnsyncedDoesNot) {
  SimDisk disk(1);
  disk.set_crash_loss(CrashLoss::kAllUnsynced);
  ASSERT_TRUE(disk.CreateDir("d").ok());
  ASSERT_TRUE(disk.Open("d/f", false).ok());
  ASSERT_TRUE(disk.Append("d/f", "hello ").ok());
  ASSERT_TRUE(disk.Sync("d/f").ok());
  ASSERT_TRUE(disk.SyncDir("d").ok());
  ASSERT_TRUE(disk.Append("d/f", "world").ok());
  EXPECT_EQ(*disk.Contents("d/f"), "hello world");
  disk.Crash();
  EXPECT_EQ(*disk.Contents("d/f"), "hello ");
}

TEST(SimDisk, NewFileNeedsDirectorySync) {
  SimDisk disk(1);
  disk.set_crash_loss(CrashLoss::kNothing);
  ASSERT_TRUE(disk.Open("f", false).ok());
  ASSERT_TRUE(disk.Append("f", "x").ok());
  ASSERT_TRUE(disk.Sync("f").ok());
  disk.Crash();
  EXPECT_FALSE(disk.Contents("f").has_value());  // the directory entry was never synced
  ASSERT_TRUE(disk.Open("g", false).ok());
  ASSERT_TRUE(disk.Append("g", "y").ok());
  ASSERT_TRUE(disk.Sync("g").ok());
  ASSERT_TRUE(disk.SyncDir(".").ok());
  disk.Crash();
  EXPECT_EQ(*disk.Contents("g"), "y");
}

TEST(SimDisk, RenameIsAtomicAndDurableAfterDirSync) {
  SimDisk disk(1);
  disk.set_crash_loss(CrashLoss::kNothing);
  ASSERT_TRUE(disk.Open("old", false).ok());
  ASSERT_TRUE(disk.Append("old", "v1").ok());
  ASSERT_TRUE(disk.Sync("old").ok());
  ASSERT_TRUE(disk.SyncDir(".").ok());
  ASSERT_TRUE(disk.Open("tmp", false).ok());
  ASSERT_TRUE(disk.Append("tmp", "v2").ok());
  ASSERT_TRUE(disk.Sync("tmp").ok());
  ASSERT_TRUE(disk.Rename("tmp", "old").ok());
  EXPECT_EQ(*disk.Contents("old"), "v2");
  disk.Crash();  // rename not made durable: the old file is back
  EXPECT_EQ(*disk.Contents("old"), "v1");
}

TEST(SimDisk, TornLastWriteKeepsWholeSectors) {
  SimDisk disk(5);
  disk.set_crash_loss(CrashLoss::kTornLast);
  ASSERT_TRUE(disk.Open("f", false).ok());
  ASSERT_TRUE(disk.SyncDir(".").ok());
  ASSERT_TRUE(disk.Append("f", std::string(100, 'a')).ok());
  ASSERT_TRUE(disk.Sync("f").ok());
  ASSERT_TRUE(disk.Append("f", std::string(2048, 'b')).ok());
  disk.Crash();
  std::string c = *disk.Contents("f");
  ASSERT_GE(c.size(), 100u);
  EXPECT_TRUE(c.size() == 100u || c.size() % 512 == 0u) << c.size();
  EXPECT_LT(c.size(), 100u + 2048u);
}

TEST(SimDisk, PrefixLossKeepsAPrefixOfTheWrites) {
  for (uint64_t seed = 1; seed < 20; seed++) {
    SimDisk disk(seed);
    disk.set_crash_loss(CrashLoss::kPrefix);
    ASSERT_TRUE(disk.Open("f", false).ok());
    ASSERT_TRUE(disk.SyncDir(".").ok());
    ASSERT_TRUE(disk.Sync("f").ok());
    std::string all;
    for (int i = 0; i < 5; i++) {
      std::string w = "w" + std::to_string(i) + ";";
      all += w;
      ASSERT_TRUE(disk.Append("f", w).ok());
    }
    disk.Crash();
    std::string c = *disk.Contents("f");
    EXPECT_EQ(all.compare(0, c.size(), c), 0) << c;
  }
}

TEST(SimDisk, LyingFsyncLosesAcknowledgedData) {
  SimDisk disk(1);
  disk.set_crash_loss(CrashLoss::kAllUnsynced);
  ASSERT_TRUE(disk.Open("f", false).ok());
  ASSERT_TRUE(disk.SyncDir(".").ok());
  disk.faults().fsync_lies = true;
  ASSERT_TRUE(disk.Append("f", "acked").ok());
  EXPECT_TRUE(disk.Sync("f").ok());  // it says yes
  disk.Crash();
  EXPECT_EQ(*disk.Contents("f"), "");
}

TEST(SimDisk, FaultsAreReported) {
  SimDisk disk(1);
  std::vector<std::string> seen;
  disk.set_fault_reporter(
      [&](const std::string& what, const std::string&, int64_t) { seen.push_back(what); });
  ASSERT_TRUE(disk.Open("f", false).ok());
  disk.faults().capacity_bytes = 4;
  EXPECT_EQ(disk.Append("f", "too long").code(), Status::kNoSpace);
  disk.faults().fsync_fails = true;
  EXPECT_FALSE(disk.Sync("f").ok());
  EXPECT_EQ(seen, (std::vector<std::string>{"enospc", "fsync-error"}));
}

}  // namespace
}  // namespace redsim::sim
