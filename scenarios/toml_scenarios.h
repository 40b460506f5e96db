// Declarative scenarios: TOML files (scenarios/defs/*.toml) that pick a workload template,
// its size, engine config for every node, the nemesis schedule (kinds with typed options), and
// the claim with its expected verdict. Loaded once at startup into the same registry as the C++
// scenarios, so run/sweep/shrink/report treat both alike.
//
// Strict: an unknown key, a value of the wrong type or an unknown nemesis/shape/workload is a
// load error naming the file and line. The format:
//
//   name = "single-node-kv"                # required, unique
//   description = "…"
//   workload = "single-node"               # template: one node, clients doing GET/SET/INCR
//   clients = 20                           # defaults for --clients / --keys
//   keys = 10
//   [claim]
//   id = "K1"
//   text = "Without persistence, acknowledged writes survive a crash and restart."
//   expected = "refuted"                   # holds | refuted
//   [config]                               # engine config of every node (CONFIG SET names)
//   appendonly = "yes"
//   [nemesis]
//   quiet_start = "2s"                     # no fault starts before / in the last …
//   quiet_end = "0s"
//   [nemesis.crash]                        # any registered nemesis (redsim list --faults)
//   per_minute = 15
//   min_duration = "200ms"
//   max_duration = "1500ms"
//   shapes = ["…"]                          # drawn uniformly; must be the kind's shapes
//   min_amount = 0
//   max_amount = 0
#pragma once

#include <string>
#include <vector>

#include "scenarios/scenario.h"

namespace redsim::scenarios {

// Parses one file; false with "file:line: why" in `error`.
bool LoadScenarioFile(const std::string& path, Scenario* out, std::string* error);
// Every *.toml in `dir`, sorted by file name.
bool LoadScenarioDir(const std::string& dir, std::vector<Scenario>* out, std::string* error);

// The directory the registry loads: $REDSIM_SCENARIOS_DIR, else the source tree's
// scenarios/defs (compiled in).
std::string ScenarioDefsDir();

// The workload templates a file may name.
struct SingleNodeSpec {
  int default_clients = 20;
  int default_keys = 10;
  std::vector<std::pair<std::string, std::string>> config;
  faults::RandomScheduleSpec nemesis;
};
RunResult RunSingleNodeTemplate(const RunOptions& opts, const std::string& name,
                                const SingleNodeSpec& spec);

}  // namespace redsim::scenarios
