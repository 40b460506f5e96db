// The replication scenarios give their claims' expected verdicts over a few seeds, replay
// exactly from a seed, and the CLI fails (exit 1) when a verdict differs from the expected one.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdio>
#include <string>

#include "scenarios/scenario.h"

#ifndef REDSIM_CLI_PATH
#define REDSIM_CLI_PATH "redsim"
#endif

namespace redsim::scenarios {
namespace {

constexpr int64_t kSec = 1'000'000'000;

RunResult RunScenario(const std::string& name, uint64_t seed, int64_t duration_ns) {
  const Scenario* s = FindScenario(name);
  EXPECT_NE(s, nullptr) << name;
  RunOptions o;
  o.seed = seed;
  o.duration_ns = duration_ns;
  return s->run(o);
}

void ExpectVerdictOverSeeds(const std::string& name, int64_t duration_ns, int seeds,
                            uint64_t first_seed = 1) {
  for (uint64_t seed = first_seed; seed < first_seed + static_cast<uint64_t>(seeds); seed++) {
    RunResult r = RunScenario(name, seed, duration_ns);
    EXPECT_NE(r.expected, Verdict::kNone);
    EXPECT_EQ(r.verdict, r.expected) << name << " seed " << seed << "\n" << r.explanation;
    EXPECT_GT(r.ok, 0u) << name << " seed " << seed;
  }
}

TEST(ReplicationScenarios, PartialResyncHolds) {
  ExpectVerdictOverSeeds("replication-partial-resync", 30 * kSec, 3);
}

TEST(ReplicationScenarios, PartialResyncIsExercised) {
  // The claim is not vacuous: partitions long enough to drop links happened and were resumed
  // partially.
  RunResult r = RunScenario("replication-partial-resync", 5, 30 * kSec);
  EXPECT_EQ(r.verdict, Verdict::kHolds) << r.explanation;
  EXPECT_EQ(r.explanation.find("sync_partial_ok=0"), std::string::npos) << r.explanation;
  EXPECT_GT(r.faults, 0u);
}

TEST(ReplicationScenarios, StaleReadsRefutedWithACounterexample) {
  for (uint64_t seed = 1; seed <= 3; seed++) {
    RunResult r = RunScenario("replication-stale-reads", seed, 8 * kSec);
    EXPECT_EQ(r.expected, Verdict::kRefuted);
    EXPECT_EQ(r.verdict, Verdict::kRefuted) << "seed " << seed << "\n" << r.explanation;
    // The checker names the read no order could place.
    EXPECT_NE(r.explanation.find("read"), std::string::npos) << r.explanation;
  }
}

TEST(ReplicationScenarios, PrimaryReadsHold) {
  ExpectVerdictOverSeeds("replication-primary-reads", 8 * kSec, 3);
}

TEST(ReplicationScenarios, PrimaryCrashWithoutPersistenceLosesWrites) {
  for (uint64_t seed = 1; seed <= 3; seed++) {
    RunResult r = RunScenario("replication-primary-crash", seed, 20 * kSec);
    EXPECT_EQ(r.verdict, Verdict::kRefuted) << "seed " << seed << "\n" << r.explanation;
    // The replicas wiped themselves: they hold nothing after the resync from the empty primary.
    EXPECT_NE(r.explanation.find("n2: 0 keys"), std::string::npos) << r.explanation;
    EXPECT_NE(r.explanation.find("n3: 0 keys"), std::string::npos) << r.explanation;
  }
}

TEST(ReplicationScenarios, PrimaryCrashWithAofAlwaysKeepsWrites) {
  ExpectVerdictOverSeeds("replication-primary-crash-aof", 20 * kSec, 3);
}

TEST(ReplicationScenarios, WaitHolds) {
  for (uint64_t seed = 1; seed <= 3; seed++) {
    RunResult r = RunScenario("replication-wait", seed, 20 * kSec);
    EXPECT_EQ(r.verdict, Verdict::kHolds) << "seed " << seed << "\n" << r.explanation;
    // Some WAITs were answered >= 1 and checked.
    EXPECT_EQ(r.explanation.find(" 0 of them >= 1"), std::string::npos) << r.explanation;
  }
}

TEST(ReplicationScenarios, WaitThenFailoverLosesAcknowledgedWrites) {
  for (uint64_t seed = 1; seed <= 3; seed++) {
    RunResult r = RunScenario("replication-wait-failover", seed, 20 * kSec);
    EXPECT_EQ(r.expected, Verdict::kRefuted);
    EXPECT_EQ(r.verdict, Verdict::kRefuted) << "seed " << seed << "\n" << r.explanation;
  }
}

TEST(ReplicationScenarios, SameSeedSameTrace) {
  for (const char* name : {"replication-partial-resync", "replication-stale-reads",
                           "replication-primary-crash", "replication-wait"}) {
    RunOptions o;
    o.seed = 99;
    o.duration_ns = 15 * kSec;
    o.out_dir = "-";  // ask for the history
    RunResult a = FindScenario(name)->run(o);
    RunResult b = FindScenario(name)->run(o);
    EXPECT_EQ(a.trace_hash, b.trace_hash) << name;
    EXPECT_EQ(a.history_jsonl, b.history_jsonl) << name;
    EXPECT_EQ(a.verdict, b.verdict) << name;
    o.seed = 100;
    EXPECT_NE(FindScenario(name)->run(o).trace_hash, a.trace_hash) << name;
  }
}

// The line of `out` that starts with `prefix` ("expected", "actual"): the wording after the
// prefix may vary ("expected: x", "expected verdict: x").
std::string LineStarting(const std::string& out, const std::string& prefix) {
  size_t at = out.rfind("\n" + prefix);
  if (at == std::string::npos) return "";
  size_t end = out.find('\n', at + 1);
  return out.substr(at + 1, end == std::string::npos ? std::string::npos : end - at - 1);
}

int RunCli(const std::string& args, std::string* out) {
  std::string cmd = std::string(REDSIM_CLI_PATH) + " run " + args + " 2>&1";
  FILE* p = popen(cmd.c_str(), "r");
  char buf[4096];
  while (size_t n = fread(buf, 1, sizeof(buf), p)) out->append(buf, n);
  int status = pclose(p);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

TEST(ReplicationScenarios, CliPrintsClaimExpectedAndActual) {
  std::string out;
  EXPECT_EQ(RunCli("replication-stale-reads --seed 3 --duration 5s", &out), 0) << out;
  EXPECT_NE(out.find("claim R3: Reads from replicas are linearizable"), std::string::npos) << out;
  EXPECT_NE(LineStarting(out, "expected").find("refuted"), std::string::npos) << out;
  EXPECT_NE(LineStarting(out, "actual").find("refuted"), std::string::npos) << out;
  // Another process replays the same run.
  std::string again;
  EXPECT_EQ(RunCli("replication-stale-reads --seed 3 --duration 5s", &again), 0);
  auto hash = [](const std::string& text) {
    size_t at = text.find("trace hash: ");
    return at == std::string::npos ? std::string() : text.substr(at, 28);
  };
  EXPECT_FALSE(hash(out).empty());
  EXPECT_EQ(hash(out), hash(again));
  // The claim's setting changed on the command line (fsync-always AOF on every node): nothing
  // is lost, the verdict differs from the expected "refuted", exit 1.
  out.clear();
  EXPECT_EQ(RunCli("replication-primary-crash --seed 1 --config appendonly=yes "
                   "--config appendfsync=always",
                   &out),
            1)
      << out;
  EXPECT_NE(LineStarting(out, "actual").find("holds"), std::string::npos) << out;
}

}  // namespace
}  // namespace redsim::scenarios
