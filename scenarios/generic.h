// The generic, file-driven scenario runner: a topology of nodes (primaries and replicas, each
// with its own engine config), workloads of typed operations on those nodes (each a model the
// linearizability checker knows), a random nemesis schedule and the claim. Scenario files in
// scenarios/defs/ describe one (see toml_scenarios.h for the format); `RunGeneric` runs it.
//
// Every workload kind uses the Redis commands a real application would:
//   register      GET / SET                        model register
//   cas-register  GET / SET / compare-and-set by an EVAL script, or WATCH GET MULTI SET EXEC
//                                                  model cas-register
//   counter       INCRBY / GET                     model counter
//   set           SADD / SMEMBERS                  model set
//   list-append   RPUSH / LRANGE 0 -1              model list-append
//   queue         RPUSH / LPOP                     model queue
//   lock          SET key token NX PX lease / EVAL compare-and-delete   checker lock-safety
//                 (no two clients believe they hold a lock at once; a client believes it from
//                 the acquire's reply until it starts its release or its lease, counted from its
//                 invocation, runs out). The linearizability model `lock` may be named too, but
//                 it starts a lease at the acquirer's invocation, so a refusal after a delayed
//                 acquire can look illegal: it is not the default.
// Written values and elements are unique per run (process * 10^9 + n), so a checker can tell
// every write apart.
//
// Outcomes follow the history rules of checkers/README.md: an error reply is `fail` (the
// command was refused: -READONLY, -NOREPLICAS, -LOADING, -MASTERDOWN, EXECABORT...), a
// conditional write that ran and did not apply is `ok` with a false result, a timeout or a lost
// connection is `info` (it may have happened), and a command never sent (no connection) is
// `fail`.
//
// Rates: a workload with `rate` R > 0 invokes an operation every 1/R seconds per client (start
// times on a fixed grid with ±10% jitter; a late operation starts at once but the grid never
// bursts to catch up), so a client issues at most about R * duration operations. R = 0 is a
// closed loop (the next operation as soon as the last one completes, after a short random
// think time).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "faults/nemesis.h"
#include "scenarios/scenario.h"

namespace redsim::scenarios {

struct GenericNodeSpec {
  std::string name;
  std::string role = "primary";  // primary | replica | sentinel
  std::string replicaof;         // a replica's primary (a node name)
  // Engine config (CONFIG SET names and values), applied over the engine's defaults with port
  // 6379; --config overrides from the command line come after.
  std::vector<std::pair<std::string, std::string>> config;
  // A Sentinel: the node it monitors first (a node name; Sentinels started with different
  // primaries for one name is claim S6), under `master_name`, with this quorum.
  std::string monitor = "";
  std::string master_name = "mymaster";
  int quorum = 2;
};

struct GenericWorkloadSpec {
  std::string kind;  // see the table above
  int clients = 4;
  int keys = 4;
  double rate = 0;  // operations per second per client; 0 = closed loop
  // primary | any | replicas | sentinel | cluster: where operations go. `cluster` sends each
  // command to the node serving its key's slot, following -MOVED and -ASK (cluster_support.h).
  // `sentinel` finds the primary as real clients do: ask a Sentinel (SENTINEL
  // GET-MASTER-ADDR-BY-NAME), check ROLE on the node it names, keep using it until the connection
  // breaks, a request times out or a reply says READONLY, then ask again.
  std::string target = "primary";
  std::string read_target;      // where reads go ("" = target)
  double read_fraction = 0.5;   // share of reads (register, cas-register, counter, set, list)
  double cas_fraction = 0.3;    // cas-register: share of cas among the writes
  std::string cas_via = "lua";  // cas-register: lua | watch
  int64_t lease_ms = 1000;      // lock: PX lease
  int64_t hold_ms = 200;        // lock: at most this long held before the release
  int64_t timeout_ns = 1'000'000'000;  // a request's client-side timeout
  // target = "cluster": "refresh" asks for CLUSTER SLOTS again after a broken connection or a
  // timeout (what cluster clients do); "keep" only learns from -MOVED (a client that holds a
  // stale slot map across a failover, claim C8).
  std::string slot_map = "refresh";
};

// A workload kind, registered once under its name (AllWorkloadKinds in generic.cc, next to the
// operations it issues): the checkers that can judge it (the first is the default; a
// linearizability model shares its kind's name, a lock is judged by lock-safety or, if named, the
// `lock` model) and the [[workload]] keys it takes beyond the common ones (kind, clients, keys,
// rate, target, timeout). Every option is a typed field of GenericWorkloadSpec with its default
// there; a key the kind does not take is a load error naming file:line.
struct WorkloadKindInfo {
  std::string name;
  std::vector<std::string> checkers;
  std::vector<std::string> options;
  bool TakesOption(std::string_view key) const;
};
const std::vector<WorkloadKindInfo>& AllWorkloadKinds();
const WorkloadKindInfo* FindWorkloadKind(std::string_view name);
// [[workload]] keys every kind takes.
const std::vector<std::string>& CommonWorkloadOptions();

struct GenericSpec {
  std::vector<GenericNodeSpec> nodes;
  std::vector<GenericWorkloadSpec> workloads;
  faults::RandomScheduleSpec nemesis;
  // The file's [sentinel] table: per-master Sentinel settings (down-after-milliseconds,
  // failover-timeout, parallel-syncs, ...) every Sentinel node gets for its monitored master.
  std::vector<std::pair<std::string, std::string>> sentinel_config;
  // The file's [[fault]] entries: faults at fixed times (node names already resolved to
  // indexes), merged with the random draw of `nemesis` into one schedule, so a replay records
  // them and the shrinker can remove them like any other.
  std::vector<faults::Fault> faults;
  // Checkers to run (each a checker of some workload's kind); empty = every
  // workload's default.
  std::vector<std::string> checkers;
  uint64_t max_configurations = 20'000'000;  // the linearizability checker's budget per model
  // `cluster = true`: every data node runs with cluster-enabled; the run starts by building one
  // cluster of them (primaries share the slots, replicas follow their primary) and clients with
  // target = "cluster" route by slot (cluster_support.h).
  bool cluster = false;
  // `lost_adds_bound = "12s"` (top level): a bounded claim (S4, C1): lost-adds allows losses of
  // writes acknowledged within this long after a fault started (-1: every loss is a violation).
  int64_t lost_adds_bound_ns = -1;
  // `failover_bound = "10s"` (top level, cluster files): the failover-time checker's bound.
  int64_t failover_bound_ns = 10'000'000'000;
};

// Runs a file's scenario. opts.clients / opts.keys (when > 0) replace every workload's
// clients / keys (the shrinker's knobs).
RunResult RunGeneric(const RunOptions& opts, const std::string& name, const GenericSpec& spec);

}  // namespace redsim::scenarios
