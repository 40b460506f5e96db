// Lock safety (claims L1-L6): no two clients hold the same lock at the same simulated time, and,
// when the lock hands out fencing tokens, the protected resource never accepts a token lower
// than one it already accepted.
//
// A hold is what a client believed: from the moment it learned it had the lock (the acquire's
// reply) until it stopped acting as holder (it started its release, or decided its lease had
// run out). Holds are half-open intervals [start_ns, end_ns). Two holds of one lock by different
// clients that intersect are a violation, whatever the lock service thinks. A client's own
// overlapping holds (re-acquiring before releasing) are not.
//
// Tokens: each acquisition's token must be greater than the previous acquisition's of the same
// lock (in start order); at each resource, the tokens of accepted writes, in time order, must
// never go down. Rejected writes are fine: rejecting stale tokens is the point of fencing.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "checkers/outcome.h"

namespace redsim::checkers {

struct LockHold {
  std::string lock;
  std::string client;
  int64_t start_ns = 0;
  int64_t end_ns = 0;
  int64_t token = -1;  // fencing token from the acquisition, -1 if none
};

struct FencedWrite {
  std::string resource;
  std::string client;
  int64_t token = 0;
  int64_t time_ns = 0;  // when the resource processed it
  bool accepted = true;
};

struct LockSafetyInput {
  std::vector<LockHold> holds;
  std::vector<FencedWrite> resource_writes;
};

// Kinds: overlapping-holders, token-not-increasing, stale-token-accepted.
CheckOutcome CheckLockSafety(const LockSafetyInput& input);

}  // namespace redsim::checkers
