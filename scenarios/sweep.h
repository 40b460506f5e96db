// Running many seeds: `redsim sweep`, `redsim replay`, `redsim report merge`, and the pieces
// `redsim run` and `redsim shrink` share with them (run flags, replay commands, run records).
//
// A sweep runs every (scenario, seed) of its shard, in this process or in `--jobs` forked
// worker processes (each run stays single-threaded and deterministic; workers only change which
// process runs a seed, never its result). Per-seed records are JSON lines; the run's verdict
// decides nothing alone: a claim expected to hold fails when any seed violates it, a claim
// expected to be refuted fails when none does.
#pragma once

#include <string>

#include "reports/report.h"
#include "scenarios/scenario.h"

namespace redsim::scenarios {

// Parses one of the flags every run-like command takes (--duration, --clients, --keys,
// --max-ops, --config name=value, --faults SCHEDULE) at argv[*i]. Returns 1 if it consumed the
// flag (advancing *i past its value), 0 if the flag is not one of these, -1 on a bad value
// (with `error` set).
int ParseRunFlag(int argc, char** argv, int* i, RunOptions* opts, std::string* error);

// The command line that reproduces a run with these options.
std::string ReplayCommand(const std::string& scenario, uint64_t seed, const RunOptions& opts);

// A run's record for reports and replay.
reports::RunRecord ToRecord(const RunResult& r, const RunOptions& opts, double wall_seconds);

// Options that replay a record (its seed, parameters and, if it was overridden, its schedule).
bool OptionsFromRecord(const reports::RunRecord& rec, RunOptions* opts, std::string* error);

// Runs one scenario with a seed and returns its record (wall time measured around the run).
reports::RunRecord RunOne(const Scenario& scenario, RunOptions opts, RunResult* result = nullptr);

int SweepMain(int argc, char** argv);
int ReplayMain(int argc, char** argv);
int ReportMain(int argc, char** argv);

}  // namespace redsim::scenarios
