// The Sentinel scenario files (claims S1, S2, S3, S4, S5, S6, S7, S8, S9, S10, S11): redsim's own
// Sentinels decide every failover, faults come from the files' [[fault]] entries and [nemesis], and
// each file's expected verdict must come out on the seeds below. A refuted claim must name its
// violation; the lost-adds count must be large where the claim says writes are lost.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "reports/report.h"
#include "scenarios/scenario.h"
#include "scenarios/sweep.h"
#include "tests/sim/run_scenario.h"

namespace redsim::scenarios {
namespace {

void ExpectVerdict(const std::string& name, const std::vector<uint64_t>& seeds) {
  for (uint64_t seed : seeds) {
    RunResult r = RunWithFileDefaults(name, seed);
    ASSERT_NE(r.expected, Verdict::kNone) << name;
    EXPECT_EQ(r.verdict, r.expected) << name << " seed " << seed << "\n" << r.explanation;
    EXPECT_GT(r.ok, 100u) << name << " seed " << seed;
    EXPECT_FALSE(r.sentinel_events.empty()) << name;
    if (r.expected == Verdict::kRefuted) {
      EXPECT_FALSE(r.violation.empty()) << name;
    }
  }
}

// The number of Sentinel events of `type` in a run.
size_t Count(const RunResult& r, const std::string& type) {
  size_t n = 0;
  for (const auto& e : r.sentinel_events) n += e.event.type == type;
  return n;
}

TEST(SentinelScenarios, MinorityNeverFailsOver) {  // S1
  ExpectVerdict("sentinel-minority-partition", {1, 2});
}

TEST(SentinelScenarios, OneLeaderPerEpochUnderChurn) {  // S2
  ExpectVerdict("sentinel-election-churn", {1, 2, 3});
  // Not vacuous: the random faults make the Sentinels fail over, more than once.
  RunResult r = RunWithFileDefaults("sentinel-election-churn", 1);
  EXPECT_GE(Count(r, "+elected-leader"), 2u);
}

TEST(SentinelScenarios, PartitionedPrimaryLosesAcknowledgedWrites) {  // S3
  ExpectVerdict("sentinel-partition-primary", {1, 2});
  RunResult r = RunWithFileDefaults("sentinel-partition-primary", 3);
  EXPECT_EQ(r.violation, "lost-adds:lost-acknowledged-add");
  // The majority elected one leader and switched the primary; the clients followed it.
  EXPECT_GE(Count(r, "+elected-leader"), 1u);
  EXPECT_GE(Count(r, "+switch-master"), 3u);  // the leader and the two others from its hellos
  EXPECT_NE(r.explanation.find("acknowledged adds lost"), std::string::npos) << r.explanation;
}

TEST(SentinelScenarios, MinReplicasBoundsTheLoss) {  // S4
  ExpectVerdict("sentinel-min-replicas-bounded", {1, 2});
  // The bound is what the setting buys: without it the same run loses writes for as long as the
  // primary stays cut off, far outside the window.
  const Scenario* s = FindScenario("sentinel-min-replicas-bounded");
  RunOptions o;
  o.seed = 1;
  ApplyScenarioDefaults(*s, &o);
  o.config = {{"min-replicas-to-write", "0"}};
  RunResult r = s->Run(o);
  EXPECT_EQ(r.verdict, Verdict::kRefuted) << r.explanation;
  EXPECT_EQ(r.violation, "lost-adds:lost-acknowledged-add");
}

TEST(SentinelScenarios, SentinelsConvergeAfterHeal) {  // S5
  ExpectVerdict("sentinel-heal-converges", {1, 2});
}

TEST(SentinelScenarios, DifferentInitialPrimariesNeverConverge) {  // S6
  ExpectVerdict("sentinel-split-initial-primaries", {1});
}

TEST(SentinelScenarios, ManualFailoverLosesWritesToTheOldPrimary) {  // S7
  ExpectVerdict("sentinel-manual-failover", {1, 2});
}

TEST(SentinelScenarios, ReturningOldPrimaryLosesWrites) {  // S8
  ExpectVerdict("sentinel-old-primary-returns", {1, 2});
}

TEST(SentinelScenarios, FastRestartWithoutPersistenceLosesData) {  // S9
  ExpectVerdict("sentinel-fast-restart-no-persistence", {1});
}

TEST(SentinelScenarios, StaleReplicaIsNeverPromoted) {  // S10
  ExpectVerdict("sentinel-stale-replica", {1, 2});
  // The checker is not vacuous: without the cut between primary and replica, the same crash
  // promotes the (fresh) replica and no-promotion reports it.
  RunResult r = RunWithFileDefaults("sentinel-stale-replica", 1);
  RunOptions o;
  o.seed = 1;
  ApplyScenarioDefaults(*FindScenario("sentinel-stale-replica"), &o);
  o.schedule = faults::Schedule{};
  for (const faults::Fault& f : r.schedule.faults) {
    if (f.kind == "crash") o.schedule->faults.push_back(f);
  }
  ASSERT_EQ(o.schedule->faults.size(), 1u);
  RunResult fresh = FindScenario("sentinel-stale-replica")->Run(o);
  EXPECT_EQ(fresh.verdict, Verdict::kRefuted) << fresh.explanation;
  EXPECT_EQ(fresh.violation, "no-promotion:replica-promoted");
}

TEST(SentinelScenarios, TiltStopsTheJumpedSentinel) {  // S11
  ExpectVerdict("sentinel-tilt-clock-jump", {1, 2});
  RunResult r = RunWithFileDefaults("sentinel-tilt-clock-jump", 3);
  EXPECT_GE(Count(r, "+tilt"), 1u);
  EXPECT_GE(Count(r, "+switch-master"), 1u);  // the other two still failed over
}

TEST(SentinelScenarios, RunRecordAndPageShowTheSentinelsDecisions) {
  const Scenario* s = FindScenario("sentinel-partition-primary");
  ASSERT_NE(s, nullptr);
  RunOptions o;
  o.seed = 2;
  ApplyScenarioDefaults(*s, &o);
  o.keep_history = true;
  RunResult r = s->Run(o);
  reports::RunRecord rec = ToRecord(r, o, 0);
  ASSERT_EQ(rec.node_events.size(), r.sentinel_events.size());
  size_t switches = 0;
  for (const auto& e : rec.node_events) {
    if (e.type != "+switch-master") continue;
    switches++;
    EXPECT_NE(e.primary, "") << e.detail;
    EXPECT_NE(e.primary, "n1") << e.detail;  // n1 is the one cut off
  }
  EXPECT_EQ(switches, 3u);  // each Sentinel switched once
  // The record round-trips through its JSON form with the events.
  reports::RunRecord back;
  std::string error;
  ASSERT_TRUE(reports::RunRecordFromJson(reports::RunRecordToJson(rec), &back, &error)) << error;
  ASSERT_EQ(back.node_events.size(), rec.node_events.size());
  EXPECT_EQ(back.node_events.back().detail, rec.node_events.back().detail);
  // The run page marks each switch on its Sentinel's lane with the new primary.
  std::string html = reports::RunReportHtml(rec, r.history_jsonl);
  size_t marks = 0;
  for (size_t at = html.find("class=\"ev ev-switch\""); at != std::string::npos;
       at = html.find("class=\"ev ev-switch\"", at + 1)) {
    marks++;
  }
  EXPECT_EQ(marks, 3u);
}

TEST(SentinelScenarios, SameSeedSameTraceHash) {
  RunResult a = RunWithFileDefaults("sentinel-partition-primary", 7);
  RunResult b = RunWithFileDefaults("sentinel-partition-primary", 7);
  EXPECT_EQ(a.trace_hash, b.trace_hash);
  EXPECT_EQ(a.sentinel_events.size(), b.sentinel_events.size());
  EXPECT_NE(RunWithFileDefaults("sentinel-partition-primary", 8).trace_hash, a.trace_hash);
}

}  // namespace
}  // namespace redsim::scenarios
