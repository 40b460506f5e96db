// Scenarios: named simulated runs. A scenario builds a World (topology, engine config), starts
// its workload and nemesis, runs for a duration and returns a summary; the `redsim` CLI runs them
// by name and seed.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "scenarios/world.h"

namespace redsim::scenarios {

struct RunOptions {
  uint64_t seed = 1;
  int64_t duration_ns = 60'000'000'000LL;
  int clients = -1;                // -1: the scenario's default
  std::string out_dir;             // history.jsonl and trace.txt go here when set
  // Receives every trace entry (the CLI writes them to trace.txt with --out).
  sim::Simulator::TraceSink trace_sink;
};

struct RunResult {
  std::string scenario;
  uint64_t seed = 0;
  uint64_t trace_hash = 0;
  double sim_seconds = 0;
  uint64_t events = 0;
  uint64_t ops = 0;   // invocations
  uint64_t ok = 0;
  uint64_t fail = 0;
  uint64_t info = 0;
  uint64_t faults = 0;
  std::string history_jsonl;  // filled when the caller asked for output (out_dir set)
  size_t history_entries = 0;

  // ---- The claim and what this run says about it --------------------------------------------
  std::string claim_id;   // CLAIMS.md id (R1, R3, ...)
  std::string claim;      // the sentence
  std::string expected;   // "holds" or "refuted"
  // This run: "holds" (no violation found), "refuted" (a violation), "unknown" (checker budget
  // ran out), or "" (the scenario has no checker).
  std::string verdict;
  std::string explanation;  // plain words: what was checked, what was violated, by what
};

struct Scenario {
  std::string name;
  std::string description;
  std::function<RunResult(const RunOptions&)> run;
};

const std::vector<Scenario>& AllScenarios();
const Scenario* FindScenario(const std::string& name);

// Builds the world a scenario runs in: the seed and the trace sink come from the options.
std::unique_ptr<World> MakeWorld(const RunOptions& opts);

// Fills the counts of a result from a world's history and simulator.
void Summarize(World& world, RunResult* result);

}  // namespace redsim::scenarios
