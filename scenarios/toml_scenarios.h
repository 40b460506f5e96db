// Declarative scenarios: TOML files (scenarios/defs/*.toml), loaded once at startup into the same
// registry as everything else, so run/sweep/shrink/report treat them alike. Every scenario `redsim
// list` shows comes from a file. A file is either
//
//  * generic — a topology, workloads and checkers the generic runner (generic.h) executes:
//
//      name = "cas-register-lua"           # required, unique
//      description = "…"
//      duration = "20s"                    # the default for --duration (else 60 s)
//      checkers = ["cas-register"]         # models to judge (default: every workload's)
//      [claim]
//      id = "K3"                           # CLAIMS.md id or the scenario's own
//      text = "…"
//      expected = "holds"                  # holds | refuted (what seeds 1..20 show)
//      [config]                            # engine config of every node (CONFIG SET names)
//      save = ""
//      [[node]]
//      name = "n1"
//      role = "primary"                    # primary | replica
//      [[node]]
//      name = "n2"
//      role = "replica"
//      replicaof = "n1"
//      [node.config]                       # this node's own config, after [config]
//      appendonly = "yes"
//      [[node]]
//      name = "s1"
//      role = "sentinel"                   # a Sentinel (port 26379) watching a data node
//      monitor = "n1"                      # the primary it is told about at start
//      master_name = "mymaster"            # (default)
//      quorum = 2                          # (default)
//      lost_adds_bound = "12s"             # (top level) a bounded claim: lost-adds allows the
//                                          # loss of writes acknowledged this soon after a fault
//      cluster = true                      # (top level) one Redis Cluster of the data nodes:
//                                          # primaries share the slots, replicas follow theirs
//                                          # (CLUSTER REPLICATE); workloads use target = "cluster"
//      [sentinel]                          # per-master settings of every Sentinel
//      down-after-milliseconds = 5000      # -> sentinel down-after-milliseconds mymaster 5000
//      failover-timeout = 60000
//      [[workload]]
//      kind = "cas-register"               # register cas-register counter set list-append
//                                          # queue lock
//      clients = 4                         # --clients replaces it
//      keys = 3                            # --keys replaces it
//      rate = 20                           # ops per second per client; 0/absent: closed loop
//      target = "primary"                  # primary | any | replicas | sentinel: where
//                                          # operations go (sentinel: the primary a Sentinel
//                                          # names, asked again after errors; generic.h)
//      read_target = "replicas"            # where reads go (default: target)
//      read_fraction = 0.5
//      cas_fraction = 0.3                  # cas-register: share of cas among writes
//      cas_via = "lua"                     # cas-register: lua | watch
//      lease = "1s"                        # lock: PX lease
//      hold = "200ms"                      # lock: longest hold before the release
//      timeout = "1s"                      # a request's client-side timeout
//      [nemesis]                           # a random schedule, as below
//      [[fault]]                           # a fault at a fixed time (any number of them)
//      kind = "partition"                  # a registered nemesis (redsim list --faults)
//      at = "10s"                          # when it strikes
//      duration = "20s"                    # when its undo (heal, restart, ...) runs; none: never
//      node = "n1"                         # its target (a partition: the node to isolate)
//      groups = [["n1", "s1"], ["n2", "n3", "s2", "s3"]]  # or a partition's sides; unnamed
//                                          # nodes see every side
//      shape = "jump"                      # the kind's shape (default: the kind's first)
//      amount = 0                          # the kind's amount, or for a clock fault:
//      offset = "-30s"                     # the wall-clock offset as a duration
//    Fixed faults join the random draw in one schedule: a run records them, a replay with
//    --faults replaces them, and the shrinker removes them like any other.
//
//  * a driver file — `driver = "<builtin>"` names a hand-written driver (AllDrivers()) for
//    scenarios the generic runner cannot express (crash-and-read-back recovery, WAIT checks,
//    scripted failovers). It carries the claim, description, duration, `clients`/`keys`
//    defaults, the nodes' `[config]`, the driver's `[options]` (booleans each driver lists)
//    and, for drivers that draw a random schedule, `[nemesis]`.
//
// The nemesis table (both kinds):
//      [nemesis]
//      quiet_start = "2s"                  # no fault starts before / in the last …
//      quiet_end = "0s"
//      [nemesis.crash]                     # any registered nemesis (redsim list --faults)
//      per_minute = 15
//      min_duration = "200ms"
//      max_duration = "1500ms"
//      shapes = ["…"]                      # drawn uniformly; must be the kind's shapes
//      min_amount = 0
//      max_amount = 0
//
// Strict: an unknown key, a value of the wrong type, an unknown nemesis/shape/kind/role/driver
// or a knob that does not apply is a load error naming the file and line. (`workload =
// "single-node"` is the first files' spelling of `driver = "single-node"`.)
#pragma once

#include <functional>
#include <map>
#include <string>
#include <utility>
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

// What a driver file hands its driver. The file's `clients`, `keys` and `[config]` arrive as
// RunOptions defaults (opts.clients / opts.keys when not given, opts.config before --config);
// drivers apply opts.config to every node's config with ApplyConfigOverrides.
struct DriverParams {
  int default_clients = -1;
  int default_keys = -1;
  double rate = 0;  // `rate`: operations per second per client (0: closed loop)
  std::vector<std::pair<std::string, std::string>> config;
  faults::RandomScheduleSpec nemesis;          // [nemesis], for drivers that take one
  std::map<std::string, std::string> options;  // [options]: name -> "true" / "false"
  bool Option(const std::string& name) const {
    auto it = options.find(name);
    return it != options.end() && it->second == "true";
  }
};

struct DriverInfo {
  std::string name;
  bool takes_nemesis = false;
  std::vector<std::string> bool_options;  // the keys [options] may have
  std::function<RunResult(const RunOptions&, const std::string& scenario, const DriverParams&)> run;
};

// The built-in drivers (drivers.cc).
const std::vector<DriverInfo>& AllDrivers();
const DriverInfo* FindDriver(const std::string& name);

}  // namespace redsim::scenarios
