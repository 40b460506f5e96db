// The generic, file-driven scenarios: each new file in scenarios/defs gets its expected verdict
// on a few seeds; the loader rejects bad files with the file and line; a workload's `rate` is
// honoured (RapidCheck); a run is a pure function of its seed.
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "scenarios/generic.h"
#include "scenarios/scenario.h"
#include "scenarios/toml_scenarios.h"

namespace redsim::scenarios {
namespace {

constexpr int64_t kSec = 1'000'000'000;

RunResult RunScenario(const std::string& name, uint64_t seed, int64_t duration_ns) {
  const Scenario* s = FindScenario(name);
  EXPECT_NE(s, nullptr) << name;
  if (s == nullptr) return {};
  RunOptions o;
  o.seed = seed;
  o.duration_ns = duration_ns;
  o.duration_given = true;
  return s->run(o);
}

// "holds": every seed holds. "refuted": the listed seeds (found by a sweep of 1..20) refute it,
// with a counterexample in the explanation.
void ExpectVerdict(const std::string& name, const std::vector<uint64_t>& seeds,
                   int64_t duration_ns) {
  for (uint64_t seed : seeds) {
    RunResult r = RunScenario(name, seed, duration_ns);
    ASSERT_NE(r.expected, Verdict::kNone) << name;
    EXPECT_EQ(r.verdict, r.expected) << name << " seed " << seed << "\n" << r.explanation;
    EXPECT_GT(r.ok, 0u) << name << " seed " << seed;
    if (r.expected == Verdict::kRefuted) {
      EXPECT_FALSE(r.violation.empty()) << name;
    }
  }
}

TEST(GenericScenarios, CasRegisterLuaHolds) {
  ExpectVerdict("cas-register-lua", {1, 2}, 10 * kSec);
}

TEST(GenericScenarios, CasRegisterWatchHolds) {
  ExpectVerdict("cas-register-watch", {1, 2}, 10 * kSec);
}

TEST(GenericScenarios, CasRegisterDoesCompareAndSet) {
  // Not vacuous: both successful and failed compare-and-sets happen.
  const Scenario* s = FindScenario("cas-register-lua");
  ASSERT_NE(s, nullptr);
  RunOptions o;
  o.seed = 3;
  o.duration_ns = 5 * kSec;
  o.keep_history = true;
  RunResult r = s->run(o);
  EXPECT_NE(r.history_jsonl.find("\"f\":\"cas\",\"key\":\"w0:cas-register:0\",\"value\":true"),
            std::string::npos);
  EXPECT_NE(r.history_jsonl.find("\"f\":\"cas\",\"key\":\"w0:cas-register:0\",\"value\":false"),
            std::string::npos);
}

TEST(GenericScenarios, CounterSetPrimaryHolds) {
  ExpectVerdict("counter-set-primary", {1, 2}, 10 * kSec);
}

TEST(GenericScenarios, LockSinglePausesHolds) {
  ExpectVerdict("lock-single-pauses", {1, 2}, 15 * kSec);
}

TEST(GenericScenarios, ListAppendReplicaReadsRefuted) {
  ExpectVerdict("list-append-replica-reads", {1, 2}, 20 * kSec);
}

TEST(GenericScenarios, QueueCrashRefuted) {
  ExpectVerdict("queue-crash-no-persistence", {1, 2}, 20 * kSec);
}

TEST(GenericScenarios, LockClockJumpRefuted) {
  ExpectVerdict("lock-single-clock-jump", {1, 2}, 20 * kSec);
}

TEST(GenericScenarios, SameSeedSameTraceHash) {
  for (const char* name : {"cas-register-watch", "lock-single-pauses", "counter-set-primary"}) {
    RunResult a = RunScenario(name, 7, 4 * kSec);
    RunResult b = RunScenario(name, 7, 4 * kSec);
    RunResult c = RunScenario(name, 8, 4 * kSec);
    EXPECT_EQ(a.trace_hash, b.trace_hash) << name;
    EXPECT_EQ(a.ops, b.ops) << name;
    EXPECT_NE(a.trace_hash, c.trace_hash) << name;
  }
}

TEST(GenericScenarios, EveryListedScenarioHasAClaim) {
  for (const Scenario& s : AllScenarios()) {
    if (s.name == "idle-3-node") continue;  // the benchmark topology has no checker
    EXPECT_FALSE(s.claim_id.empty()) << s.name;
    EXPECT_FALSE(s.claim.empty()) << s.name;
  }
  EXPECT_GE(AllScenarios().size(), 22u);
}

// ---- Rates -------------------------------------------------------------------------------------

// A workload with rate R runs about R * duration operations per client: at most one more (the
// grid starts at 0), and not many fewer (no faults here, replies take well under the interval).
RC_GTEST_PROP(GenericScenarios, RateIsHonoured, ()) {
  const int rate = *rc::gen::inRange(1, 60);
  const int clients = *rc::gen::inRange(1, 4);
  const int64_t duration_ms = *rc::gen::inRange(1000, 6000);
  const std::string kind =
      *rc::gen::element<std::string>("register", "counter", "set", "list-append", "queue");
  GenericSpec spec;
  spec.nodes.push_back({"n1", "primary", "", {{"save", ""}}});
  GenericWorkloadSpec w;
  w.kind = kind;
  w.clients = clients;
  w.keys = 2;
  w.rate = rate;
  spec.workloads.push_back(w);
  RunOptions o;
  o.seed = *rc::gen::inRange<uint64_t>(1, 1000000);
  o.duration_ns = duration_ms * 1'000'000;
  RunResult r = RunGeneric(o, "rate-test", spec);
  double expected = rate * static_cast<double>(duration_ms) / 1000.0;
  double per_client = static_cast<double>(r.ops) / clients;
  RC_LOG() << kind << " rate " << rate << " x " << duration_ms << " ms: " << per_client
           << " ops per client, expected ~" << expected;
  RC_ASSERT(per_client <= expected + 1.1 + 1e-9);  // +1: the slot at 0; +0.1: jitter
  RC_ASSERT(per_client >= expected * 0.9 - 1.0);
  RC_ASSERT(r.verdict == Verdict::kHolds);
}

// Writes sent to a replica are refused with -READONLY: recorded as `fail` (certainly not
// applied), so reads of the primary that never see them are still linearizable.
TEST(GenericScenarios, RefusedWritesAreFailNotInfo) {
  GenericSpec spec;
  spec.nodes.push_back({"n1", "primary", "", {{"save", ""}}});
  spec.nodes.push_back({"n2", "replica", "n1", {{"save", ""}}});
  GenericWorkloadSpec w;
  w.kind = "counter";
  w.clients = 2;
  w.keys = 1;
  w.rate = 20;
  w.target = "replicas";
  w.read_target = "primary";
  spec.workloads.push_back(w);
  RunOptions o;
  o.seed = 4;
  o.duration_ns = 3 * kSec;
  o.keep_history = true;
  RunResult r = RunGeneric(o, "readonly-test", spec);
  EXPECT_GT(r.fail, 10u);
  EXPECT_EQ(r.info, 0u);
  EXPECT_NE(r.history_jsonl.find("READONLY"), std::string::npos);
  EXPECT_EQ(r.verdict, Verdict::kHolds) << r.explanation;
}

// ---- The loader
// ----------------------------------------------------------------------------------

std::string WriteFile(const std::string& name, const std::string& text) {
  std::string path = (std::filesystem::temp_directory_path() / name).string();
  std::ofstream(path) << text;
  return path;
}

constexpr const char* kGood = R"(name = "g1"
duration = "5s"
[claim]
id = "X"
text = "t"
expected = "holds"
[[node]]
name = "n1"
[[node]]
name = "n2"
role = "replica"
replicaof = "n1"
[[workload]]
kind = "cas-register"
clients = 2
rate = 10
cas_via = "watch"
)";

// Loads `text` with `from` replaced by `to`; expects failure with `message` at `line`.
void ExpectLoadError(const std::string& from, const std::string& to, int line,
                     const std::string& message) {
  std::string text = kGood;
  size_t at = text.find(from);
  ASSERT_NE(at, std::string::npos) << from;
  text.replace(at, from.size(), to);
  std::string path = WriteFile("redsim_generic_bad.toml", text);
  Scenario s;
  std::string error;
  EXPECT_FALSE(LoadScenarioFile(path, &s, &error)) << text;
  EXPECT_NE(error.find(path + ":" + std::to_string(line) + ": " + message), std::string::npos)
      << "want line " << line << ": " << message << "\ngot: " << error;
}

TEST(GenericLoader, GoodFileLoadsWithItsDuration) {
  Scenario s;
  std::string error;
  ASSERT_TRUE(LoadScenarioFile(WriteFile("redsim_generic_good.toml", kGood), &s, &error)) << error;
  EXPECT_EQ(s.name, "g1");
  EXPECT_EQ(s.default_duration_ns, 5 * kSec);
  RunOptions o;
  ApplyScenarioDefaults(s, &o);
  EXPECT_EQ(o.duration_ns, 5 * kSec);
  RunOptions given;
  given.duration_ns = 2 * kSec;
  given.duration_given = true;
  ApplyScenarioDefaults(s, &given);
  EXPECT_EQ(given.duration_ns, 2 * kSec);
}

TEST(GenericLoader, BadFilesNameFileAndLine) {
  ExpectLoadError("rate = 10", "rate = 10\nratee = 3", 17, "unknown key 'ratee' in [[workload]]");
  ExpectLoadError("kind = \"cas-register\"", "kind = \"cas-registr\"", 14,
                  "bad workload kind 'cas-registr'");
  ExpectLoadError("role = \"replica\"", "role = \"follower\"", 11, "bad role 'follower'");
  ExpectLoadError("replicaof = \"n1\"", "replicaof = \"n9\"", 9,
                  "node 'n2': replicaof 'n9' is not a primary");
  ExpectLoadError("replicaof = \"n1\"\n", "", 9, "node 'n2': a replica needs replicaof");
  ExpectLoadError("cas_via = \"watch\"", "cas_via = \"multi\"", 17, "bad cas_via 'multi'");
  ExpectLoadError("cas_via = \"watch\"", "lease = \"1s\"", 17,
                  "key 'lease' does not apply to kind cas-register");
  ExpectLoadError("duration = \"5s\"", "duration = \"5s\"\ncheckers = [\"queue\"]", 3,
                  "checker 'queue' judges no workload here");
  ExpectLoadError("duration = \"5s\"", "duration = \"5s\"\ndriver = \"crash-recovery\"", 8,
                  "a driver scenario has no [[node]]");
  ExpectLoadError("duration = \"5s\"", "duration = \"5s\"\nclients = 3", 3,
                  "clients, keys, rate and [options] belong to driver scenarios");
  ExpectLoadError("name = \"n1\"", "name = \"n1\"\n[node.config]\nappendonly = \"maybe\"", 10,
                  "config appendonly maybe");
}

TEST(GenericLoader, DriverFilesAreStrictToo) {
  const std::string base = R"(name = "d1"
driver = "crash-recovery"
[claim]
id = "X"
text = "t"
expected = "holds"
[options]
lying_disk = true
)";
  Scenario s;
  std::string error;
  ASSERT_TRUE(LoadScenarioFile(WriteFile("redsim_driver_good.toml", base), &s, &error)) << error;
  std::string path = WriteFile("redsim_driver_bad1.toml", base + "lying_disc = true\n");
  EXPECT_FALSE(LoadScenarioFile(path, &s, &error));
  EXPECT_NE(error.find(path + ":9: unknown key 'lying_disc' in [options] of driver crash-recovery"),
            std::string::npos)
      << error;
  path = WriteFile("redsim_driver_bad2.toml", base + "[nemesis.crash]\nper_minute = 3\n");
  EXPECT_FALSE(LoadScenarioFile(path, &s, &error));
  EXPECT_NE(error.find("driver crash-recovery schedules its own faults"), std::string::npos)
      << error;
  std::string other = base;
  other.replace(other.find("crash-recovery"), 14, "crash-recovry");
  path = WriteFile("redsim_driver_bad3.toml", other);
  EXPECT_FALSE(LoadScenarioFile(path, &s, &error));
  EXPECT_NE(error.find(path + ":2: unknown driver 'crash-recovry'"), std::string::npos) << error;
}

