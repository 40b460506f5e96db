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
std::vector<DriverInfo> ReplicationDrivers();             // replication.cc
RunResult RunRedlockDriver(const RunOptions& opts, const std::string& name,
                           const DriverParams& params);  // redlock.cc

// Each driver is registered once, under its name, with the function that runs it: one lookup
// by name (FindDriver) and no second dispatch inside the driver.
const std::vector<DriverInfo>& AllDrivers() {
  static const std::vector<DriverInfo> drivers = [] {
    std::vector<DriverInfo> d = {
        // One node, GET/SET/INCR on a few keys, judged by kv_check.h; faults from [nemesis].
        {"single-node", true, {}, RunSingleNodeTemplate},
        {"idle-3-node", false, {}, RunIdleDriver},
        // One persisting node crashed at seeded moments and read back after each restart.
        {"crash-recovery", false, {"lying_disk"}, RunRecoveryDriver},
    };
    for (DriverInfo& r : ReplicationDrivers()) d.push_back(std::move(r));
    // Locks over 1 or 5 independent nodes, judged by lock safety (or fencing, L5).
    d.push_back(
        {"redlock", true, {"single_instance", "client_stalls", "fenced"}, RunRedlockDriver});
    return d;
  }();
  return drivers;
}

const DriverInfo* FindDriver(const std::string& name) {
  for (const auto& d : AllDrivers()) {
    if (d.name == name) return &d;
  }
  return nullptr;
}

}  // namespace redsim::scenarios
