// The Cluster scenario files (claims C1, C2, C3, C4, C5, C6, C8, C9, C10): a cluster built with
// commands at the start of each run, clients that route by slot and follow redirects, and the
// cluster's own failure detection and elections deciding every failover. Each file's expected
// verdict must come out on the seeds below, and the runs must not be vacuous (the cluster was
// built, failovers happened, redirects were followed).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "scenarios/scenario.h"
#include "tests/sim/run_scenario.h"

namespace redsim::scenarios {
namespace {

size_t Wins(const RunResult& r) {
  size_t n = 0;
  for (const auto& e : r.cluster_events) n += e.kind == "failover-won";
  return n;
}

void ExpectVerdict(const std::string& name, const std::vector<uint64_t>& seeds) {
  for (uint64_t seed : seeds) {
    RunResult r = RunWithFileDefaults(name, seed);
    ASSERT_NE(r.expected, Verdict::kNone) << name;
    EXPECT_EQ(r.verdict, r.expected) << name << " seed " << seed << "\n" << r.explanation;
    EXPECT_EQ(r.probes["cluster-ready"], 1u) << name << " seed " << seed;
    EXPECT_GT(r.ok, 1000u) << name << " seed " << seed;
    EXPECT_GE(Wins(r), 1u) << name << " seed " << seed << ": no failover happened";
    if (r.expected == Verdict::kRefuted) {
      EXPECT_EQ(r.violation, "lost-adds:lost-acknowledged-add") << name;
    }
  }
}

TEST(ClusterScenarios, MinorityMasterLosesAcknowledgedWrites) {  // C2
  ExpectVerdict("cluster-minority-master", {1, 2});
}

TEST(ClusterScenarios, MinorityMasterStopsWithinTheNodeTimeout) {  // C1
  ExpectVerdict("cluster-minority-bounded", {1, 2});
}

TEST(ClusterScenarios, OneWinnerPerConfigEpochUnderChurn) {  // C3
  ExpectVerdict("cluster-election-churn", {1, 2});
}

TEST(ClusterScenarios, SlotsConvergeAfterHeal) {  // C4, C7
  ExpectVerdict("cluster-heal-converges", {1, 2});
}

TEST(ClusterScenarios, EmptyReplicaIsElected) {  // C6
  ExpectVerdict("cluster-empty-replica-elected", {1});
}

TEST(ClusterScenarios, StaleSlotMapsAreRedirected) {  // C8
  ExpectVerdict("cluster-stale-map-after-failover", {1, 2});
  RunResult r = RunWithFileDefaults("cluster-stale-map-after-failover", 3);
  EXPECT_GT(r.probes["cluster-moved-followed"], 0u);  // the clients' maps were stale
}

TEST(ClusterScenarios, ManualFailoverLosesNothing) {  // C9
  ExpectVerdict("cluster-manual-failover", {1, 2});
  RunResult r = RunWithFileDefaults("cluster-manual-failover", 3);
  EXPECT_EQ(Wins(r), 1u);  // exactly the operator's failover
}

TEST(ClusterScenarios, TwoMastersFailingTogetherAreBothReplaced) {  // C10
  ExpectVerdict("cluster-two-masters-fail", {1, 2});
  RunResult r = RunWithFileDefaults("cluster-two-masters-fail", 3);
  EXPECT_EQ(Wins(r), 2u);
}

TEST(ClusterScenarios, ReshardUnderLoadKeepsKeysReadable) {  // C5
  for (uint64_t seed : {1, 2}) {
    RunResult r = RunWithFileDefaults("cluster-reshard-under-load", seed);
    EXPECT_EQ(r.verdict, Verdict::kHolds) << r.explanation;
    EXPECT_EQ(r.probes["cluster-ready"], 1u);
    EXPECT_GT(r.probes["cluster-moved-followed"], 0u);  // clients learned the new owners
    RunOptions o;
    o.seed = seed;
    o.keep_history = true;
    ApplyScenarioDefaults(*FindScenario("cluster-reshard-under-load"), &o);
    RunResult with_history = FindScenario("cluster-reshard-under-load")->Run(o);
    EXPECT_NE(with_history.history_jsonl.find("+moved 3000 slots"), std::string::npos)
        << "the reshard did not complete";
  }
}

TEST(ClusterScenarios, SameSeedSameTraceHash) {
  RunResult a = RunWithFileDefaults("cluster-minority-master", 5);
  RunResult b = RunWithFileDefaults("cluster-minority-master", 5);
  EXPECT_EQ(a.trace_hash, b.trace_hash);
  EXPECT_EQ(a.cluster_events.size(), b.cluster_events.size());
}

}  // namespace
}  // namespace redsim::scenarios
