// Durability checker: acknowledged writes vs the data read back after a crash, per fsync policy.
#include "checkers/durability.h"

#include <gtest/gtest.h>

namespace redsim::checkers {
namespace {

constexpr int64_t kMs = 1'000'000;

DurableWrite Set(std::string key, std::string value, int64_t invoke_ms, int64_t ack_ms,
                 int id = -1) {
  return {std::move(key), std::move(value), invoke_ms * kMs, ack_ms < 0 ? -1 : ack_ms * kMs, id};
}

DurableWrite Del(std::string key, int64_t invoke_ms, int64_t ack_ms) {
  return {std::move(key), std::nullopt, invoke_ms * kMs, ack_ms * kMs, -1};
}

std::vector<std::string> Kinds(const CheckOutcome& o) {
  std::vector<std::string> kinds;
  for (const Violation& v : o.violations) kinds.push_back(v.kind);
  return kinds;
}

TEST(Durability, AlwaysKeepsEveryAcknowledgedWrite) {
  DurabilityInput in;
  in.policy = FsyncPolicy::kAlways;
  in.writes = {Set("a", "1", 0, 1), Set("b", "2", 2, 3), Set("a", "3", 4, 5), Set("c", "4", 6, -1)};
  in.crash_ns = 10 * kMs;
  in.after = {{"a", "3"}, {"b", "2"}};  // c was never acknowledged: losing it is fine
  DurabilityResult r = CheckDurability(in);
  EXPECT_TRUE(r.outcome.ok()) << r.outcome.ToText();
  EXPECT_EQ(r.acknowledged, 3);
  EXPECT_EQ(r.lost_acknowledged, 0);
}

TEST(Durability, AlwaysFailsWhenAnAcknowledgedWriteIsLost) {
  DurabilityInput in;
  in.policy = FsyncPolicy::kAlways;
  in.writes = {Set("a", "1", 0, 1, 7), Set("b", "2", 2, 3, 8)};
  in.crash_ns = 10 * kMs;
  in.after = {{"a", "1"}};
  DurabilityResult r = CheckDurability(in);
  ASSERT_FALSE(r.outcome.ok());
  EXPECT_EQ(Kinds(r.outcome), std::vector<std::string>{"lost-acknowledged-write"});
  EXPECT_NE(r.outcome.violations[0].message.find("#8"), std::string::npos);
  EXPECT_EQ(r.lost_acknowledged, 1);
  EXPECT_EQ(r.loss_window_ns, 7 * kMs);
}

TEST(Durability, OlderValueBackIsALoss) {
  DurabilityInput in;
  in.policy = FsyncPolicy::kAlways;
  in.writes = {Set("a", "1", 0, 1), Set("a", "2", 2, 3)};
  in.crash_ns = 10 * kMs;
  in.after = {{"a", "1"}};  // the acknowledged overwrite is gone
  EXPECT_EQ(Kinds(CheckDurability(in).outcome),
            std::vector<std::string>{"lost-acknowledged-write"});
}

TEST(Durability, ConcurrentWritesEitherMayWin) {
  DurabilityInput in;
  in.policy = FsyncPolicy::kAlways;
  in.writes = {Set("a", "1", 0, 5), Set("a", "2", 1, 4)};  // overlapping: either order possible
  in.crash_ns = 10 * kMs;
  in.after = {{"a", "1"}};
  EXPECT_TRUE(CheckDurability(in).outcome.ok());
  in.after = {{"a", "2"}};
  EXPECT_TRUE(CheckDurability(in).outcome.ok());
}

TEST(Durability, EverysecAllowsTheLastTwoSeconds) {
  DurabilityInput in;
  in.policy = FsyncPolicy::kEverysec;
  in.writes = {Set("a", "1", 0, 1), Set("b", "2", 8500, 8501), Set("c", "3", 9000, 9001)};
  in.crash_ns = 10'000 * kMs;
  in.after = {{"a", "1"}};  // b and c were acknowledged within 2 s of the crash
  DurabilityResult r = CheckDurability(in);
  EXPECT_TRUE(r.outcome.ok()) << r.outcome.ToText();
  EXPECT_EQ(r.lost_acknowledged, 2);
  EXPECT_EQ(r.loss_window_ns, 1499 * kMs);
}

TEST(Durability, EverysecFailsBeyondTheWindow) {
  DurabilityInput in;
  in.policy = FsyncPolicy::kEverysec;
  in.writes = {Set("a", "1", 0, 1), Set("b", "2", 5000, 5001)};
  in.crash_ns = 10'000 * kMs;
  in.after = {{"a", "1"}};
  EXPECT_EQ(Kinds(CheckDurability(in).outcome),
            std::vector<std::string>{"lost-acknowledged-write"});
}

TEST(Durability, NoPolicyAllowsLosingAnySuffix) {
  DurabilityInput in;
  in.policy = FsyncPolicy::kNo;
  in.writes = {Set("a", "1", 0, 1), Set("b", "2", 2, 3), Set("c", "3", 4, 5)};
  in.crash_ns = 60'000 * kMs;
  in.after = {{"a", "1"}};
  EXPECT_TRUE(CheckDurability(in).outcome.ok());
  in.after = {};
  EXPECT_TRUE(CheckDurability(in).outcome.ok());
}

TEST(Durability, NoPolicyStillNeedsAPrefix) {
  DurabilityInput in;
  in.policy = FsyncPolicy::kNo;
  in.writes = {Set("a", "1", 0, 1), Set("b", "2", 2, 3), Set("c", "3", 4, 5)};
  in.crash_ns = 60'000 * kMs;
  in.after = {{"a", "1"}, {"c", "3"}};  // b lost but the later c survived: a hole
  EXPECT_EQ(Kinds(CheckDurability(in).outcome), std::vector<std::string>{"not-a-prefix"});
}

TEST(Durability, CorruptValueIsReported) {
  DurabilityInput in;
  in.policy = FsyncPolicy::kNo;
  in.writes = {Set("a", "hello", 0, 1)};
  in.crash_ns = 10 * kMs;
  in.after = {{"a", "hel"}};  // a torn value
  EXPECT_EQ(Kinds(CheckDurability(in).outcome), std::vector<std::string>{"corrupt-value"});
}

TEST(Durability, EarlierEpochDataMustSurvive) {
  DurabilityInput in;
  in.policy = FsyncPolicy::kNo;
  in.before = {{"old", "x"}, {"gone", "y"}};
  in.writes = {Set("old", "z", 0, 1), Del("gone", 2, 3)};
  in.crash_ns = 10 * kMs;
  in.after = {{"old", "x"}, {"gone", "y"}};  // both newer writes lost: allowed under "no"
  EXPECT_TRUE(CheckDurability(in).outcome.ok()) << CheckDurability(in).outcome.ToText();
  // "gone" is absent, so the delete survived, so the write to "old" acknowledged before it
  // must have survived too.
  in.after = {{"old", "x"}};
  EXPECT_EQ(Kinds(CheckDurability(in).outcome), std::vector<std::string>{"not-a-prefix"});
  // "old" vanished without any delete: data that was already on disk is lost.
  in.after = {{"gone", "y"}};
  EXPECT_EQ(Kinds(CheckDurability(in).outcome), std::vector<std::string>{"lost-existing-data"});
}

TEST(Durability, DeletesSurviveAsAbsence) {
  DurabilityInput in;
  in.policy = FsyncPolicy::kAlways;
  in.before = {{"k", "v"}};
  in.writes = {Del("k", 0, 1)};
  in.crash_ns = 10 * kMs;
  in.after = {};
  EXPECT_TRUE(CheckDurability(in).outcome.ok());
  in.after = {{"k", "v"}};  // the acknowledged delete did not stick
  EXPECT_EQ(Kinds(CheckDurability(in).outcome),
            std::vector<std::string>{"lost-acknowledged-write"});
}

TEST(Durability, PolicyNames) {
  FsyncPolicy p;
  EXPECT_TRUE(ParseFsyncPolicy("everysec", &p));
  EXPECT_EQ(p, FsyncPolicy::kEverysec);
  EXPECT_FALSE(ParseFsyncPolicy("sometimes", &p));
  EXPECT_STREQ(FsyncPolicyName(FsyncPolicy::kNo), "no");
}

}  // namespace
}  // namespace redsim::checkers
