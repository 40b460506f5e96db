// Shared pieces of the replication scenarios (scenarios/replication.cc): a primary with
// replicas in one World, dataset snapshots taken straight from a node's keyspace (what the
// convergence and durability checkers compare), the scenario History handed to the
// linearizability checker, and the claim / verdict bookkeeping each scenario prints.
//
// Snapshots read the Server object of a simulated node directly, at one simulated instant: no
// client, no network, so a snapshot can never be delayed or reordered by the faults it judges.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "checkers/convergence.h"
#include "checkers/history.h"
#include "checkers/linearizability.h"
#include "scenarios/scenario.h"

namespace redsim::scenarios {

constexpr int64_t kReplMs = 1'000'000;
constexpr int64_t kReplSec = 1'000 * kReplMs;

// Every live key of every database of a node: "db:key" -> type-tagged canonical value
// ("s:<bytes>" for strings, "set:<sorted members joined by \x1f>" for sets, the type number
// for the rest). An empty map for a node that is down.
checkers::Dataset SnapshotDataset(SimNode* node);

// The value of one string key of database 0 on a node, or false when absent (or down).
bool PeekString(SimNode* node, const std::string& key, std::string* value);

// The primary's config for these scenarios: no RDB save points (persistence only when a
// scenario turns it on), short replication timers so that short partitions are noticed.
ServerConfig ReplicationNodeConfig(int64_t repl_timeout_s);

// Adds n1 (primary) and n2..n(1+replicas) replicating from it, and starts them.
void AddPrimaryWithReplicas(World& w, int replicas, const ServerConfig& base);

// Records a client operation's completion as ok / fail / info in the history. `ok_value_json`
// is the value written on ok (the written value for writes, the reply for reads).
void RecordReply(World& w, int process, const std::string& f, const std::string& key,
                 const CallResult& r, const std::string& ok_value_json,
                 const std::string& invoke_value_json);
// The same for structured values (lists, maps), recorded as checkers::Datum.
void RecordReply(World& w, int process, const std::string& f, const std::string& key,
                 const CallResult& r, const checkers::Datum& ok_value,
                 const checkers::Datum& invoke_value);
void RecordReply(World& w, int process, const std::string& f, const std::string& key,
                 const CallResult& r, const std::string& ok_value_json,
                 const checkers::Datum& invoke_value);

// The client processes [first, end) a check reads (a workload's own clients); the default is
// every client.
struct ProcessRange {
  int32_t first = 0;
  int32_t end = INT32_MAX;
};

// The scenario History as the checkers' paired operations, keeping only operations of
// `processes` whose `f` is in `fs` (nemesis entries are dropped). Read in place: the history is
// not copied first, and its values become Datums without a trip through JSON text
// (History::ValueDatum). False with `error` on malformed histories.
bool ToCheckerOps(const History& history, const std::vector<std::string>& fs,
                  checkers::OpHistory* ops, std::string* error, ProcessRange processes = {});

// Runs the linearizability checker with a deterministic budget and fills the verdict fields of
// `result` ("holds", "refuted" with the checker's explanation of the smallest failing window,
// or "unknown").
void JudgeLinearizability(const History& history, const std::vector<std::string>& fs,
                          const std::string& model, uint64_t max_configurations, RunResult* result,
                          ProcessRange processes = {});

// Fills the counts and claim fields at the end of a replication scenario.
void FinishReplicationRun(World& w, const RunOptions& opts, const std::string& name,
                          const std::string& claim_id, const std::string& claim, Verdict expected,
                          RunResult* result);

}  // namespace redsim::scenarios
