// `redsim shrink`: finds a smaller run that violates the claim the same way.
//
// Method: greedy delta debugging over the run's parameters, not RapidCheck's shrinkers. A run
// is a pure function of (scenario, seed, duration, clients, keys, op budget, fault schedule), and
// each of those has an obvious "smaller": a shorter duration, fewer operations, fewer clients
// and keys, fewer faults (ddmin over the schedule: drop halves, then quarters, … then single
// faults), shorter faults. RapidCheck shrinks the *generator's* random choices, which here
// would re-draw the whole simulation (every interleaving shifts), so its shrinks would rarely
// keep the failure; editing the recorded schedule and workload keeps everything else the same.
// A candidate is kept when it still violates the claim with the same violation token. The
// passes repeat until none makes progress, within a run budget.
#include "scenarios/shrink.h"

#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "scenarios/real_clock.h"
#include "scenarios/sweep.h"

namespace redsim::scenarios {

namespace {

constexpr int64_t kMs = 1'000'000;

class Shrinker {
 public:
  Shrinker(const Scenario& s, const std::string& violation, int max_runs, bool verbose)
      : scenario_(s), violation_(violation), max_runs_(max_runs), verbose_(verbose) {}

  // True when `opts` still fails the same way; remembers the smallest failing result.
  bool Fails(const RunOptions& opts) {
    if (runs_ >= max_runs_) return false;
    runs_++;
    RunResult r = scenario_.Run(opts);
    bool same = r.violated() && r.violation == violation_;
    if (same) {
      best_ = opts;
      best_result_ = std::move(r);
    }
    return same;
  }

  void Shrink(RunOptions start, RunResult first) {
    best_ = start;
    original_duration_ns_ = start.duration_ns;
    best_result_ = std::move(first);
    // Faults are edited from here on, so pin the drawn schedule.
    best_.schedule = best_result_.schedule;
    best_.clients = best_result_.clients;
    if (best_result_.keys > 0) best_.keys = best_result_.keys;
    for (int round = 0; round < 6 && runs_ < max_runs_; round++) {
      size_t before = runs_accepted_;
      ShrinkDuration();
      ShrinkClients();
      ShrinkKeys();
      ShrinkDuration();
      ShrinkFaults();
      ShrinkFaultTimes();
      ShrinkDuration();
      ShrinkOps();
      ShrinkFaultDurations();
      if (runs_accepted_ == before) break;
    }
  }

  const RunOptions& best() const { return best_; }
  const RunResult& best_result() const { return best_result_; }
  int runs() const { return runs_; }

 private:
  bool Try(const RunOptions& o, const char* what) {
    if (!Fails(o)) return false;
    runs_accepted_++;
    if (verbose_) {
      printf("  %-10s -> %" PRIu64 " ops, %zu faults, %d clients, %d keys, %.3f s\n", what,
             best_result_.ops, best_result_.schedule.faults.size(), best_result_.clients,
             best_result_.keys, static_cast<double>(best_.duration_ns) / 1e9);
      fflush(stdout);
    }
    return true;
  }

  void ShrinkDuration() {
    // Nothing after the counterexample matters: end the run just after it.
    if (best_result_.window_end_ns > 0 &&
        best_result_.window_end_ns + 10 * kMs < best_.duration_ns) {
      RunOptions o = best_;
      o.duration_ns = (best_result_.window_end_ns / kMs + 10) * kMs;
      if (Try(o, "duration")) return;
    }
    while (best_.duration_ns > 20 * kMs) {
      RunOptions o = best_;
      o.duration_ns = (best_.duration_ns / 2) / kMs * kMs;
      if (!Try(o, "duration")) break;
    }
  }

  void ShrinkOps() {
    // Binary search on the op budget: the smallest budget that still fails.
    int64_t hi = best_.max_ops >= 0 ? best_.max_ops : static_cast<int64_t>(best_result_.ops);
    int64_t lo = 0;  // known not to fail (no operation, no read)
    {
      RunOptions o = best_;
      o.max_ops = hi;
      if (best_.max_ops < 0 && !Try(o, "ops")) return;
    }
    while (hi - lo > 1 && runs_ < max_runs_) {
      int64_t mid = lo + (hi - lo) / 2;
      RunOptions o = best_;
      o.max_ops = mid;
      if (Try(o, "ops"))
        hi = mid;
      else
        lo = mid;
    }
  }

