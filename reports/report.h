// Report writers for runs and sweeps: the per-seed record (one JSON line, what `redsim sweep`
// writes and `redsim replay` reads), a self-contained HTML page for one run (inline SVG: claim,
// expected vs actual verdict, a timeline of every client operation with fault intervals shaded
// and the counterexample window highlighted, node states over time, latency over time, the
// checker's explanation), an HTML index for a sweep, a JSON summary and JUnit XML.
//
// Depends on checkers/ only (histories are read with its jsonl loader); the scenario layer
// converts its results into RunRecords. Every output is a pure function of its inputs, so the
// same sweep writes the same bytes (wall-clock fields aside).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "reports/verdict.h"

namespace redsim::reports {

// One node's role over [from_ns, to_ns) (what the World (world/) records; see
// world/world.h RoleSpan for the meaning of each field).
struct RoleSpanRecord {
  std::string node;
  int64_t from_ns = 0;
  int64_t to_ns = 0;
  std::string role;    // primary / replica / down / paused
  std::string master;  // replica: the node it follows
  int epoch = 0;       // replication epoch (0: none)
  std::string replid;
};

// One decision a node announced (a Sentinel's +sdown, +vote-for-leader, +switch-master, ...):
// who, when, its type, the epoch it concerns and its text as the node published it.
struct NodeEventRecord {
  std::string node;
  int64_t time_ns = 0;
  std::string type;
  int64_t epoch = 0;
  std::string detail;
  std::string primary;  // +switch-master: the node named primary from then on
};

struct RunRecord {
  std::string scenario;
  uint64_t seed = 0;
  std::string claim_id;
  std::string claim;
  Verdict expected = Verdict::kNone;  // the claim's expected verdict over a sweep: holds / refuted
  Verdict verdict = Verdict::kNone;   // this run: holds / refuted / unknown / none (no checker)
  std::string violation;              // token of the first violation
  std::string explanation;
  uint64_t trace_hash = 0;
  double sim_seconds = 0;
  double wall_seconds = 0;
  uint64_t events = 0;
  uint64_t ops = 0, ok = 0, fail = 0, info = 0, faults = 0;
  int64_t window_start_ns = -1, window_end_ns = -1;
  // The run's parameters, everything a replay needs.
  int64_t duration_ns = 0;
  int clients = 0;
  int keys = 0;
  int64_t max_ops = -1;
  std::vector<std::pair<std::string, std::string>> config;
  std::string schedule_text;  // faults::ScheduleToText
  bool schedule_overridden = false;
  std::string schedule_json;                 // faults::ScheduleToJson (display)
  std::map<std::string, uint64_t> probes;    // a probe listed with 0 could have fired but did not
  std::vector<RoleSpanRecord> roles;         // per-node role lanes, node order then time
  std::vector<NodeEventRecord> node_events;  // Sentinel decisions in time order (first kMax kept)
  static constexpr size_t kMaxNodeEvents = 5000;
  std::string replay;  // the command line that reproduces this run
  bool violated() const { return verdict == Verdict::kRefuted; }
};

// One JSON object, no newline.
std::string RunRecordToJson(const RunRecord& r);
// Reads what RunRecordToJson wrote (unknown fields are ignored).
bool RunRecordFromJson(std::string_view text, RunRecord* out, std::string* error);

// The HTML page of one run; `history_jsonl` is the run's history (may be empty).
std::string RunReportHtml(const RunRecord& run, std::string_view history_jsonl);

// Per scenario over a sweep.
struct ScenarioSummary {
  std::string scenario, claim_id, claim;
  Verdict expected = Verdict::kNone;
  uint64_t seeds = 0;
  uint64_t violations = 0;
  uint64_t unknown = 0;
  uint64_t unchecked = 0;
  std::vector<uint64_t> violating_seeds;  // at most 50 listed
  std::string first_explanation;
  std::string first_replay;
  std::map<std::string, uint64_t> probes;       // hits summed over seeds
  std::map<std::string, uint64_t> probe_seeds;  // seeds where the probe fired at least once
  // Per node: seeds in which it held each role at some point ("primary", "replica", "down",
  // "paused"), and the most epochs one seed's run went through.
  std::map<std::string, std::map<std::string, uint64_t>> node_role_seeds;
  int max_epochs = 0;
  std::vector<std::string> NeverFiredProbes() const;
  double wall_seconds = 0;
  // The sweep's verdict on the claim: refuted if any seed violated it.
  Verdict actual() const {
    return violations > 0       ? Verdict::kRefuted
           : seeds == unchecked ? Verdict::kNone
                                : Verdict::kHolds;
  }
  bool passed() const;
};

std::vector<ScenarioSummary> Summarize(const std::vector<RunRecord>& runs);
// `run_pages`: scenario/seed -> relative link of that run's page, when one was written.
std::string SweepReportHtml(
    const std::vector<RunRecord>& runs,
    const std::map<std::pair<std::string, uint64_t>, std::string>& run_pages);
std::string SweepSummaryJson(const std::vector<RunRecord>& runs);
// One test case per scenario × seed, plus one per scenario for the claim's verdict.
std::string JUnitXml(const std::vector<RunRecord>& runs);

// Reads every *.jsonl file of result records under each directory (sorted by scenario, seed;
// a seed seen twice is kept once). Returns false with a message naming file and line on a bad
// line.
bool LoadResultDirs(const std::vector<std::string>& dirs, std::vector<RunRecord>* out,
                    std::string* error);
// Writes index.html, summary.json and junit.xml into `dir`.
bool WriteSweepReports(const std::string& dir, const std::vector<RunRecord>& runs,
                       const std::map<std::pair<std::string, uint64_t>, std::string>& run_pages,
                       std::string* error);

std::string HtmlEscape(std::string_view s);
std::string JsonEscape(std::string_view s);  // with the quotes

}  // namespace redsim::reports
