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
  // Scenarios that test a claim (empty claim: none): the claim, the verdict expected ("holds",
  // "refuted") and the verdict the checker reached, with its explanation.
  std::string claim;
  std::string expected_verdict;
  std::string actual_verdict;
  std::string explanation;
  uint64_t crashes = 0;
  bool verdict_as_expected() const { return claim.empty() || expected_verdict == actual_verdict; }
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
