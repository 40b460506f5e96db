// Recovery scenarios (issue 6 item 5) and the durability checking behind them: hand-made
// histories for checkers::CheckDurability under each fsync policy, the collection-to-virtual-key
// adapter (scenarios/recovery_check.h), and the simulated scenarios over a few seeds — each must
// reach its expected verdict, replay to the same trace hash, and the lying disk must be caught.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdio>
#include <set>
#include <string>

#include "checkers/durability.h"
#include "engine/persistence/persistence.h"
#include "scenarios/recovery_check.h"
#include "scenarios/scenario.h"
#include "sim/sim_disk.h"

namespace redsim::scenarios {
namespace {

using checkers::CheckDurability;
using checkers::DurabilityInput;
using checkers::FsyncPolicy;

constexpr int64_t kMs = 1'000'000;
constexpr int64_t kSec = 1000 * kMs;

bool HasKind(const checkers::CheckOutcome& o, const std::string& kind) {
  for (const auto& v : o.violations) {
    if (v.kind == kind) return true;
  }
  return false;
}

// Three writes acknowledged at 1 s, 5 s and 9.5 s; the crash is at 10 s.
DurabilityInput ThreeWrites(FsyncPolicy policy) {
  DurabilityInput in;
  in.policy = policy;
  in.before = {{"old", "v0"}};
  in.writes = {{"a", "1", 1 * kSec - kMs, 1 * kSec, 1},
               {"b", "2", 5 * kSec - kMs, 5 * kSec, 2},
               {"c", "3", 9500 * kMs - kMs, 9500 * kMs, 3}};
  in.crash_ns = 10 * kSec;
  return in;
}

// ---- CheckDurability, hand-made histories ----------------------------------------------------

TEST(DurabilityHandMade, AlwaysHoldsWhenEverythingSurvives) {
  DurabilityInput in = ThreeWrites(FsyncPolicy::kAlways);
  in.after = {{"old", "v0"}, {"a", "1"}, {"b", "2"}, {"c", "3"}};
  auto r = CheckDurability(in);
  EXPECT_TRUE(r.outcome.ok()) << r.outcome.ToText();
  EXPECT_EQ(r.acknowledged, 3);
  EXPECT_EQ(r.lost_acknowledged, 0);
}

TEST(DurabilityHandMade, AlwaysRefutedByTheLastWriteLost) {
  DurabilityInput in = ThreeWrites(FsyncPolicy::kAlways);
  in.after = {{"old", "v0"}, {"a", "1"}, {"b", "2"}};
  auto r = CheckDurability(in);
  EXPECT_FALSE(r.outcome.ok());
  EXPECT_TRUE(HasKind(r.outcome, "lost-acknowledged-write")) << r.outcome.ToText();
  EXPECT_EQ(r.lost_acknowledged, 1);
}

TEST(DurabilityHandMade, EverysecAllowsTheLastTwoSeconds) {
  DurabilityInput in = ThreeWrites(FsyncPolicy::kEverysec);
  in.after = {{"old", "v0"}, {"a", "1"}, {"b", "2"}};  // c, acked 0.5 s before: allowed
  auto r = CheckDurability(in);
  EXPECT_TRUE(r.outcome.ok()) << r.outcome.ToText();
  EXPECT_EQ(r.lost_acknowledged, 1);
  EXPECT_EQ(r.loss_window_ns, 500 * kMs);
}

TEST(DurabilityHandMade, EverysecRefutedByAnOlderLoss) {
  DurabilityInput in = ThreeWrites(FsyncPolicy::kEverysec);
  in.after = {{"old", "v0"}, {"a", "1"}};  // b was acked 5 s before the crash
  auto r = CheckDurability(in);
  EXPECT_TRUE(HasKind(r.outcome, "lost-acknowledged-write")) << r.outcome.ToText();
}

TEST(DurabilityHandMade, NoAllowsAnySuffix) {
  DurabilityInput in = ThreeWrites(FsyncPolicy::kNo);
  in.after = {{"old", "v0"}};
  auto r = CheckDurability(in);
  EXPECT_TRUE(r.outcome.ok()) << r.outcome.ToText();
  EXPECT_EQ(r.lost_acknowledged, 3);
}

TEST(DurabilityHandMade, NoRefutedByAHole) {
  DurabilityInput in = ThreeWrites(FsyncPolicy::kNo);
  in.after = {{"old", "v0"}, {"a", "1"}, {"c", "3"}};  // b lost, c (invoked after b's ack) kept
  auto r = CheckDurability(in);
  EXPECT_TRUE(HasKind(r.outcome, "not-a-prefix")) << r.outcome.ToText();
}

TEST(DurabilityHandMade, EveryPolicyRefutesCorruptionAndLostOldData) {
  for (FsyncPolicy p : {FsyncPolicy::kAlways, FsyncPolicy::kEverysec, FsyncPolicy::kNo}) {
    DurabilityInput in = ThreeWrites(p);
    in.after = {{"a", "1"}, {"b", "2"}, {"c", "garbage"}};
    auto r = CheckDurability(in);
    EXPECT_TRUE(HasKind(r.outcome, "corrupt-value")) << FsyncPolicyName(p);
    EXPECT_TRUE(HasKind(r.outcome, "lost-existing-data")) << FsyncPolicyName(p);
  }
}

TEST(DurabilityHandMade, UnacknowledgedWritesMayGoEitherWay) {
  DurabilityInput in;
  in.policy = FsyncPolicy::kAlways;
  in.writes = {{"a", "1", 1 * kSec, 1 * kSec + kMs, 1}, {"b", "2", 2 * kSec, -1, 2}};
  in.crash_ns = 3 * kSec;
  in.after = {{"a", "1"}};
  EXPECT_TRUE(CheckDurability(in).outcome.ok());
  in.after = {{"a", "1"}, {"b", "2"}};
  EXPECT_TRUE(CheckDurability(in).outcome.ok());
}

// ---- The adapter: collections as virtual keys ------------------------------------------------

RecoveryWrite W(RecoveryWrite::Kind kind, std::string key, std::string token, int64_t invoke_ms,
                int64_t ack_ms, int64_t reply = 0) {
  static int id = 0;
  RecoveryWrite w;
  w.kind = kind;
  w.key = std::move(key);
  w.token = std::move(token);
  w.invoke_ns = invoke_ms * kMs;
  w.ack_ns = ack_ms < 0 ? -1 : ack_ms * kMs;
  w.incr_reply = reply;
  w.id = id++;
  return w;
}

using K = RecoveryWrite::Kind;

TEST(RecoveryAdapter, CountersAppendsSetsAndKeysThatSurvive) {
  RecoveryState before;
  before.strings = {{"ctr:0", "2"}, {"log:0", "x,"}};
  std::vector<RecoveryWrite> writes = {
      W(K::kIncr, "ctr:0", "", 10, 11, 3), W(K::kIncr, "ctr:0", "", 12, -1),
      W(K::kAppend, "log:0", "a", 13, 14), W(K::kAppend, "log:0", "b", 15, 16),
      W(K::kSadd, "set:0", "m1", 17, 18),  W(K::kSet, "u:p1.1", "vp1.1", 19, 20)};
  RecoveryState after;
  after.strings = {{"ctr:0", "4"}, {"log:0", "x,a,b,"}, {"u:p1.1", "vp1.1"}};
  after.sets = {{"set:0", {"m1"}}};
  auto r = CheckRecoveryEpoch(before, writes, 30 * kMs, after, FsyncPolicy::kAlways);
  EXPECT_TRUE(r.outcome.ok()) << r.outcome.ToText();
  EXPECT_EQ(r.acknowledged, 5);
}

TEST(RecoveryAdapter, LostIncrementAndMemberAreCaught) {
  RecoveryState before;
  std::vector<RecoveryWrite> writes = {W(K::kIncr, "ctr:1", "", 10, 11, 1),
                                       W(K::kIncr, "ctr:1", "", 12, 13, 2),
                                       W(K::kSadd, "set:1", "m", 14, 15)};
  RecoveryState after;
  after.strings = {{"ctr:1", "1"}};
  auto r = CheckRecoveryEpoch(before, writes, 30 * kMs, after, FsyncPolicy::kAlways);
  EXPECT_EQ(r.lost_acknowledged, 2) << r.outcome.ToText();
  EXPECT_TRUE(HasKind(r.outcome, "lost-acknowledged-write"));
  // Under "no" the same loss is a suffix: allowed.
  r = CheckRecoveryEpoch(before, writes, 30 * kMs, after, FsyncPolicy::kNo);
  EXPECT_TRUE(r.outcome.ok()) << r.outcome.ToText();
}

TEST(RecoveryAdapter, CounterAboveEveryIncrementIsCorrupt) {
  std::vector<RecoveryWrite> writes = {W(K::kIncr, "ctr:0", "", 10, 11, 1)};
  RecoveryState after;
  after.strings = {{"ctr:0", "3"}};
  auto r = CheckRecoveryEpoch({}, writes, 30 * kMs, after, FsyncPolicy::kNo);
  EXPECT_TRUE(HasKind(r.outcome, "corrupt-value")) << r.outcome.ToText();
}

TEST(RecoveryAdapter, UnknownIncrementsFillTheGaps) {
  // Two INCRs with unknown outcome and one acknowledged at 2: a counter at 3 is explained.
  std::vector<RecoveryWrite> writes = {W(K::kIncr, "ctr:0", "", 10, -1),
                                       W(K::kIncr, "ctr:0", "", 11, 12, 2),
                                       W(K::kIncr, "ctr:0", "", 13, -1)};
  RecoveryState after;
  after.strings = {{"ctr:0", "3"}};
  auto r = CheckRecoveryEpoch({}, writes, 30 * kMs, after, FsyncPolicy::kAlways);
  EXPECT_TRUE(r.outcome.ok()) << r.outcome.ToText();
}

TEST(RecoveryAdapter, ReorderedRepeatedAndGarbageLogPiecesAreCaught) {
  std::vector<RecoveryWrite> writes = {W(K::kAppend, "log:0", "a", 10, 11),
                                       W(K::kAppend, "log:0", "b", 12, 13)};
  RecoveryState after;
  after.strings = {{"log:0", "b,a,"}};
  auto r = CheckRecoveryEpoch({}, writes, 30 * kMs, after, FsyncPolicy::kNo);
  EXPECT_TRUE(HasKind(r.outcome, "append-reordered")) << r.outcome.ToText();
  after.strings = {{"log:0", "a,a,"}};
  r = CheckRecoveryEpoch({}, writes, 30 * kMs, after, FsyncPolicy::kNo);
  EXPECT_TRUE(HasKind(r.outcome, "corrupt-value")) << r.outcome.ToText();
  after.strings = {{"log:0", "a,b"}};  // a torn piece
  r = CheckRecoveryEpoch({}, writes, 30 * kMs, after, FsyncPolicy::kNo);
  EXPECT_TRUE(HasKind(r.outcome, "corrupt-value")) << r.outcome.ToText();
}

// ---- The disk's sector-torn crash mode --------------------------------------------------------

TEST(SimDiskTornAtSector, CutsInsideAnyWriteAtASectorBoundary) {
  std::set<size_t> sizes;
  for (uint64_t seed = 1; seed <= 40; seed++) {
    sim::SimDisk disk(seed);
    disk.set_crash_loss(sim::CrashLoss::kTornAtSector);
    ASSERT_TRUE(disk.Open("f", false).ok());
    ASSERT_TRUE(disk.SyncDir(".").ok());
    ASSERT_TRUE(disk.Append("f", std::string(100, 'a')).ok());
    ASSERT_TRUE(disk.Sync("f").ok());
    std::string all(100, 'a');
    for (int i = 0; i < 40; i++) {  // 40 writes of 50 bytes: the cut falls inside one of them
      std::string w(50, static_cast<char>('b' + i % 20));
      all += w;
      ASSERT_TRUE(disk.Append("f", w).ok());
    }
    disk.Crash();
    std::string c = *disk.Contents("f");
    ASSERT_GE(c.size(), 100u);
    EXPECT_TRUE(c.size() == 100u || c.size() % 512 == 0u) << c.size();
    EXPECT_EQ(all.compare(0, c.size(), c), 0);
    sizes.insert(c.size());
  }
  EXPECT_GE(sizes.size(), 3u);  // several different cuts over the seeds
}

// ---- The scenarios ---------------------------------------------------------------------------

RunResult RunScenario(const std::string& name, uint64_t seed, int64_t duration_ns) {
  const Scenario* s = FindScenario(name);
  EXPECT_NE(s, nullptr) << name;
  if (s == nullptr) return {};
  RunOptions o;
  o.seed = seed;
  o.duration_ns = duration_ns;
  return s->run(o);
}

struct Case {
  const char* name;
  Verdict expected;
};

class RecoveryScenario : public ::testing::TestWithParam<Case> {};

TEST_P(RecoveryScenario, ExpectedVerdictOverSeedsAndSameSeedSameHash) {
  const Case c = GetParam();
  constexpr int64_t kDuration = 15 * kSec;
  for (uint64_t seed = 1; seed <= 4; seed++) {
    RunResult r = RunScenario(c.name, seed, kDuration);
    EXPECT_EQ(r.expected, c.expected);
    EXPECT_EQ(r.verdict, c.expected) << c.name << " seed " << seed << "\n" << r.explanation;
    EXPECT_GE(r.crashes, 1u) << c.name << " seed " << seed;
    EXPECT_GT(r.ok, 200u) << c.name << " seed " << seed;
  }
  RunResult a = RunScenario(c.name, 7, kDuration);
  RunResult b = RunScenario(c.name, 7, kDuration);
  EXPECT_EQ(a.trace_hash, b.trace_hash) << c.name;
  EXPECT_EQ(a.explanation, b.explanation) << c.name;
  RunResult other = RunScenario(c.name, 8, kDuration);
  EXPECT_NE(a.trace_hash, other.trace_hash) << c.name;
}

INSTANTIATE_TEST_SUITE_P(All, RecoveryScenario,
                         ::testing::Values(Case{"aof-recovery-always", Verdict::kHolds},
                                           Case{"aof-recovery-everysec", Verdict::kHolds},
                                           Case{"aof-recovery-no", Verdict::kHolds},
                                           Case{"rdb-recovery", Verdict::kHolds},
                                           Case{"aof-recovery-always-lying-disk",
                                                Verdict::kRefuted}),
                         [](const ::testing::TestParamInfo<Case>& info) {
                           std::string n = info.param.name;
                           for (char& ch : n) {
                             if (ch == '-') ch = '_';
                           }
                           return n;
                         });

TEST(RecoveryScenarioLyingDisk, CaughtAsLostAcknowledgedWrites) {
  RunResult r = RunScenario("aof-recovery-always-lying-disk", 3, 10 * kSec);
  EXPECT_EQ(r.verdict, Verdict::kRefuted);
  EXPECT_NE(r.explanation.find("[lost-acknowledged-write]"), std::string::npos) << r.explanation;
}

// ---- The engine under a crash inside an AOF rewrite -------------------------------------------

// A rewrite switches writes to a new incremental file while the old one may still hold unsynced
// bytes (everysec, no). A crash before the new base is installed then keeps the old file's
// unsynced tail torn or lost while the new file may keep later writes: a non-last file with a
// torn tail (the server refuses to start) or a hole. The old file must be durable first.
void CrashInsideRewrite(const std::string& appendfsync, sim::CrashLoss loss, uint64_t seed) {
  World w(seed);
  ServerConfig config;
  config.port = 6379;
  config.appendonly = true;
  config.appendfsync = appendfsync;
  config.save.clear();
  config.auto_aof_rewrite_percentage = 0;
  SimNode* node = w.AddNode("n1", config);
  node->Start();
  w.AddClient();
  bool restarted = false, checked = false;
  w.sim().Spawn([&] {
    SimClient* c = w.client(0);
    ASSERT_TRUE(c->Connect(node->address(), node->port(), kSec));
    // A dataset big enough that the rewrite takes a few simulated ms.
    Random rng(seed);  // incompressible values: LZF must not shrink the base
    for (int i = 0; i < 2000; i++) {
      std::string v(1000, ' ');
      for (char& ch : v) ch = static_cast<char>('a' + rng.Uniform(26));
      ASSERT_TRUE(c->Call({"SET", "k" + std::to_string(i), v}, kSec).ok());
    }
    ASSERT_TRUE(c->Call({"SET", "before-rewrite", "1"}, kSec).ok());
    ASSERT_TRUE(c->Call({"BGREWRITEAOF"}, kSec).ok());
    ASSERT_TRUE(c->Call({"SET", "after-rewrite", "1"}, kSec).ok());
    ASSERT_TRUE(node->server()->persistence()->aof_rewrite_in_progress());
    node->disk().set_crash_loss(loss);
    node->Crash();
    Status s = node->TryStart();
    ASSERT_TRUE(s.ok()) << s.ToString();
    restarted = true;
    c->Disconnect();
    ASSERT_TRUE(c->Connect(node->address(), node->port(), kSec));
    CallResult before = c->Call({"EXISTS", "before-rewrite"}, kSec);
    CallResult after = c->Call({"EXISTS", "after-rewrite"}, kSec);
    ASSERT_TRUE(before.ok() && after.ok());
    // A prefix: the later write may survive only with the earlier one.
    EXPECT_TRUE(before.reply.integer == 1 || after.reply.integer == 0);
    checked = true;
  });
  w.Run(20 * kSec);
  EXPECT_TRUE(restarted && checked) << appendfsync;
}

TEST(AofRewriteCrash, OldIncrementalFileIsDurableBeforeTheNewOneGetsData) {
  for (const char* policy : {"everysec", "no"}) {
    for (uint64_t seed = 1; seed <= 3; seed++) {
      CrashInsideRewrite(policy, sim::CrashLoss::kTornAtSector, seed);
      CrashInsideRewrite(policy, sim::CrashLoss::kChosenBySeed, seed);
    }
  }
}

// ---- redsim run ------------------------------------------------------------------------------

#ifndef REDSIM_CLI_PATH
#define REDSIM_CLI_PATH "redsim"
#endif

// Runs the CLI; returns its output and sets *exit_code.
std::string RunCli(const std::string& args, int* exit_code) {
  FILE* p = popen((std::string(REDSIM_CLI_PATH) + " run " + args + " 2>&1").c_str(), "r");
  std::string out;
  char buf[4096];
  while (size_t n = fread(buf, 1, sizeof(buf), p)) out.append(buf, n);
  int status = pclose(p);
  *exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return out;
}

TEST(RecoveryCli, PrintsClaimAndVerdictsAndReplaysAcrossProcesses) {
  int code = -1;
  std::string a = RunCli("aof-recovery-everysec --seed 5 --duration 6s --json", &code);
  EXPECT_EQ(code, 0) << a;
  // The claim now carries its CLAIMS.md id (scenarios/defs/aof-recovery-everysec.toml).
  EXPECT_NE(a.find("claim P2: with appendfsync everysec"), std::string::npos) << a;
  EXPECT_NE(a.find("expected verdict: holds"), std::string::npos) << a;
  EXPECT_NE(a.find("actual verdict: holds"), std::string::npos) << a;
  // The JSON record (reports::RunRecordToJson) names the run's verdict "verdict".
  EXPECT_NE(a.find("\"verdict\":\"holds\""), std::string::npos) << a;
  EXPECT_NE(a.find("\"expected\":\"holds\""), std::string::npos) << a;
  std::string b = RunCli("aof-recovery-everysec --seed 5 --duration 6s --json", &code);
  size_t at = a.find("trace hash: ");
  ASSERT_NE(at, std::string::npos);
  EXPECT_NE(b.find(a.substr(at, 28)), std::string::npos) << a << b;
  std::string lying = RunCli("aof-recovery-always-lying-disk --seed 5 --duration 6s", &code);
  EXPECT_EQ(code, 0) << lying;  // refuted, as expected
  EXPECT_NE(lying.find("actual verdict: refuted"), std::string::npos) << lying;
}

}  // namespace
}  // namespace redsim::scenarios