  void ShrinkFaults() {
    // ddmin: remove chunks of the schedule, from halves down to single faults.
    size_t n = 2;
    while (best_.schedule && !best_.schedule->faults.empty() && runs_ < max_runs_) {
      const auto& faults = best_.schedule->faults;
      size_t chunk = std::max<size_t>(1, (faults.size() + n - 1) / n);
      bool removed = false;
      for (size_t start = 0; start < faults.size(); start += chunk) {
        RunOptions o = best_;
        auto& f = o.schedule->faults;
        f.erase(f.begin() + static_cast<long>(start),
                f.begin() + static_cast<long>(std::min(f.size(), start + chunk)));
        if (Try(o, "faults")) {
          removed = true;
          break;
        }
      }
      if (removed) {
        n = std::max<size_t>(2, n - 1);
        continue;
      }
      if (chunk == 1) break;
      n = std::min(faults.size(), n * 2);
    }
  }

  // Moves faults earlier, so the failure needs fewer operations before it. Whether a moved
  // fault still produces the failure depends on the interleaving around it, so several start
  // times are tried, earliest first (1 ms, 2 ms, 4 ms, … up to half the current one); the run
  // keeps its current length and gets its op budget back (the next passes cut it again).
  void ShrinkFaultTimes() {
    for (size_t i = 0; best_.schedule && i < best_.schedule->faults.size(); i++) {
      int64_t at = best_.schedule->faults[i].at_ns;
      int64_t shift = 0;  // moving fault i moves every later fault by as much
      for (int64_t t = kMs; t <= at / 2 && runs_ < max_runs_; t *= 2) {
        RunOptions o = best_;
        o.max_ops = -1;
        shift = at - t;
        for (size_t j = i; j < o.schedule->faults.size(); j++) {
          o.schedule->faults[j].at_ns = std::max<int64_t>(0, o.schedule->faults[j].at_ns - shift);
        }
        if (Try(o, "fault-time")) break;
      }
    }
  }

  void ShrinkFaultDurations() {
    if (!best_.schedule) return;
    for (size_t i = 0; i < best_.schedule->faults.size(); i++) {
      while (best_.schedule->faults[i].duration_ns > 20 * kMs && runs_ < max_runs_) {
        RunOptions o = best_;
        o.schedule->faults[i].duration_ns = o.schedule->faults[i].duration_ns / 2 / kMs * kMs;
        if (!Try(o, "fault-len")) break;
      }
    }
  }

  // Tries 1, then half, then one less, for the client count or the key count.
  void ShrinkCount(int RunOptions::*field, const char* what) {
    int current = best_.*field;
    for (int target : {1, current / 2, current - 1}) {
      if (target < 1 || target >= current) continue;
      // A smaller workload needs room again: the op budget and duration found for the bigger
      // one may end the run before the smaller one gets to the failure. Later passes re-shrink.
      RunOptions o = best_;
      o.*field = target;
      o.max_ops = -1;
      o.duration_ns = original_duration_ns_;
      if (Try(o, what)) return;
    }
  }

  void ShrinkClients() { ShrinkCount(&RunOptions::clients, "clients"); }
  void ShrinkKeys() {
    if (best_.keys > 0) ShrinkCount(&RunOptions::keys, "keys");
  }

