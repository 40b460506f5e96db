// Lock safety, election safety and convergence checkers, each with cases that must pass and
// cases that must fail.
#include <gtest/gtest.h>

#include "checkers/convergence.h"
#include "checkers/election_safety.h"
#include "checkers/lock_safety.h"
#include "checkers/lost_adds.h"

namespace redsim::checkers {
namespace {

std::vector<std::string> Kinds(const CheckOutcome& o) {
  std::vector<std::string> kinds;
  for (const Violation& v : o.violations) kinds.push_back(v.kind);
  return kinds;
}

// ---- lock safety

TEST(LockSafety, SequentialHoldsAreFine) {
  LockSafetyInput in;
  in.holds = {{"L", "a", 0, 10, 1},
              {"L", "b", 10, 20, 2},
              {"L", "a", 25, 30, 3},
              {"M", "b", 5, 15, 1}};  // another lock may be held at the same time
  CheckOutcome o = CheckLockSafety(in);
  EXPECT_TRUE(o.ok()) << o.ToText();
}

TEST(LockSafety, OverlappingHoldersAreAViolation) {
  LockSafetyInput in;
  // b acquires while a, paused past its lease, still believes it holds the lock (L2).
  in.holds = {{"L", "a", 0, 50, -1}, {"L", "b", 30, 40, -1}};
  CheckOutcome o = CheckLockSafety(in);
  EXPECT_EQ(Kinds(o), std::vector<std::string>{"overlapping-holders"});
  EXPECT_EQ(o.violations[0].time_ns, 30);
}

TEST(LockSafety, OverlapBehindTheSameClientIsFound) {
  LockSafetyInput in;
  // a's two holds reach furthest; c overlaps b's hold, which reaches less far.
  in.holds = {
      {"L", "a", 0, 5, -1}, {"L", "b", 1, 20, -1}, {"L", "a", 2, 30, -1}, {"L", "c", 25, 26, -1}};
  CheckOutcome o = CheckLockSafety(in);
  EXPECT_EQ(o.total_violations, 3u) << o.ToText();  // b/a, a/b, c/a
}

TEST(LockSafety, OwnReacquireIsNotAnOverlap) {
  LockSafetyInput in;
  in.holds = {{"L", "a", 0, 10, -1}, {"L", "a", 5, 15, -1}};
  EXPECT_TRUE(CheckLockSafety(in).ok());
}

TEST(LockSafety, TokensMustIncrease) {
  LockSafetyInput in;
  in.holds = {{"L", "a", 0, 10, 5}, {"L", "b", 20, 30, 5}};
  EXPECT_EQ(Kinds(CheckLockSafety(in)), std::vector<std::string>{"token-not-increasing"});
}

TEST(LockSafety, FencedResourceMustNotAcceptStaleTokens) {
  LockSafetyInput in;
  in.resource_writes = {{"db", "a", 33, 10, true},
                        {"db", "b", 34, 20, true},
                        {"db", "a", 33, 30, false},  // rejected: fencing working
                        {"db", "b", 34, 40, true}};  // equal token: same holder again
  EXPECT_TRUE(CheckLockSafety(in).ok());
  in.resource_writes.push_back(
      {"db", "a", 33, 50, true});  // stale holder's write accepted (L5 broken)
  CheckOutcome o = CheckLockSafety(in);
  EXPECT_EQ(Kinds(o), std::vector<std::string>{"stale-token-accepted"});
  EXPECT_EQ(o.violations[0].time_ns, 50);
}

// ---- election safety

using K = EpochEvent::Kind;

TEST(ElectionSafety, OnePrimaryPerEpochIsFine) {
  std::vector<EpochEvent> ev =
      {{"n1", 0, 1, K::kPromoted},      {"n1", 1, 1, K::kAcceptedWrite},
       {"n2", 5, 2, K::kPromoted},      {"n2", 6, 2, K::kAcceptedWrite},
       {"n1", 7, 1, K::kAcceptedWrite},  // old primary, old epoch: not this property's business
       {"n1", 9, 2, K::kObserved},      {"n3", 3, 1, K::kObserved},
       {"n3", 8, 2, K::kObserved}};
  CheckOutcome o = CheckElectionSafety(ev);
  EXPECT_TRUE(o.ok()) << o.ToText();
}

TEST(ElectionSafety, TwoPromotionsInOneEpoch) {
  std::vector<EpochEvent> ev = {
      {"n1", 0, 3, K::kPromoted}, {"n2", 1, 3, K::kPromoted}, {"n2", 2, 3, K::kPromoted}};
  CheckOutcome o = CheckElectionSafety(ev);
  EXPECT_EQ(Kinds(o), std::vector<std::string>{"two-promotions-in-epoch"});
}

TEST(ElectionSafety, TwoPrimariesAcceptingWritesInOneEpoch) {
  std::vector<EpochEvent> ev = {{"n1", 0, 4, K::kAcceptedWrite}, {"n2", 1, 4, K::kAcceptedWrite}};
  EXPECT_EQ(Kinds(CheckElectionSafety(ev)), std::vector<std::string>{"two-primaries-in-epoch"});
}

TEST(ElectionSafety, EpochMustNotGoBackwards) {
  std::vector<EpochEvent> ev = {
      {"n1", 10, 5, K::kObserved}, {"n1", 0, 2, K::kObserved}, {"n1", 20, 4, K::kObserved}};
  CheckOutcome o = CheckElectionSafety(ev);
  EXPECT_EQ(Kinds(o), std::vector<std::string>{"epoch-went-backwards"});
  EXPECT_EQ(o.violations[0].time_ns, 20);
}

// ---- convergence

TEST(Convergence, ReplicasThatCatchUpInTimeAreFine) {
  ConvergenceInput in;
  in.primary = "p";
  in.faults_stopped_ns = 100;
  in.bound_ns = 50;
  in.snapshots = {{"p", 200, {{"a", "1"}, {"b", "2"}}},
                  {"r1", 90, {{"a", "1"}}},  // before faults stopped: not counted
                  {"r1", 120, {{"a", "1"}, {"b", "2"}}},
                  {"r1", 200, {{"a", "1"}, {"b", "2"}}},
                  {"r2", 140, {{"a", "1"}, {"b", "2"}}}};
  CheckOutcome o = CheckConvergence(in);
  EXPECT_TRUE(o.ok()) << o.ToText();
}

TEST(Convergence, DivergentReplicaIsReportedWithADiff) {
  ConvergenceInput in;
  in.primary = "p";
  in.faults_stopped_ns = 100;
  in.bound_ns = 50;
  in.snapshots = {{"p", 200, {{"a", "1"}, {"b", "2"}, {"c", "3"}}},
                  {"r1", 200, {{"a", "1"}, {"b", "9"}, {"z", "0"}}}};
  CheckOutcome o = CheckConvergence(in);
  ASSERT_EQ(Kinds(o), std::vector<std::string>{"not-converged"});
  EXPECT_NE(o.violations[0].message.find("1 keys missing (c)"), std::string::npos) << o.ToText();
  EXPECT_NE(o.violations[0].message.find("1 keys extra (z)"), std::string::npos);
  EXPECT_NE(o.violations[0].message.find("1 keys with other values (b)"), std::string::npos);
}

TEST(Convergence, LateOrFlappingReplicas) {
  ConvergenceInput in;
  in.primary = "p";
  in.faults_stopped_ns = 100;
  in.bound_ns = 50;
  in.snapshots = {{"p", 300, {{"a", "1"}}},
                  {"late", 120, {}},
                  {"late", 200, {{"a", "1"}}},
                  // matched early, diverged, matched again late: converged only at 260
                  {"flap", 110, {{"a", "1"}}},
                  {"flap", 130, {}},
                  {"flap", 260, {{"a", "1"}}}};
  CheckOutcome o = CheckConvergence(in);
  EXPECT_EQ(Kinds(o), (std::vector<std::string>{"converged-late", "converged-late"})) << o.ToText();
}

TEST(Convergence, MissingPrimary) {
  ConvergenceInput in;
  in.primary = "p";
  in.snapshots = {{"r", 0, {}}};
  EXPECT_EQ(Kinds(CheckConvergence(in)), std::vector<std::string>{"no-primary-snapshot"});
}

TEST(Convergence, DiffOfIdenticalDatasets) {
  EXPECT_EQ(DescribeDatasetDiff({{"a", "1"}}, {{"a", "1"}}), "identical");
}

// ---- lost acknowledged adds

TEST(LostAdds, EveryAcknowledgedAddInTheFinalReadIsFine) {
  LostAddsInput in;
  in.adds = {{"k", "1", 10}, {"k", "2", 20}, {"j", "3", 5}};
  in.final_reads["k"] = {100, {"1", "2", "9"}};
  in.final_reads["j"] = {50, {"3"}};
  LostAddsResult r = CheckLostAdds(in);
  EXPECT_TRUE(r.outcome.ok()) << r.outcome.ToText();
  EXPECT_EQ(r.judged, 3u);
  EXPECT_EQ(r.lost, 0u);
}

TEST(LostAdds, MissingAcknowledgedAddsAreCountedAndListed) {
  LostAddsInput in;
  in.adds = {{"k", "1", 10}, {"k", "2", 20}, {"k", "3", 30}, {"k", "4", 200}, {"x", "5", 1}};
  in.final_reads["k"] = {100, {"1"}};
  LostAddsResult r = CheckLostAdds(in);
  EXPECT_FALSE(r.outcome.ok());
  EXPECT_EQ(r.judged, 3u);  // "4" was acknowledged after the read began
  EXPECT_EQ(r.lost, 2u);
  EXPECT_EQ(r.unjudged, 2u);  // "4", and "5" whose key was never read
  EXPECT_EQ(Kinds(r.outcome),
            (std::vector<std::string>{"lost-acknowledged-add", "lost-acknowledged-add"}));
  EXPECT_NE(r.outcome.summary.find("2 of 3 acknowledged adds lost (66%)"), std::string::npos)
      << r.outcome.summary;
}

TEST(LostAdds, ABoundAllowsLossesJustAfterAFault) {
  LostAddsInput in;
  in.adds = {{"k", "1", 10}, {"k", "2", 50}, {"k", "3", 95}, {"k", "4", 5}};
  in.final_reads["k"] = {200, {}};
  in.bound_ns = 20;
  in.fault_starts = {80, 40};
  LostAddsResult r = CheckLostAdds(in);
  EXPECT_EQ(r.lost, 4u);
  EXPECT_EQ(r.within_bound, 2u);  // "2" (10 after the fault at 40) and "3" (15 after 80)
  EXPECT_EQ(r.outcome.total_violations, 2u);  // "1" and "4": no fault before them
  in.fault_starts.push_back(0);
  EXPECT_EQ(CheckLostAdds(in).outcome.total_violations, 0u);  // "1" at 10, "4" at 5: inside
}

}  // namespace
}  // namespace redsim::checkers