// ---- Faults at fixed times ([[fault]])
// -----------------------------------------------------------------

constexpr const char* kFixedFaults = R"(
[[fault]]
kind = "crash"
at = "2s"
duration = "1s"
node = "n2"
[[fault]]
kind = "partition"
at = "1s"
duration = "500ms"
groups = [["n1"], ["n2"]]
[[fault]]
kind = "clock"
shape = "jump"
at = "3s"
node = "n1"
offset = "-30s"
)";

TEST(GenericLoader, FixedFaultsJoinTheScheduleInTimeOrder) {
  Scenario s;
  std::string error;
  std::string path = WriteFile("redsim_generic_faults.toml", std::string(kGood) + kFixedFaults);
  ASSERT_TRUE(LoadScenarioFile(path, &s, &error)) << error;
  RunOptions o;
  o.seed = 4;
  o.duration_ns = 5 * kSec;
  o.duration_given = true;
  RunResult r = s.run(o);
  ASSERT_EQ(r.schedule.faults.size(), 3u) << faults::ScheduleToText(r.schedule);
  const faults::Fault& cut = r.schedule.faults[0];
  EXPECT_EQ(cut.kind, "partition");
  EXPECT_EQ(cut.shape, "halves");
  EXPECT_EQ(cut.at_ns, 1 * kSec);
  EXPECT_EQ(cut.duration_ns, kSec / 2);
  EXPECT_EQ(cut.groups, (std::vector<int>{0, 1}));
  EXPECT_EQ(cut.targets, (std::vector<int>{0}));
  const faults::Fault& crash = r.schedule.faults[1];
  EXPECT_EQ(crash.kind, "crash");
  EXPECT_EQ(crash.targets, (std::vector<int>{1}));
  EXPECT_EQ(crash.end_ns(), 3 * kSec);
  EXPECT_EQ(r.schedule.faults[2].amount, -30 * kSec);
  EXPECT_EQ(r.schedule.faults[2].duration_ns, -1);
  EXPECT_EQ(r.crashes, 1u);
  // A replay of the recorded schedule (what --faults does) runs the same world.
  RunOptions replay = o;
  replay.schedule = r.schedule;
  EXPECT_EQ(s.run(replay).trace_hash, r.trace_hash);
  // Without the fixed faults the run differs (they were not ignored).
  replay.schedule = faults::Schedule{};
  EXPECT_NE(s.run(replay).trace_hash, r.trace_hash);
}