  const Scenario& scenario_;
  std::string violation_;
  int max_runs_;
  bool verbose_;
  int runs_ = 0;
  size_t runs_accepted_ = 0;
  int64_t original_duration_ns_ = 0;
  RunOptions best_;
  RunResult best_result_;
};

}  // namespace

ShrinkOutcome ShrinkRun(const Scenario& scenario, const RunOptions& given, int max_runs,
                        bool verbose) {
  ShrinkOutcome out;
  double start = RealSeconds();
  RunOptions opts = given;
  ApplyScenarioDefaults(scenario, &opts);  // the file's duration is where shrinking starts
  RunResult first = scenario.Run(opts);
  out.original = first;
  if (!first.violated()) return out;
  Shrinker s(scenario, first.violation, max_runs, verbose);
  s.Shrink(opts, first);
  out.found = true;
  out.minimal = s.best();
  out.minimal_result = s.best_result();
  out.runs = s.runs() + 1;
  out.seconds = RealSeconds() - start;
  return out;
}

int ShrinkMain(int argc, char** argv) {
  if (argc < 2) {
    fprintf(stderr,
            "usage: redsim shrink <scenario> --seed N [--duration D] [--clients N] [--keys N]\n"
            "                     [--max-ops N] [--config name=value] [--faults S]\n"
            "                     [--max-runs N] [--out DIR] [--json] [--quiet]\n");
    return 2;
  }
  const Scenario* scenario = FindScenario(argv[1]);
  if (scenario == nullptr) {
    fprintf(stderr, "redsim shrink: unknown scenario '%s' (see redsim list)\n", argv[1]);
    return 2;
  }
  RunOptions opts;
  bool have_seed = false, json = false, verbose = true;
  int max_runs = 300;
  std::string out_dir;
  for (int i = 2; i < argc; i++) {
    std::string a = argv[i], error;
    int r = ParseRunFlag(argc, argv, &i, &opts, &error);
    if (r < 0) {
      fprintf(stderr, "redsim shrink: %s\n", error.c_str());
      return 2;
    }
    if (r > 0) continue;
    if (a == "--seed" && i + 1 < argc) {
      opts.seed = strtoull(argv[++i], nullptr, 10);
      have_seed = true;
    } else if (a == "--max-runs" && i + 1 < argc) {
      max_runs = atoi(argv[++i]);
    } else if (a == "--out" && i + 1 < argc) {
      out_dir = argv[++i];
    } else if (a == "--json") {
      json = true;
    } else if (a == "--quiet") {
      verbose = false;
    } else {
      fprintf(stderr, "redsim shrink: unknown option '%s'\n", a.c_str());
      return 2;
    }
  }
  if (!have_seed) {
    fprintf(stderr, "redsim shrink: --seed is required\n");
    return 2;
  }
  ApplyScenarioDefaults(*scenario, &opts);
  printf("shrinking %s\n", ReplayCommand(scenario->name, opts.seed, opts).c_str());
  fflush(stdout);
  ShrinkOutcome o = ShrinkRun(*scenario, opts, max_runs, verbose);
  if (!o.found) {
    printf("seed %" PRIu64 " does not violate the claim (verdict: %s); nothing to shrink\n",
           opts.seed,
           o.original.verdict == Verdict::kNone ? "no checker"
                                                : reports::VerdictCStr(o.original.verdict));
    return 1;
  }
  const RunResult& m = o.minimal_result;
  printf("original: %" PRIu64 " ops, %zu faults, %d clients, %.1f s: %s\n", o.original.ops,
         o.original.schedule.faults.size(), o.original.clients, o.original.sim_seconds,
         o.original.violation.c_str());
  printf("minimal:  %" PRIu64 " ops, %zu faults, %d clients, %d keys, %.3f s (%d runs, %.1f s)\n",
         m.ops, m.schedule.faults.size(), m.clients, m.keys,
         static_cast<double>(o.minimal.duration_ns) / 1e9, o.runs, o.seconds);
  for (const auto& f : m.schedule.faults) printf("  fault: %s\n", faults::DescribeFault(f).c_str());
  printf("violation: %s\n", m.explanation.c_str());
  printf("trace hash: %016" PRIx64 "\n", m.trace_hash);
  std::string replay = ReplayCommand(scenario->name, opts.seed, o.minimal);
  printf("replay: %s\n", replay.c_str());
  reports::RunRecord rec = ToRecord(m, o.minimal, 0);
  if (!out_dir.empty()) {
    std::filesystem::create_directories(out_dir);
    std::ofstream(out_dir + "/run.json") << reports::RunRecordToJson(rec) << "\n";
    RunOptions again = o.minimal;
    again.keep_history = true;
    RunResult full = scenario->Run(again);
    std::ofstream(out_dir + "/history.jsonl") << full.history_jsonl;
    std::ofstream(out_dir + "/report.html") << reports::RunReportHtml(rec, full.history_jsonl);
    printf("wrote %s/run.json (redsim replay %s/run.json), history.jsonl, report.html\n",
           out_dir.c_str(), out_dir.c_str());
  }
  if (json) printf("%s\n", reports::RunRecordToJson(rec).c_str());
  return 0;
}

}  // namespace redsim::scenarios
