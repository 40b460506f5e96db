// The nemesis library (faults/), the register-with-increments check, and the sweep / shrink /
// replay / report commands, including the issue's "deliberately broken engine" test: a build
// that drops every 100th acknowledged SET is caught by a sweep, shrunk, and replayed by seed.
#include "faults/nemesis.h"

#include <gtest/gtest.h>
#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <set>
#include <sstream>

#include "reports/report.h"
#include "scenarios/kv_check.h"
#include "scenarios/scenario.h"
#include "scenarios/shrink.h"
#include "scenarios/sweep.h"
#include "scenarios/toml_scenarios.h"

namespace redsim::scenarios {
namespace {

constexpr int64_t kMs = 1'000'000;
constexpr int64_t kSec = 1'000 * kMs;

faults::RandomScheduleSpec EverythingSpec() {
  faults::RandomScheduleSpec spec;
  for (const auto& n : faults::AllNemeses()) {
    if (n.name == faults::kRestart || n.name == faults::kResume || n.name == faults::kHeal)
      continue;
    faults::NemesisOptions o = n.defaults;
    o.per_minute = 20;
    for (auto s : n.shapes) o.shapes.emplace_back(s);
    if (n.name == faults::kDisk) o.max_amount = 4096;
    spec.kinds.emplace_back(std::string(n.name), o);
  }
  return spec;
}

TEST(Nemesis, EveryKindIsRegisteredWithDefaults) {
  std::set<std::string> names;
  for (const auto& n : faults::AllNemeses()) names.insert(std::string(n.name));
  for (auto want :
       {"crash", "restart", "pause", "resume", "partition", "heal", "clog", "clock", "disk"}) {
    EXPECT_TRUE(names.count(want)) << want;
  }
  const faults::NemesisInfo* p = faults::FindNemesis("partition");
  ASSERT_NE(p, nullptr);
  std::set<std::string_view> shapes(p->shapes.begin(), p->shapes.end());
  for (auto s :
       {"isolate-one", "halves", "bridge", "ring", "random-groups", "one-way-in", "one-way-out"}) {
    EXPECT_TRUE(shapes.count(s)) << s;
  }
  EXPECT_EQ(faults::FindNemesis("meteor"), nullptr);
}

TEST(Nemesis, ScheduleIsAFunctionOfTheSeedAndRoundTripsAsText) {
  Random a(7), b(7), c(8);
  faults::Schedule sa = faults::GenerateSchedule(EverythingSpec(), a, 5, 60 * kSec);
  faults::Schedule sb = faults::GenerateSchedule(EverythingSpec(), b, 5, 60 * kSec);
  faults::Schedule sc = faults::GenerateSchedule(EverythingSpec(), c, 5, 60 * kSec);
  EXPECT_EQ(sa, sb);
  EXPECT_NE(sa, sc);
  EXPECT_GT(sa.faults.size(), 20u);
  for (size_t i = 1; i < sa.faults.size(); i++)
    EXPECT_LE(sa.faults[i - 1].at_ns, sa.faults[i].at_ns);
  faults::Schedule parsed;
  std::string error;
  ASSERT_TRUE(faults::ParseSchedule(faults::ScheduleToText(sa), &parsed, &error)) << error;
  EXPECT_EQ(parsed, sa);
  EXPECT_FALSE(faults::ParseSchedule("meteor//1/1/0/0/", &parsed, &error));
  EXPECT_FALSE(faults::ParseSchedule("partition/sideways/1/1/0/0/", &parsed, &error));
  EXPECT_FALSE(faults::ParseSchedule("crash//x/1/0/0/", &parsed, &error));
  ASSERT_TRUE(faults::ParseSchedule("none", &parsed, &error));
  EXPECT_TRUE(parsed.faults.empty());
}

// Installs one partition on a five-node world and returns which node pairs are cut.
std::set<std::pair<int, int>> CutPairs(const std::string& shape, std::vector<int> groups,
                                       std::vector<int> targets) {
  World w(1);
  for (int i = 0; i < 5; i++) w.AddNode("n" + std::to_string(i + 1), ServerConfig());
  faults::Schedule s;
  s.faults.push_back({"partition", 10 * kMs, 100 * kMs, targets, shape, 0, groups});
  faults::InstallSchedule(w, s);
  w.sim().RunUntil(20 * kMs);
  std::set<std::pair<int, int>> cut;
  for (int a = 0; a < 5; a++) {
    for (int b = 0; b < 5; b++) {
      if (a != b && w.net().Blocked(w.node(a)->host(), w.node(b)->host())) cut.insert({a, b});
    }
  }
  w.sim().RunUntil(200 * kMs);  // healed
  for (int a = 0; a < 5; a++) {
    for (int b = 0; b < 5; b++) EXPECT_FALSE(w.net().Blocked(w.node(a)->host(), w.node(b)->host()));
  }
  EXPECT_EQ(w.history().size(), 2u);  // partition + heal, as nemesis entries
  return cut;
}

TEST(Nemesis, PartitionShapes) {
  // Halves: {0,1} | {2,3,4}: 2*3*2 directed cut pairs.
  EXPECT_EQ(CutPairs("halves", {0, 0, 1, 1, 1}, {0, 1, 2, 3, 4}).size(), 12u);
  // Bridge: node 4 (-1) talks to both halves.
  auto bridge = CutPairs("bridge", {0, 0, 1, 1, -1}, {0, 1, 2, 3, 4});
  EXPECT_EQ(bridge.size(), 8u);
  EXPECT_FALSE(bridge.count({4, 0}));
  // Ring: positions 0..4; each node reaches its two neighbours only.
  auto ring = CutPairs("ring", {0, 1, 2, 3, 4}, {0, 1, 2, 3, 4});
  EXPECT_EQ(ring.size(), 10u);
  EXPECT_FALSE(ring.count({0, 4}));
  EXPECT_TRUE(ring.count({0, 2}));
  // One-way: nobody reaches node 2, node 2 still reaches everyone.
  auto in = CutPairs("one-way-in", {1, 1, 0, 1, 1}, {2});
  EXPECT_EQ(in.size(), 4u);
  EXPECT_TRUE(in.count({0, 2}));
  EXPECT_FALSE(in.count({2, 0}));
  EXPECT_EQ(CutPairs("isolate-one", {1, 1, 0, 1, 1}, {2}).size(), 8u);
}

TEST(Nemesis, ClockSkewJumpAndDriftOnOneNode) {
  World w(3);
  w.AddNode("n1", ServerConfig());
  w.AddNode("n2", ServerConfig());
  faults::Schedule s;
  s.faults.push_back({"clock", 100 * kMs, 500 * kMs, {0}, "skew", 5 * kSec, {}});
  s.faults.push_back({"clock", 100 * kMs, 2 * kSec, {1}, "drift", 100'000'000, {}});
  faults::InstallSchedule(w, s);
  sim::HostId h1 = w.node(0)->host(), h2 = w.node(1)->host();
  w.sim().RunUntil(200 * kMs);
  EXPECT_EQ(w.sim().HostWallNs(h1) - w.sim().HostMonotonicNs(h1) - sim::Simulator::kEpochNs,
            5 * kSec);
  int64_t mono_before = w.sim().HostMonotonicNs(h2);
  w.sim().RunUntil(1200 * kMs);
  // 10% fast: one true second is 1.1 s on n2's monotonic clock, which never jumps.
  EXPECT_EQ(w.sim().HostMonotonicNs(h2) - mono_before, 1100 * kMs);
  EXPECT_EQ(w.sim().HostWallNs(h1) - w.sim().HostMonotonicNs(h1) - sim::Simulator::kEpochNs, 0);
}

TEST(Nemesis, DiskFaultsSwitchOnAndOff) {
  World w(4);
  SimNode* n = w.AddNode("n1", ServerConfig());
  faults::Schedule s;
  s.faults.push_back({"disk", 10 * kMs, 100 * kMs, {0}, "lying-fsync", 0, {}});
  s.faults.push_back({"disk", 10 * kMs, 100 * kMs, {0}, "enospc", 100, {}});
  s.faults.push_back({"disk", 10 * kMs, 100 * kMs, {0}, "corrupt-read", 1000, {}});
  faults::InstallSchedule(w, s);
  w.sim().RunUntil(20 * kMs);
  EXPECT_TRUE(n->disk().faults().fsync_lies);
  EXPECT_EQ(n->disk().faults().capacity_bytes, 100);
  EXPECT_GT(n->disk().faults().read_corruption, 0);
  ASSERT_TRUE(n->disk().Open("f", true).ok());
  EXPECT_FALSE(n->disk().Append("f", std::string(200, 'x')).ok());  // ENOSPC
  w.sim().RunUntil(200 * kMs);
  EXPECT_FALSE(n->disk().faults().fsync_lies);
  EXPECT_EQ(n->disk().faults().capacity_bytes, -1);
  EXPECT_TRUE(n->disk().Append("f", std::string(200, 'x')).ok());
}

TEST(Nemesis, EveryFaultIsInTheHistoryAndTheRunReplays) {
  const Scenario* s = FindScenario("single-node-faults");
  ASSERT_NE(s, nullptr);
  RunOptions o;
  o.seed = 11;
  o.duration_ns = 6 * kSec;
  o.keep_history = true;
  std::string error;
  faults::Schedule sched;
  ASSERT_TRUE(faults::ParseSchedule(
      "crash//500/300/0/0/;pause//1200/200/0/0/;partition/isolate-host/1600/300/0/0/0;"
      "clog//2100/200/0/0/;clock/jump/2500/-1/0/-3000000000/;clock/drift/2600/500/0/2000000/;"
      "disk/torn/3300/100/0/0/;disk/lying-fsync/3500/300/0/0/;heal//3900/-1//0/",
      &sched, &error))
      << error;
  o.schedule = sched;
  RunResult a = s->run(o);
  RunResult b = s->run(o);
  EXPECT_EQ(a.trace_hash, b.trace_hash);
  EXPECT_EQ(a.history_jsonl, b.history_jsonl);
  for (auto f : {"\"f\":\"crash\"", "\"f\":\"restart\"", "\"f\":\"pause\"", "\"f\":\"resume\"",
                 "\"f\":\"partition\"", "\"f\":\"heal\"", "\"f\":\"clog\"", "\"f\":\"clock\"",
                 "\"f\":\"disk\""}) {
    EXPECT_NE(a.history_jsonl.find(std::string("{\"process\":\"nemesis\",\"type\":\"info\",") + f),
              std::string::npos)
        << f;
  }
  EXPECT_EQ(a.schedule, sched);
  // Without the crash the same seed draws a different history: the faults matter.
  o.schedule->faults.erase(o.schedule->faults.begin());
  EXPECT_NE(s->run(o).trace_hash, a.trace_hash);
}

TEST(Probes, EngineLogLinesAndFaultsAreCounted) {
  RunOptions o;
  o.seed = 2;
  o.duration_ns = 3 * kSec;
  o.clients = 4;
  o.config = {{"appendonly", "yes"}, {"appendfsync", "no"}};
  std::string error;
  faults::Schedule sched;
  ASSERT_TRUE(faults::ParseSchedule("disk/torn/1000/300/0/0/;disk/lose-unsynced/2000/300/0/0/",
                                    &sched, &error));
  o.schedule = sched;
  RunResult r = FindScenario("single-node-faults")->run(o);
  EXPECT_EQ(r.probes["server-started"], 3u);
  EXPECT_EQ(r.probes["aof-loaded"], 2u);
  EXPECT_EQ(r.probes["fault:disk:torn"], 1u);
  EXPECT_EQ(r.probes["fault:disk:lose-unsynced"], 1u);
  EXPECT_EQ(r.probes["node-crashed"], 2u);
  EXPECT_EQ(r.probes.count("replica-full-resync"), 0u);
}

// ---- The register-with-increments check ------------------------------------------------------

TEST(KvCheck, AcceptsConcurrentAndRejectsLostWrites) {
  History h;
  h.Add(0, OpType::kInvoke, "write", "k", "\"1\"", 10);
  h.Add(0, OpType::kOk, "write", "k", "\"1\"", 20);
  h.Add(1, OpType::kInvoke, "write", "k", "\"2\"", 30);
  h.Add(2, OpType::kInvoke, "read", "k", "null", 31);
  h.Add(2, OpType::kOk, "read", "k", "\"1\"", 32);  // before the concurrent write: fine
  h.Add(1, OpType::kInfo, "write", "k", "\"2\"", 40, "timeout");
  h.Add(2, OpType::kInvoke, "read", "k", "null", 50);
  h.Add(2, OpType::kOk, "read", "k", "\"2\"", 51);  // the unknown write took effect: fine
  h.Add(3, OpType::kInvoke, "incr", "k", "null", 60);
  h.Add(3, OpType::kOk, "incr", "k", "3", 61);
  h.Add(2, OpType::kInvoke, "read", "k", "null", 70);
  h.Add(2, OpType::kOk, "read", "k", "\"3\"", 71);
  EXPECT_TRUE(CheckKvHistory(h).ok);
  History lost = h;
  lost.Add(-1, OpType::kInfo, "crash", "", "{}", 75);
  lost.Add(2, OpType::kInvoke, "read", "k", "null", 80);
  lost.Add(2, OpType::kOk, "read", "k", "null", 81);
  KvCheckResult r = CheckKvHistory(lost);
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.violation, "lost-write");
  EXPECT_NE(r.explanation.find("crash"), std::string::npos) << r.explanation;
  History stale = h;
  stale.Add(2, OpType::kInvoke, "read", "k", "null", 80);
  stale.Add(2, OpType::kOk, "read", "k", "\"1\"", 81);  // older than the acknowledged INCR
  EXPECT_EQ(CheckKvHistory(stale).violation, "lost-write");
  History garbage = h;
  garbage.Add(2, OpType::kInvoke, "read", "k", "null", 80);
  garbage.Add(2, OpType::kOk, "read", "k", "\"zzz\"", 81);
  EXPECT_EQ(CheckKvHistory(garbage).violation, "unexpected-value");
}

struct Cmd {
  int status;
  std::string out;
};

Cmd Sh(const std::string& args) {
  std::string cmd = std::string(REDSIM_CLI_PATH) + " " + args + " 2>&1";
  std::unique_ptr<FILE, int (*)(FILE*)> p(popen(cmd.c_str(), "r"), pclose);
  std::string out;
  std::array<char, 4096> buf;
  size_t n;
  while ((n = fread(buf.data(), 1, buf.size(), p.get())) > 0) out.append(buf.data(), n);
  int status = pclose(p.release());
  return {WEXITSTATUS(status), out};
}

std::string TempDir(const std::string& name) {
  std::string d = (std::filesystem::temp_directory_path() / ("redsim_nemesis_" + name)).string();
  std::filesystem::remove_all(d);
  return d;
}

// ---- Declarative scenario files ---------------------------------------------------------------

std::string WriteFile(const std::string& name, const std::string& text) {
  std::string path = (std::filesystem::temp_directory_path() / name).string();
  std::ofstream(path) << text;
  return path;
}

TEST(TomlScenarios, LoadAndRejectUnknownKeysWithFileAndLine) {
  const char* good = R"(name = "t1"
workload = "single-node"
clients = 2
[claim]
id = "X"
text = "t"
expected = "holds"
[config]
appendonly = "yes"
[nemesis.partition]
per_minute = 2
shapes = ["halves"]
)";
  Scenario s;
  std::string error;
  ASSERT_TRUE(LoadScenarioFile(WriteFile("redsim_t1.toml", good), &s, &error)) << error;
  EXPECT_EQ(s.name, "t1");
  EXPECT_EQ(s.claim_id, "X");
  std::string typo = std::string(good) + "max_duraton = \"1s\"\n";
  std::string path = WriteFile("redsim_t2.toml", typo);
  EXPECT_FALSE(LoadScenarioFile(path, &s, &error));
  EXPECT_NE(error.find(path + ":13: unknown key 'max_duraton'"), std::string::npos) << error;
  std::string top = "nmae = \"x\"\n" + std::string(good);
  path = WriteFile("redsim_t3.toml", top);
  EXPECT_FALSE(LoadScenarioFile(path, &s, &error));
  EXPECT_NE(error.find(path + ":1: unknown key 'nmae'"), std::string::npos) << error;
  std::string shape = std::string(good);
  shape.replace(shape.find("halves"), 6, "sideways");
  path = WriteFile("redsim_t4.toml", shape);
  EXPECT_FALSE(LoadScenarioFile(path, &s, &error));
  EXPECT_NE(error.find(":12: nemesis 'partition' has no shape 'sideways'"), std::string::npos)
      << error;
  std::string bad_config = std::string(good);
  bad_config.replace(bad_config.find("appendonly = \"yes\""), 18, "appendonly = \"maybe\"");
  path = WriteFile("redsim_t5.toml", bad_config);
  EXPECT_FALSE(LoadScenarioFile(path, &s, &error));
  EXPECT_NE(error.find(":9: config appendonly maybe"), std::string::npos) << error;
  std::vector<Scenario> all;
  ASSERT_TRUE(LoadScenarioDir(ScenarioDefsDir(), &all, &error)) << error;
  EXPECT_GE(all.size(), 2u);
}