TEST(GenericLoader, BadFixedFaultsNameFileAndLine) {
  const std::string base = std::string(kGood) + "[[fault]]\nkind = \"crash\"\nat = \"1s\"\n";
  auto expect = [&](const std::string& extra, int line, const std::string& message) {
    std::string path = WriteFile("redsim_generic_badfault.toml", base + extra);
    Scenario s;
    std::string error;
    EXPECT_FALSE(LoadScenarioFile(path, &s, &error)) << extra;
    EXPECT_NE(error.find(path + ":" + std::to_string(line) + ": " + message), std::string::npos)
        << "want line " << line << ": " << message << "\ngot: " << error;
  };
  expect("node = \"n9\"\n", 18, "fault names node 'n9', not in this file");
  expect("", 18, "fault 'crash' needs a node");
  expect("node = \"n1\"\nshape = \"halves\"\n", 18, "fault 'crash' has no shape 'halves'");
  expect("node = \"n1\"\ngroups = [[\"n1\"], [\"n2\"]]\n", 18, "only a partition has groups");
  expect("node = \"n1\"\nduration = \"0s\"\n", 22, "duration must be positive");
  expect("node = \"n1\"\nwhen = \"1s\"\n", 22, "unknown key 'when' in [[fault]]");
  expect(
      "node = \"n1\"\n[[fault]]\nkind = \"partition\"\nat = \"1s\"\ngroups = [[\"n1\"], "
      "[\"n1\", \"n2\"]]\n",
      22, "node 'n1' is in two partition groups");
}

