// The lock scenarios (CLAIMS.md L1-L6) give their claims' expected verdicts: a "refuted" claim is
// caught by some seed of a small sweep (and the counterexample names two holders at once), a
// "holds" claim survives every seed tried, and a run replays to the same trace hash.
#include <gtest/gtest.h>

#include <string>

#include "scenarios/scenario.h"

namespace redsim::scenarios {
namespace {

constexpr int64_t kSec = 1'000'000'000;

RunResult RunLock(const std::string& name, uint64_t seed) {
  const Scenario* s = FindScenario(name);
  EXPECT_NE(s, nullptr) << name;
  if (s == nullptr) return {};
  RunOptions o;
  o.seed = seed;
  o.duration_ns = 60 * kSec;
  return s->run(o);
}

// The first seed in 1..max_seeds that violates the claim, or 0.
uint64_t FirstViolatingSeed(const std::string& name, uint64_t max_seeds, RunResult* found) {
  for (uint64_t seed = 1; seed <= max_seeds; seed++) {
    RunResult r = RunLock(name, seed);
    EXPECT_GT(r.ok, 0u) << name << " seed " << seed;
    if (r.violated()) {
      *found = r;
      return seed;
    }
  }
  return 0;
}

class RefutedLockClaim : public ::testing::TestWithParam<const char*> {};

TEST_P(RefutedLockClaim, SomeSeedShowsTwoHoldersAtOnce) {
  RunResult r;
  uint64_t seed = FirstViolatingSeed(GetParam(), 12, &r);
  ASSERT_NE(seed, 0u) << GetParam() << ": no violation in seeds 1..12";
  EXPECT_EQ(r.expected, Verdict::kRefuted);
  EXPECT_EQ(r.violation, "overlapping-holders") << r.explanation;
  EXPECT_NE(r.explanation.find("at once"), std::string::npos) << r.explanation;
  EXPECT_GE(r.window_end_ns, r.window_start_ns);
  // The failing seed replays exactly.
  RunResult again = RunLock(GetParam(), seed);
  EXPECT_EQ(again.trace_hash, r.trace_hash);
  EXPECT_EQ(again.explanation, r.explanation);
}

INSTANTIATE_TEST_SUITE_P(Locks, RefutedLockClaim,
                         ::testing::Values("redlock-client-pause", "redlock-clock-jump",
                                           "redlock-crash-restart"));

class HoldingLockClaim : public ::testing::TestWithParam<const char*> {};

TEST_P(HoldingLockClaim, NoSeedBreaksIt) {
  for (uint64_t seed = 1; seed <= 6; seed++) {
    RunResult r = RunLock(GetParam(), seed);
    EXPECT_EQ(r.expected, Verdict::kHolds);
    EXPECT_EQ(r.verdict, Verdict::kHolds) << GetParam() << " seed " << seed << "\n"
                                          << r.explanation;
    EXPECT_GT(r.probes["lock:holds-granted"], 20u) << GetParam() << " seed " << seed;
  }
}

INSTANTIATE_TEST_SUITE_P(Locks, HoldingLockClaim,
                         ::testing::Values("lock-single-node", "redlock-fenced",
                                           "redlock-crash-restart-always",
                                           "redlock-crash-delayed-restart"));

// L5 is not vacuous: stalled holders did try to write with stale tokens, and were refused.
TEST(LockScenarios, FencingRefusesStaleWrites) {
  uint64_t refused = 0;
  uint64_t stalls = 0;
  for (uint64_t seed = 1; seed <= 3; seed++) {
    RunResult r = RunLock("redlock-fenced", seed);
    refused += r.probes["lock:stale-write-refused"];
    stalls += r.probes["lock:client-stall"];
  }
  EXPECT_GT(stalls, 0u);
  EXPECT_GT(refused, 0u);
}

}  // namespace
}  // namespace redsim::scenarios