TEST(TomlScenarios, ListShowsClaims) {
  Cmd l = Sh("list");
  EXPECT_EQ(l.status, 0);
  EXPECT_NE(l.out.find("claim K1 (expected refuted)"), std::string::npos) << l.out;
  EXPECT_NE(l.out.find("claim K2 (expected holds)"), std::string::npos) << l.out;
}

// ---- Reports -------------------------------------------------------------------------------

size_t Count(const std::string& text, const std::string& needle) {
  size_t n = 0;
  for (size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) n++;
  return n;
}

TEST(Reports, RunPageHasOneBarPerOperationAndRecordsRoundTrip) {
  RunOptions o;
  o.seed = 3;
  o.duration_ns = 4 * kSec;
  o.clients = 3;
  o.max_ops = 500;  // every operation drawn (pages draw at most 4000)
  o.keep_history = true;
  RunResult r;
  reports::RunRecord rec = RunOne(*FindScenario("single-node-kv"), o, &r);
  std::string html = reports::RunReportHtml(rec, r.history_jsonl);
  EXPECT_EQ(Count(html, "<rect class=\"op "), r.ops);
  EXPECT_EQ(Count(html, "<script"), 0u);
  EXPECT_EQ(Count(html, "http://"), Count(html, "xmlns=\"http://www.w3.org/2000/svg\""));
  EXPECT_NE(html.find(rec.claim), std::string::npos);
  EXPECT_EQ(Count(html, "<rect class=\"fault\""), r.schedule.faults.size());
  reports::RunRecord back;
  std::string error;
  ASSERT_TRUE(reports::RunRecordFromJson(reports::RunRecordToJson(rec), &back, &error)) << error;
  EXPECT_EQ(reports::RunRecordToJson(back), reports::RunRecordToJson(rec));
}

