// `redsim shrink`: reduces a failing run (fewer faults, shorter faults, fewer operations, clients
// and keys, a shorter duration) while it still violates its claim with the same violation token.
// See shrink.cc for the method and why it is not RapidCheck's.
#pragma once

#include "scenarios/scenario.h"

namespace redsim::scenarios {

struct ShrinkOutcome {
  bool found = false;  // the original run violated its claim
  RunResult original;
  RunOptions minimal;  // replays the minimal run (schedule pinned)
  RunResult minimal_result;
  int runs = 0;        // scenario runs spent
  double seconds = 0;  // wall time
};

// At most `max_runs` candidate runs; progress lines on stdout when verbose.
ShrinkOutcome ShrinkRun(const Scenario& scenario, const RunOptions& opts, int max_runs,
                        bool verbose);

int ShrinkMain(int argc, char** argv);

}  // namespace redsim::scenarios
