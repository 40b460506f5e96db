// Checks of a generic scenario that judge more than one workload's operations: what the
// Sentinels decided (claims S2, S5) and how many acknowledged writes a set workload lost (S3, S4,
// S7, S8). They read the world as the run left it and the events it recorded; they never change
// a run or its trace hash. The judging itself is in checkers/ (pure); this file turns the
// world's records into the checkers' inputs.
#pragma once

#include <cstddef>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "checkers/lost_adds.h"
#include "checkers/outcome.h"
#include "world/world.h"

namespace redsim::scenarios {

// Names a generic file's `checkers` may list besides the workloads' own.
inline constexpr const char* kElectionSafety = "election-safety";            // S2
inline constexpr const char* kSentinelConvergence = "sentinel-convergence";  // S5
inline constexpr const char* kLostAdds = "lost-adds";                        // set workloads
inline constexpr const char* kNoFailover = "no-failover";                    // S1
inline constexpr const char* kNoPromotion = "no-promotion";                  // S10
inline constexpr const char* kTiltSafety = "tilt-safety";                    // S11
inline constexpr const char* kClusterConvergence = "cluster-convergence";    // C4, C7
inline constexpr const char* kFailoverTime = "failover-time";                // C10

// The acknowledged adds of the processes [first, last) (a set workload) against the last
// successful read of each key.
// With bound_ns >= 0, losses within bound_ns of the latest fault start before them are allowed
// (bounded claims); `fault_starts` are the schedule's start times.
checkers::LostAddsResult LostAddsOf(const world::History& history, std::pair<int, int> processes,
                                    int64_t bound_ns = -1,
                                    const std::vector<int64_t>& fault_starts = {});

// S2 from the Sentinels' events: at most one Sentinel is elected leader per epoch (+elected-
// leader), every +switch-master of one epoch names the same new primary, and no Sentinel
// announces a new epoch lower than one it announced before (+new-epoch).
checkers::CheckOutcome SentinelElectionSafety(world::World& w);

// S1: no Sentinel started a failover (+try-failover) and none switched the primary
// (+switch-master). For scenarios where only a minority could believe the primary is down.
checkers::CheckOutcome SentinelNoFailover(world::World& w);

// S10: no replica was promoted (+promoted-slave, +switch-master); a failover may start and give
// up. For scenarios whose only candidates must be refused (a replica cut off from its primary
// for longer than down-after-milliseconds * 10 plus the primary's down time).
checkers::CheckOutcome SentinelNoPromotion(world::World& w);

// S11: some Sentinel entered TILT (the scenario jumps a Sentinel's clock; a run where none did
// tested nothing), and no Sentinel marked an instance down (+sdown, +odown), started a failover
// (+try-failover) or was elected leader (+elected-leader) between its +tilt and its -tilt.
checkers::CheckOutcome SentinelTiltSafety(world::World& w);

// C3 from the Cluster nodes' events: no two nodes won a failover with the same config epoch.
checkers::CheckOutcome ClusterElectionSafety(world::World& w);

// C4 and C7 at the end of the run: every data node that is up says cluster_state:ok, all of them
// agree on the owner of each of the 16384 slots, every slot has one, each owner is up and a master,
// and the masters that own slots have distinct config epochs (collisions were resolved).
checkers::CheckOutcome ClusterConvergence(world::World& w, const std::vector<size_t>& data_nodes);

// C10: every crash of a primary (`crashes`: node name and when) is followed within `bound_ns` by
// a failover won by one of its replicas (`replica_of`: replica name -> its primary's name).
checkers::CheckOutcome ClusterFailoverTime(
    world::World& w, const std::vector<std::pair<std::string, int64_t>>& crashes,
    const std::map<std::string, std::string>& replica_of, int64_t bound_ns);

// S5 at the end of the run: every Sentinel that is up names the same primary for `master`, that
// node is up and a primary, and every other data node that is up is its replica.
checkers::CheckOutcome SentinelConvergence(world::World& w, const std::vector<size_t>& sentinels,
                                           const std::vector<size_t>& data_nodes,
                                           const std::string& master);

}  // namespace redsim::scenarios
