// Election safety (claims S2, C3): at most one node is promoted, and at most one node acts as a
// primary accepting writes, in each epoch (Sentinel's configuration epoch, Cluster's
// currentEpoch/configEpoch, a Raft term); and no node's epoch ever goes backwards.
//
// The input is what the simulator observed, as events per node: the epoch a node reported
// (kObserved), a promotion to primary in an epoch (kPromoted), and a write the node accepted as
// primary in an epoch (kAcceptedWrite). Every event counts as an observation of the node's
// epoch for the "never backwards" rule; events of one node are ordered by time (ties: input
// order). An old primary that keeps accepting writes in an old epoch after a new primary was
// promoted in a newer one does not violate this property (that is split brain across epochs,
// which the durability and linearizability checkers judge).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "checkers/outcome.h"

namespace redsim::checkers {

struct EpochEvent {
  enum class Kind { kObserved, kPromoted, kAcceptedWrite };
  std::string node;
  int64_t time_ns = 0;
  int64_t epoch = 0;
  Kind kind = Kind::kObserved;
};

// Kinds: two-promotions-in-epoch, two-primaries-in-epoch, epoch-went-backwards.
CheckOutcome CheckElectionSafety(const std::vector<EpochEvent>& events);

}  // namespace redsim::checkers
