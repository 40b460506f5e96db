// A fast checker for the register-with-increments histories the single-node workloads record
// (`write` = SET of a unique value, `read` = GET, `incr` = INCR returning the new value): every
// successful read must return a value some order of the operations allows. It is a necessary
// condition of linearizability that runs in one streaming pass (O(operations × concurrency)),
// so a sweep can check every seed; the full linearizability checker (checkers/) stays available
// for a saved history.
//
// Rule, per key: at a read's invocation, the writes that may be current are the acknowledged
// writes that completed before it and were not followed (strictly, in real time) by another
// acknowledged write, plus writes still in flight; writes invoked while the read was in flight
// may be current too. The read must return the value of one of them, or null if none had
// completed, or (for INCR) a base value plus at most as many increments as may have happened.
// Writes with unknown outcome stay possible for `unknown_horizon_ns` after their invocation
// (after that the request can no longer be in any buffer; documented, not a guess per run).
#pragma once

#include <cstdint>
#include <string>

#include "world/history.h"

namespace redsim::scenarios {

using world::History;
using world::HistoryEntry;
using world::OpType;
using world::ValueKind;

struct KvCheckResult {
  bool ok = true;
  uint64_t reads_checked = 0;
  uint64_t violations = 0;
  std::string violation;    // token of the first violation: "lost-write" or "unexpected-value"
  std::string explanation;  // the first violation, in plain words
  int64_t window_start_ns = -1;
  int64_t window_end_ns = -1;
};

KvCheckResult CheckKvHistory(const History& history, int64_t unknown_horizon_ns = 30'000'000'000);

}  // namespace redsim::scenarios
