// The built-in drivers a scenario file may name with `driver = "…"`: hand-written runs the
// generic runner (generic.h) cannot express — a crash followed by a read-back of everything, a
// check of WAIT against the replicas' keyspace at the moment it answers, a scripted failover,
// the benchmark topology. Each keeps its behaviour (and trace hashes) from before the files.
#include "scenarios/toml_scenarios.h"

namespace redsim::scenarios {

// Defined next to their workloads.
RunResult RunSingleNodeTemplate(const RunOptions& opts, const std::string& name,
                                const DriverParams& params);  // single_node_kv.cc
RunResult RunIdleDriver(const RunOptions& opts, const std::string& name,
                        const DriverParams& params);  // idle_cluster.cc
RunResult RunRecoveryDriver(const RunOptions& opts, const std::string& name,
                            const DriverParams& params);  // recovery.cc
RunResult RunReplicationDriver(const RunOptions& opts, const std::string& driver,
                               const std::string& name,
                               const DriverParams& params);  // replication.cc
RunResult RunRedlockDriver(const RunOptions& opts, const std::string& name,
                           const DriverParams& params);  // redlock.cc

namespace {

DriverInfo Replication(const std::string& driver, std::vector<std::string> options = {}) {
  return {driver, false, std::move(options),
          [driver](const RunOptions& o, const std::string& name, const DriverParams& p) {
            return RunReplicationDriver(o, driver, name, p);
          }};
}

}  // namespace

const std::vector<DriverInfo>& AllDrivers() {
  static const std::vector<DriverInfo> drivers = {
      // One node, GET/SET/INCR on a few keys, judged by kv_check.h; faults from [nemesis].
      {"single-node", true, {}, RunSingleNodeTemplate},
      {"idle-3-node", false, {}, RunIdleDriver},
      // One persisting node crashed at seeded moments and read back after each restart.
      {"crash-recovery", false, {"lying_disk"}, RunRecoveryDriver},
      Replication("replication-partial-resync"),
      Replication("replication-register-reads", {"replica_reads"}),
      Replication("replication-primary-crash"),
      Replication("replication-wait"),
      Replication("replication-wait-failover"),
      // Locks over 1 or 5 independent nodes, judged by lock safety (or fencing, L5).
      {"redlock", true, {"single_instance", "client_stalls", "fenced"}, RunRedlockDriver},
  };
  return drivers;
}

const DriverInfo* FindDriver(const std::string& name) {
  for (const auto& d : AllDrivers()) {
    if (d.name == name) return &d;
  }
  return nullptr;
}

}  // namespace redsim::scenarios