// ---- The command line ----------------------------------------------------------------------

size_t Lines(const std::string& path) {
  std::ifstream f(path);
  std::string l;
  size_t n = 0;
  while (std::getline(f, l)) n += !l.empty();
  return n;
}

TEST(Sweep, ShardsJobsMergeAndReports) {
  std::string whole = TempDir("whole"), s0 = TempDir("s0"), s1 = TempDir("s1");
  Cmd a = Sh("sweep single-node-kv --seeds 1..6 --duration 4s --jobs 2 --out " + whole);
  EXPECT_EQ(a.status, 0) << a.out;  // the claim is expected to be refuted, and is
  EXPECT_NE(a.out.find("replay: redsim run single-node-kv --seed"), std::string::npos) << a.out;
  EXPECT_EQ(Lines(whole + "/results.jsonl"), 6u);
  EXPECT_TRUE(std::filesystem::exists(whole + "/index.html"));
  EXPECT_TRUE(std::filesystem::exists(whole + "/junit.xml"));
  EXPECT_TRUE(std::filesystem::exists(whole + "/summary.json"));
  Cmd b0 = Sh("sweep single-node-kv --seeds 1..6 --duration 4s --shard 0/2 --out " + s0);
  Cmd b1 = Sh("sweep single-node-kv --seeds 1..6 --duration 4s --shard 1/2 --out " + s1);
  EXPECT_EQ(Lines(s0 + "/results-shard-0-of-2.jsonl"), 3u) << b0.out;
  EXPECT_EQ(Lines(s1 + "/results-shard-1-of-2.jsonl"), 3u) << b1.out;
  Cmd m = Sh("report merge " + s0 + " " + s1 + " --out " + s0);
  EXPECT_EQ(m.status, 0) << m.out;
  // The merged records equal the single sweep's (jobs and shards never change a result).
  std::vector<reports::RunRecord> one, merged;
  std::string error;
  ASSERT_TRUE(reports::LoadResultDirs({whole}, &one, &error)) << error;
  ASSERT_TRUE(reports::LoadResultDirs({s0 + "/merged.jsonl"}, &merged, &error)) << error;
  ASSERT_EQ(one.size(), merged.size());
  for (size_t i = 0; i < one.size(); i++) {
    EXPECT_EQ(one[i].seed, merged[i].seed);
    EXPECT_EQ(one[i].trace_hash, merged[i].trace_hash);
    EXPECT_EQ(one[i].verdict, merged[i].verdict);
  }
  std::ifstream junit(whole + "/junit.xml");
  std::stringstream js;
  js << junit.rdbuf();
  EXPECT_NE(js.str().find("<testcase classname=\"redsim.single-node-kv\" name=\"seed 6\""),
            std::string::npos);
}

