// Per-node role/epoch lanes (world/world.h RoleSpan), their place in run records and report
// pages, and the coverage probes of rare recovery and replication paths (issue 9, parts 6-7).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "engine/replication/replication.h"
#include "faults/nemesis.h"
#include "reports/report.h"
#include "scenarios/replication_support.h"
#include "scenarios/scenario.h"
#include "scenarios/sweep.h"

namespace redsim::scenarios {
namespace {

constexpr int64_t kMs = 1'000'000;
constexpr int64_t kSec = 1'000 * kMs;

size_t Count(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) n++;
  return n;
}

// The lane of one node with consecutive spans of the same role and master merged (epochs and
// ids may change under one role): "primary", "down", "replica:n2", ...
std::vector<std::string> RoleSequence(const std::vector<RoleSpan>& spans, const std::string& node) {
  std::vector<std::string> out;
  for (const RoleSpan& s : spans) {
    if (s.node != node) continue;
    std::string role = s.role + (s.master.empty() ? "" : ":" + s.master);
    if (out.empty() || out.back() != role) out.push_back(role);
  }
  return out;
}

const RoleSpan* SpanAt(const std::vector<RoleSpan>& spans, const std::string& node, int64_t t) {
  for (const RoleSpan& s : spans) {
    if (s.node == node && s.from_ns <= t && t < s.to_ns) return &s;
  }
  return nullptr;
}

// n1 primary, n2 its replica. n1 crashes at 2 s and restarts at 2.5 s (empty: no persistence),
// n2 resyncs from it; n2 is promoted at 6 s; n1 follows n2 from 7 s; n2 is paused from 8 s to
// 8.5 s.
TEST(RoleLanes, CrashRestartPromoteSequenceGivesTheExpectedIntervals) {
  World w(7);
  AddPrimaryWithReplicas(w, 1, ReplicationNodeConfig(/*repl_timeout_s=*/2));
  SimNode* n1 = w.node(0);
  SimNode* n2 = w.node(1);
  w.sim().At(2 * kSec, sim::kNoHost, [n1] { n1->Crash(); });
  w.sim().At(2500 * kMs, sim::kNoHost, [n1] { n1->Restart(); });
  w.sim().At(6 * kSec, sim::kNoHost, [n2] { n2->server()->replication()->BecomeMaster(); });
  w.sim().At(7 * kSec, sim::kNoHost,
             [n1, n2] { n1->server()->replication()->ReplicaOf(n2->address(), n2->port()); });
  w.sim().At(8 * kSec, sim::kNoHost, [n2] { n2->Pause(); });
  w.sim().At(8500 * kMs, sim::kNoHost, [n2] { n2->Resume(); });
  w.Run(12 * kSec);
  std::vector<RoleSpan> spans = w.RoleSpans();

  EXPECT_EQ(RoleSequence(spans, "n1"),
            (std::vector<std::string>{"primary", "down", "primary", "replica:n2"}));
  EXPECT_EQ(RoleSequence(spans, "n2"),
            (std::vector<std::string>{"replica:n1", "primary", "paused", "primary"}));
  // Exact boundaries where the testbed itself acted.
  const RoleSpan* down = SpanAt(spans, "n1", 2 * kSec);
  ASSERT_NE(down, nullptr);
  EXPECT_EQ(down->role, "down");
  EXPECT_EQ(down->from_ns, 2 * kSec);
  EXPECT_EQ(down->to_ns, 2500 * kMs);
  EXPECT_EQ(down->epoch, 0);
  const RoleSpan* paused = SpanAt(spans, "n2", 8 * kSec);
  ASSERT_NE(paused, nullptr);
  EXPECT_EQ(paused->role, "paused");
  EXPECT_EQ(paused->to_ns, 8500 * kMs);
  ASSERT_NE(SpanAt(spans, "n2", 6 * kSec), nullptr);
  EXPECT_EQ(SpanAt(spans, "n2", 6 * kSec)->role, "primary");
  EXPECT_EQ(SpanAt(spans, "n2", 6 * kSec)->from_ns, 6 * kSec);
  ASSERT_NE(SpanAt(spans, "n1", 7 * kSec), nullptr);
  EXPECT_EQ(SpanAt(spans, "n1", 7 * kSec)->role, "replica");

  // Epochs: n2 synced n1's first history; n1 restarted into a new one, which n2 followed; the
  // promotion started another; and n1, once synced from n2, holds n2's epoch.
  int before_crash = SpanAt(spans, "n2", 1900 * kMs)->epoch;
  EXPECT_GT(before_crash, 0);
  EXPECT_EQ(SpanAt(spans, "n1", 1900 * kMs)->epoch, before_crash);
  int after_restart = SpanAt(spans, "n1", 5900 * kMs)->epoch;
  EXPECT_GT(after_restart, before_crash);
  EXPECT_EQ(SpanAt(spans, "n2", 5900 * kMs)->epoch, after_restart);
  int promoted = SpanAt(spans, "n2", 6 * kSec)->epoch;
  EXPECT_GT(promoted, after_restart);
  EXPECT_EQ(SpanAt(spans, "n1", 11 * kSec)->epoch, promoted);
  EXPECT_EQ(SpanAt(spans, "n2", 11 * kSec)->epoch, promoted);

  // Lanes tile the run: per node, spans are non-empty and each starts where the last ended.
  for (const std::string node : {"n1", "n2"}) {
    int64_t end = -1;
    for (const RoleSpan& s : spans) {
      if (s.node != node) continue;
      EXPECT_LT(s.from_ns, s.to_ns) << node;
      if (end >= 0) {
        EXPECT_EQ(s.from_ns, end) << node;
      }
      end = s.to_ns;
    }
    EXPECT_EQ(end, 12 * kSec) << node;
  }
}

TEST(RoleLanes, RecordingIsDeterministicAndDoesNotChangeTheRun) {
  RunOptions o;
  o.seed = 5;
  o.duration_ns = 20 * kSec;
  const Scenario* s = FindScenario("replication-wait-failover");
  ASSERT_NE(s, nullptr);
  RunResult a = s->run(o);
  RunResult b = s->run(o);
  EXPECT_EQ(a.trace_hash, b.trace_hash);
  ASSERT_EQ(a.roles.size(), b.roles.size());
  for (size_t i = 0; i < a.roles.size(); i++) {
    EXPECT_EQ(a.roles[i].from_ns, b.roles[i].from_ns);
    EXPECT_EQ(a.roles[i].role, b.roles[i].role);
    EXPECT_EQ(a.roles[i].epoch, b.roles[i].epoch);
  }
  // The failover is visible: n3 ends as the primary, n1 and n2 follow it in its epoch.
  EXPECT_EQ(RoleSequence(a.roles, "n3").back(), "primary");
  EXPECT_EQ(RoleSequence(a.roles, "n1").back(), "replica:n3");
  EXPECT_GE(a.probes["failover-started"], 1u);
  int64_t end = o.duration_ns - 1;
  EXPECT_EQ(SpanAt(a.roles, "n1", end)->epoch, SpanAt(a.roles, "n3", end)->epoch);
}

// ---- Records and pages ---------------------------------------------------------------------

reports::RunRecord ThreeNodeRecord() {
  reports::RunRecord rec;
  rec.scenario = "lanes";
  rec.seed = 1;
  rec.duration_ns = 10 * kSec;
  rec.roles = {
      {"n1", 0, 4 * kSec, "primary", "", 2, "aaaaaaaa"},
      {"n1", 4 * kSec, 5 * kSec, "down", "", 0, ""},
      {"n1", 5 * kSec, 10 * kSec, "replica", "n3", 3, "cccccccc"},
      {"n2", 0, 10 * kSec, "replica", "n1", 2, "aaaaaaaa"},
      {"n3", 0, 4 * kSec, "replica", "n1", 2, "aaaaaaaa"},
      {"n3", 4 * kSec, 10 * kSec, "primary", "", 3, "cccccccc"},
  };
  rec.probes = {{"failover-started", 1}, {"partial-resync-accepted", 0}};
  return rec;
}

TEST(RoleLanes, ReportHasOneLanePerNodeAndRecordsRoundTrip) {
  reports::RunRecord rec = ThreeNodeRecord();
  std::string html = reports::RunReportHtml(rec, "");
  size_t svg = html.find("<svg id=\"roles\"");
  ASSERT_NE(svg, std::string::npos);
  std::string lanes = html.substr(svg, html.find("</svg>", svg) - svg);
  EXPECT_EQ(Count(lanes, "<g class=\"lane\""), 3u);
  for (const char* node : {"n1", "n2", "n3"}) {
    EXPECT_EQ(Count(lanes, std::string("data-node=\"") + node + "\""), 1u) << node;
  }
  EXPECT_EQ(Count(lanes, "<rect class=\"role-"), rec.roles.size());
  EXPECT_NE(lanes.find(">P e3<"), std::string::npos);     // n3 after the failover
  EXPECT_NE(lanes.find(">R n3 e3<"), std::string::npos);  // n1 following it
  // The operation class is reserved for operations (the browser test counts it).
  EXPECT_EQ(Count(html, "class=\"op"), 0u);
  EXPECT_EQ(Count(html, "<script"), 0u);

  std::string json = reports::RunRecordToJson(rec);
  reports::RunRecord back;
  std::string error;
  ASSERT_TRUE(reports::RunRecordFromJson(json, &back, &error)) << error;
  ASSERT_EQ(back.roles.size(), rec.roles.size());
  EXPECT_EQ(back.roles[2].master, "n3");
  EXPECT_EQ(back.roles[5].epoch, 3);
  EXPECT_EQ(reports::RunRecordToJson(back), json);
}

// A replication scenario's page: every operation one bar, one role lane per node, and the
// faults the scenario injected with its own code (nemesis entries of the history) shaded.
TEST(RoleLanes, ReplicationRunPageHasOperationsLanesAndShadedFaults) {
  RunOptions o;
  o.seed = 5;
  o.duration_ns = 20 * kSec;
  o.keep_history = true;
  RunResult r;
  reports::RunRecord rec = RunOne(*FindScenario("replication-wait-failover"), o, &r);
  ASSERT_FALSE(r.history_jsonl.empty());
  std::string html = reports::RunReportHtml(rec, r.history_jsonl);
  EXPECT_EQ(Count(html, "<rect class=\"op "), r.ops);
  size_t svg = html.find("<svg id=\"roles\"");
  ASSERT_NE(svg, std::string::npos);
  std::string lanes = html.substr(svg, html.find("</svg>", svg) - svg);
  EXPECT_EQ(Count(lanes, "<g class=\"lane\""), 3u);
  // partition (until the heal) and failover (an instant).
  EXPECT_EQ(Count(lanes, "<rect class=\"fault\""), 2u);
  EXPECT_NE(lanes.find("<title>partition n3 | n1 n2 clients"), std::string::npos);
}

TEST(RoleLanes, SweepSummaryCountsProbeSeedsAndFlagsNeverFired) {
  reports::RunRecord a = ThreeNodeRecord();
  reports::RunRecord b = ThreeNodeRecord();
  b.seed = 2;
  b.probes["failover-started"] = 0;
  std::string summary = reports::SweepSummaryJson({a, b});
  EXPECT_NE(summary.find("\"probe_seeds\":{\"failover-started\":1,\"partial-resync-accepted\":0}"),
            std::string::npos)
      << summary;
  EXPECT_NE(summary.find("\"probes_never_fired\":[\"partial-resync-accepted\"]"),
            std::string::npos);
  EXPECT_NE(summary.find("\"n3\":{\"primary\":2,\"replica\":2}"), std::string::npos) << summary;
  EXPECT_NE(summary.find("\"max_epochs\":2"), std::string::npos);
  std::string index = reports::SweepReportHtml({a, b}, {});
  EXPECT_NE(index.find("partial-resync-accepted</td><td>0 of 2 &mdash; never fired"),
            std::string::npos);
  EXPECT_NE(index.find("failover-started</td><td>1 of 2<"), std::string::npos);
}

// ---- Probes --------------------------------------------------------------------------------

// The torn-AOF-tail path (a tail cut at a sector inside some unsynced write, loaded anyway under
// aof-load-truncated) is reached by some seed among the first few of a recovery scenario.
TEST(Probes, TornAofTailFiresForSomeRecoverySeed) {
  const Scenario* s = FindScenario("aof-recovery-everysec");
  ASSERT_NE(s, nullptr);
  int fired = 0;
  for (uint64_t seed = 1; seed <= 6 && fired == 0; seed++) {
    RunOptions o;
    o.seed = seed;
    o.duration_ns = 15 * kSec;
    RunResult r = s->run(o);
    ASSERT_EQ(r.probes.count("aof-truncated-tail-loaded"), 1u) << "declared even when 0";
    fired += r.probes["aof-truncated-tail-loaded"] > 0;
    EXPECT_GT(r.probes["aof-loaded"], 0u);
  }
  EXPECT_GT(fired, 0);
}

// The `disk/torn-sector` fault cuts the unsynced AOF tail at a sector inside any of several
// small appends, so the torn-tail path is reached from any scenario with AOF, not only the
// recovery ones.
TEST(Probes, TornSectorDiskFaultReachesTheTornAofTailPath) {
  std::string error;
  faults::Schedule sched;
  ASSERT_TRUE(faults::ParseSchedule("disk/torn-sector/1000/300/0/0/;disk/torn-sector/2000/300/0/0/",
                                    &sched, &error))
      << error;
  int fired = 0;
  for (uint64_t seed = 1; seed <= 5; seed++) {
    RunOptions o;
    o.seed = seed;
    o.duration_ns = 3 * kSec;
    o.clients = 4;
    o.config = {{"appendonly", "yes"}, {"appendfsync", "no"}};
    o.schedule = sched;
    RunResult r = FindScenario("single-node-faults")->run(o);
    EXPECT_EQ(r.probes["fault:disk:torn-sector"], 2u);
    EXPECT_EQ(r.probes["aof-loaded"], 2u) << "seed " << seed;
    fired += r.probes["aof-truncated-tail-loaded"] > 0;
  }
  EXPECT_GE(fired, 2);
}

TEST(Probes, PartialResyncAcceptedFiresInThePartialResyncScenario) {
  RunOptions o;
  o.seed = 1;
  o.duration_ns = 30 * kSec;
  RunResult r = FindScenario("replication-partial-resync")->run(o);
  EXPECT_GT(r.probes["partial-resync-accepted"], 0u);
  EXPECT_GT(r.probes["primary-partial-resync-accepted"], 0u);
  EXPECT_FALSE(r.roles.empty());
}

}  // namespace
}  // namespace redsim::scenarios
