// Scenarios: named simulated runs. A scenario builds a World (topology, engine config), starts
// its workload and nemesis, runs for a duration and returns a summary; the `redsim` CLI runs them
// by name and seed.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "faults/nemesis.h"
#include "reports/verdict.h"
#include "world/world.h"

namespace redsim::scenarios {

// The simulated world (world/) under the names the scenario layer has always used.
using world::CallResult;
using world::History;
using world::HistoryEntry;
using world::OpType;
using world::RoleSpan;
using world::SimClient;
using world::SimNode;
using world::ValueKind;
using world::World;

using reports::Verdict;
using reports::VerdictName;

struct RunOptions {
  uint64_t seed = 1;
  int64_t duration_ns = 60'000'000'000LL;
  bool duration_given = false;  // --duration (or a replayed record) set duration_ns
  int clients = -1;             // -1: the scenario's default
  std::string out_dir;          // history.jsonl and trace.txt go here when set
  // Receives every trace entry (the CLI writes them to trace.txt with --out).
  sim::Simulator::TraceSink trace_sink;

  // ---- Knobs for sweeps, replay and shrinking (every scenario should honour them) -----------
  int keys = -1;         // -1: the scenario's default key count
  int64_t max_ops = -1;  // bound on invocations over all clients (-1: none)
  // Replaces the fault schedule the scenario would draw from the seed (a shrunk or scripted
  // schedule); see ChooseSchedule.
  std::optional<faults::Schedule> schedule;
  // Engine config for every node, applied after the scenario's own (name, value), as
  // CONFIG SET at startup would; see ApplyConfigOverrides.
  std::vector<std::pair<std::string, std::string>> config;
  // Fill RunResult::history_jsonl even without out_dir (reports and the shrinker need it).
  bool keep_history = false;
};

struct RunResult {
  std::string scenario;
  uint64_t seed = 0;
  uint64_t trace_hash = 0;
  double sim_seconds = 0;
  uint64_t events = 0;
  uint64_t ops = 0;  // invocations
  uint64_t ok = 0;
  uint64_t fail = 0;
  uint64_t info = 0;
  uint64_t faults = 0;
  std::string history_jsonl;  // filled when the caller asked for output (out_dir set)
  size_t history_entries = 0;

  // ---- The claim and what this run says about it --------------------------------------------
  std::string claim_id;               // CLAIMS.md id (P1, S3, …) or the scenario's own
  std::string claim;                  // the sentence
  Verdict expected = Verdict::kNone;  // holds or refuted (over a sweep)
  // This run: holds (no violation found), refuted (a violation), unknown (checker budget ran
  // out), inconclusive (too little was checked) or none (the scenario has no checker yet).
  Verdict verdict = Verdict::kNone;
  std::string violation;         // short token of the first violation (the shrinker keeps it equal)
  std::string explanation;       // plain words: what was violated, by which operations, when
  int64_t window_start_ns = -1;  // the counterexample's time window (for the report)
  int64_t window_end_ns = -1;
  faults::Schedule schedule;  // the faults this run injected (drawn or overridden)
  int clients = 0;            // the workload actually used (for replay and shrinking)
  int keys = 0;
  int64_t duration_ns = 0;
  std::map<std::string, uint64_t> probes;  // coverage probes hit (name -> count)
  std::vector<RoleSpan> roles;  // every node's role and epoch over time (World::RoleSpans)
  std::vector<world::SentinelEventRecord> sentinel_events;  // what the Sentinels announced
  std::vector<world::ClusterEventRecord> cluster_events;    // what the Cluster nodes announced
  bool violated() const { return verdict == Verdict::kRefuted; }
  uint64_t crashes = 0;  // node crashes the run injected
  // A run whose verdict differs from the claim's expected one is a finding (the run exits 1).
  bool verdict_as_expected() const {
    return verdict == Verdict::kNone || expected == Verdict::kNone || verdict == expected;
  }
};

struct Scenario {
  // A constructor rather than an aggregate, so `{name, description, run}` (no claim yet) still
  // compiles under -Wextra -Werror.
  Scenario() = default;
  Scenario(std::string name_, std::string description_,
           std::function<RunResult(const RunOptions&)> run_, std::string claim_id_ = "",
           std::string claim_ = "", Verdict expected_ = Verdict::kHolds)
      : name(std::move(name_)),
        description(std::move(description_)),
        run(std::move(run_)),
        claim_id(std::move(claim_id_)),
        claim(std::move(claim_)),
        expected(expected_) {}

  // Runs the scenario once. While it runs, a failed REDSIM_CHECK prints this run's seed, the
  // simulated time and the command that replays it. Every runner (run, sweep, shrink, replay)
  // goes through here rather than calling `run` directly.
  RunResult Run(const RunOptions& opts) const;

  std::string name;
  std::string description;
  std::function<RunResult(const RunOptions&)> run;
  std::string claim_id;  // shown by `redsim list`; copied into RunResult by FinishRun
  std::string claim;
  Verdict expected = Verdict::kHolds;
  // The run length when --duration is not given (a file's `duration`); 0 = RunOptions' 60 s.
  int64_t default_duration_ns = 0;
};

// Fills what the command line left to the scenario: the duration (a file's `duration`) when
// --duration was not given. Called by every runner of a scenario (run, sweep, shrink, replay).
void ApplyScenarioDefaults(const Scenario& scenario, RunOptions* opts);

const std::vector<Scenario>& AllScenarios();
const Scenario* FindScenario(const std::string& name);

// Builds the world a scenario runs in: the seed and the trace sink come from the options.
std::unique_ptr<World> MakeWorld(const RunOptions& opts);

// Fills the counts of a result from a world's history and simulator.
void Summarize(World& world, RunResult* result);

// The fault schedule of a run: opts.schedule when set, else drawn from the seed's "nemesis"
// stream with `spec` plus the scenario's `fixed` faults (a file's [[fault]] entries), ordered by
// start time; installed in the world and returned (store it in RunResult::schedule).
faults::Schedule ChooseSchedule(const RunOptions& opts, World& world,
                                const faults::RandomScheduleSpec& spec, int64_t duration_ns,
                                const std::vector<faults::Fault>& fixed = {});

// Applies opts.config to a node's config. Returns "" or the error. Besides every CONFIG
// parameter, accepts the hidden `debug-drop-acked-writes-every N` (a deliberately broken engine
// for testing the testbed).
std::string ApplyConfigOverrides(const RunOptions& opts, ServerConfig* config);

// Counts invocations against opts.max_ops: Take() is false once the budget is spent.
class OpBudget {
 public:
  explicit OpBudget(int64_t max_ops) : left_(max_ops) {}
  bool Take() {
    if (left_ < 0) return true;
    if (left_ == 0) return false;
    left_--;
    return true;
  }

 private:
  int64_t left_;
};

// Common end of a scenario run: counts, claim fields from the scenario, history if asked.
void FinishRun(World& world, const RunOptions& opts, RunResult* result);

// What every scenario copies out of its world at the end (FinishRun and the scenarios with
// their own ending call it): the coverage probes (added to result->probes) and the role lanes.
void CollectWorldRecords(World& world, RunResult* result);

}  // namespace redsim::scenarios