TEST(GenericLoader, SentinelNodesAreChecked) {
  const std::string base = std::string(kGood) +
                           "[[node]]\nname = \"s1\"\nrole = \"sentinel\"\nmonitor = \"n1\"\n"
                           "[sentinel]\ndown-after-milliseconds = 2000\n";
  Scenario s;
  std::string error;
  EXPECT_TRUE(LoadScenarioFile(WriteFile("redsim_generic_sentinel.toml", base), &s, &error))
      << error;
  auto expect = [&](const std::string& from, const std::string& to, int line,
                    const std::string& message) {
    std::string text = base;
    text.replace(text.find(from), from.size(), to);
    std::string path = WriteFile("redsim_generic_badsentinel.toml", text);
    EXPECT_FALSE(LoadScenarioFile(path, &s, &error)) << text;
    EXPECT_NE(error.find(path + ":" + std::to_string(line) + ": " + message), std::string::npos)
        << "want line " << line << ": " << message << "\ngot: " << error;
  };
  expect("monitor = \"n1\"", "monitor = \"s1\"", 18, "node 's1': monitor 's1' is not a data node");
  expect("monitor = \"n1\"\n", "", 18, "node 's1': a sentinel needs monitor");
  expect("down-after-milliseconds", "down-after-millis", 23,
         "unknown key 'down-after-millis' in [sentinel]");
  std::string no_sentinel = kGood;
  no_sentinel.replace(no_sentinel.find("rate = 10"), 9, "rate = 10\ntarget = \"sentinel\"");
  std::string path = WriteFile("redsim_generic_nosentinel.toml", no_sentinel);
  EXPECT_FALSE(LoadScenarioFile(path, &s, &error));
  EXPECT_NE(error.find("a workload asks a Sentinel but no node is a sentinel"), std::string::npos)
      << error;
}

}  // namespace
}  // namespace redsim::scenarios
