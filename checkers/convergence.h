// Convergence (claims R1, S5, C4): after faults stop, every replica's dataset equals the
// primary's within a bound.
//
// Input: snapshots of datasets (key -> value, in whatever encoding the caller chose, e.g. a
// type tag plus a canonical dump of the value) taken from the primary and the replicas, the
// moment faults stopped and the bound. Clients are expected to stop writing when faults stop,
// so the primary's latest snapshot is the target. A replica converged at the time of its first
// snapshot, at or after faults stopped, from which all its snapshots equal the target; it
// violates the property if that never happens or happens later than faults_stopped + bound.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "checkers/outcome.h"

namespace redsim::checkers {

using Dataset = std::map<std::string, std::string>;

struct DatasetSnapshot {
  std::string node;
  int64_t time_ns = 0;
  Dataset data;
};

struct ConvergenceInput {
  std::string primary;
  int64_t faults_stopped_ns = 0;
  int64_t bound_ns = 0;
  std::vector<DatasetSnapshot> snapshots;
};

// Kinds: no-primary-snapshot, not-converged, converged-late.
CheckOutcome CheckConvergence(const ConvergenceInput& input);

// A short description of how `got` differs from `want`: keys missing, extra and different
// (at most `max_keys` named).
std::string DescribeDatasetDiff(const Dataset& want, const Dataset& got, size_t max_keys = 5);

}  // namespace redsim::checkers
