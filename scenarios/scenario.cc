#include "scenarios/scenario.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>

#include "engine/base/check.h"
#include "engine/base/strutil.h"
#include "scenarios/sweep.h"
#include "scenarios/toml_scenarios.h"
#include "world/probes.h"

namespace redsim::scenarios {

namespace {

// Every scenario is a file (scenarios/defs/*.toml); hand-written runs are drivers the files
// name. A bad file stops the program with its name and line: a sweep must never silently skip
// a scenario.
std::vector<Scenario> BuildRegistry() {
  std::vector<Scenario> all;
  std::string error;
  if (!LoadScenarioDir(ScenarioDefsDir(), &all, &error)) {
    fprintf(stderr, "redsim: scenario files: %s\n", error.c_str());
    exit(2);
  }
  std::stable_sort(all.begin(), all.end(),
                   [](const Scenario& a, const Scenario& b) { return a.name < b.name; });
  return all;
}

// The run in progress, for REDSIM_CHECK's report (one run at a time per process; forked sweep
// workers each have their own copy).
struct ActiveRun {
  const Scenario* scenario = nullptr;
  const RunOptions* opts = nullptr;
};
ActiveRun active_run;

std::string DescribeActiveRun() {
  if (active_run.scenario == nullptr) return "";
  const sim::Simulator* sim = sim::Simulator::Running();
  char time_text[48] = "?";
  if (sim != nullptr) {
    snprintf(time_text, sizeof time_text, "%.6f", static_cast<double>(sim->now_ns()) / 1e9);
  }
  return "seed " + std::to_string(active_run.opts->seed) + ", simulated time " + time_text +
         " s\nreplay: " +
         ReplayCommand(active_run.scenario->name, active_run.opts->seed, *active_run.opts);
}

}  // namespace

RunResult Scenario::Run(const RunOptions& opts) const {
  ActiveRun outer = active_run;  // a scenario may run another (a driver's sub-run)
  active_run = ActiveRun{this, &opts};
  SetCheckContext(&DescribeActiveRun);
  RunResult result = run(opts);
  active_run = outer;
  return result;
}

const std::vector<Scenario>& AllScenarios() {
  static const std::vector<Scenario> all = BuildRegistry();
  return all;
}

const Scenario* FindScenario(const std::string& name) {
  for (const auto& s : AllScenarios()) {
    if (s.name == name) return &s;
  }
  return nullptr;
}

void ApplyScenarioDefaults(const Scenario& scenario, RunOptions* opts) {
  if (!opts->duration_given && scenario.default_duration_ns > 0) {
    opts->duration_ns = scenario.default_duration_ns;
  }
  opts->duration_given = true;
}

std::unique_ptr<World> MakeWorld(const RunOptions& opts) {
  auto w = std::make_unique<World>(opts.seed);
  if (opts.trace_sink) w->sim().set_trace_sink(opts.trace_sink);
  world::InstallLogProbes(*w);
  return w;
}

void Summarize(World& world, RunResult* r) {
  r->seed = world.seed();
  r->trace_hash = world.sim().trace_hash();
  r->sim_seconds = static_cast<double>(world.sim().now_ns()) / 1e9;
  r->events = world.sim().events_executed();
  for (const auto& e : world.history().entries()) {
    if (e.process < 0) {
      r->faults++;
      continue;
    }
    switch (e.type) {
      case OpType::kInvoke:
        r->ops++;
        break;
      case OpType::kOk:
        r->ok++;
        break;
      case OpType::kFail:
        r->fail++;
        break;
      case OpType::kInfo:
        r->info++;
        break;
    }
  }
}

faults::Schedule ChooseSchedule(const RunOptions& opts, World& world,
                                const faults::RandomScheduleSpec& spec, int64_t duration_ns,
                                const std::vector<faults::Fault>& fixed) {
  faults::Schedule schedule;
  if (opts.schedule) {
    schedule = *opts.schedule;
  } else {
    Random rng = world.sim().StreamFor("nemesis");
    schedule =
        faults::GenerateSchedule(spec, rng, static_cast<int>(world.node_count()), duration_ns);
    if (!fixed.empty()) {
      schedule.faults.insert(schedule.faults.end(), fixed.begin(), fixed.end());
      std::stable_sort(
          schedule.faults.begin(), schedule.faults.end(),
          [](const faults::Fault& a, const faults::Fault& b) { return a.at_ns < b.at_ns; });
    }
  }
  faults::InstallSchedule(world, schedule);
  return schedule;
}

std::string ApplyConfigOverrides(const RunOptions& opts, ServerConfig* config) {
  for (const auto& [name, value] : opts.config) {
    if (name == "debug-drop-acked-writes-every") {
      int64_t n;
      if (!ParseInt64(value, &n) || n < 0) return "bad value for " + name + ": " + value;
      config->debug_drop_acked_writes_every = n;
      continue;
    }
    std::string error = ConfigRegistry::Get().Set(*config, name, value, /*startup=*/true);
    if (!error.empty()) return "config " + name + " " + value + ": " + error;
  }
  return "";
}

void CollectWorldRecords(World& world, RunResult* result) {
  for (const auto& [name, n] : world.probes()) result->probes[name] += n;
  result->roles = world.RoleSpans();
  result->sentinel_events = world.sentinel_events();
  result->cluster_events = world.cluster_events();
}

void FinishRun(World& world, const RunOptions& opts, RunResult* result) {
  Summarize(world, result);
  if (const Scenario* s = FindScenario(result->scenario)) {
    if (result->claim_id.empty()) result->claim_id = s->claim_id;
    if (result->claim.empty()) result->claim = s->claim;
    if (result->expected == Verdict::kNone) result->expected = s->expected;
  }
  result->duration_ns = opts.duration_ns;
  CollectWorldRecords(world, result);
  // Coverage probes the testbed can count on its own: which fault kinds and shapes fired.
  for (const faults::Fault& f : result->schedule.faults) {
    if (f.at_ns < world.sim().now_ns()) {
      result->probes["fault:" + f.kind + (f.shape.empty() ? "" : ":" + f.shape)]++;
    }
  }
  if (!opts.out_dir.empty() || opts.keep_history) {
    result->history_jsonl = world.history().ToJsonLines();
  }
  result->history_entries = world.history().size();
}

}  // namespace redsim::scenarios