TEST(Sweep, ReplayFromASavedRecordGivesTheSameHash) {
  std::string d = TempDir("replay");
  Cmd r = Sh("run single-node-faults --seed 5 --duration 3s --out " + d);
  ASSERT_EQ(r.status, 0) << r.out;
  Cmd again = Sh("replay " + d + "/run.json");
  EXPECT_EQ(again.status, 0) << again.out;
  EXPECT_NE(again.out.find(" same"), std::string::npos) << again.out;
}

// The issue's acceptance test: a deliberately broken engine (every 100th acknowledged SET is
// dropped) is caught by a sweep, shrunk, and the shrunk run replays by seed.
TEST(BrokenEngine, SweepCatchesShrinkReducesReplayMatches) {
  std::string flag = " --config debug-drop-acked-writes-every=100";
  Cmd healthy = Sh("sweep single-node-faults --seeds 1..3 --duration 5s");
  EXPECT_EQ(healthy.status, 0) << healthy.out;  // the correct engine keeps the claim
  Cmd broken = Sh("sweep single-node-faults --seeds 1..3 --duration 5s" + flag);
  EXPECT_EQ(broken.status, 1) << broken.out;
  EXPECT_NE(broken.out.find("VIOLATION"), std::string::npos) << broken.out;
  // Shrink the first violating seed in-process.
  size_t at = broken.out.find("replay: redsim run single-node-faults --seed ");
  ASSERT_NE(at, std::string::npos);
  uint64_t seed = std::stoull(broken.out.substr(at + 45));
  RunOptions o;
  o.seed = seed;
  o.duration_ns = 5 * kSec;
  o.config = {{"debug-drop-acked-writes-every", "100"}};
  ShrinkOutcome s = ShrinkRun(*FindScenario("single-node-faults"), o, 200, false);
  ASSERT_TRUE(s.found);
  EXPECT_EQ(s.minimal_result.violation, s.original.violation);
  EXPECT_LT(s.minimal_result.ops, s.original.ops);
  EXPECT_LE(s.minimal_result.schedule.faults.size(), 2u);
  EXPECT_EQ(s.minimal_result.clients, 1);
  // The printed replay command reproduces the minimal run's trace hash.
  std::string replay = ReplayCommand("single-node-faults", seed, s.minimal);
  Cmd again = Sh(replay.substr(std::string("redsim ").size()));
  char hash[32];
  snprintf(hash, sizeof(hash), "trace hash: %016llx",
           static_cast<unsigned long long>(s.minimal_result.trace_hash));
  EXPECT_NE(again.out.find(hash), std::string::npos) << replay << "\n" << again.out;
  EXPECT_NE(again.out.find("verdict: refuted"), std::string::npos) << again.out;
}

}  // namespace
}  // namespace redsim::scenarios
