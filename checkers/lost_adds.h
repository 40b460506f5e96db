// Lost acknowledged additions (claims S3, S4, S7, S8, C2): how many elements that a server
// acknowledged adding to a set were missing when the set was read at the end — the measure
// Jepsen reported for Redis Sentinel in 2013 ("acknowledged writes lost").
//
// Input: every acknowledged add (key, element, when it was acknowledged) and, per key, the last
// successful read of the whole set (when it was invoked and what it held). An add is lost when
// it was acknowledged before that read was invoked and its element is not in the read. Elements
// are unique per run, so an element cannot come back by being added again. Adds acknowledged
// after the final read began are not judged (the read may or may not see them). A key with no
// final read is not judged either; the result counts those adds as unjudged. With a bound, only
// losses outside the window after a fault are violations.
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "checkers/outcome.h"

namespace redsim::checkers {

struct AckedAdd {
  std::string key;
  std::string element;
  int64_t ack_ns = 0;
};

struct FinalRead {
  int64_t invoke_ns = 0;
  std::set<std::string> elements;
};

struct LostAddsInput {
  std::vector<AckedAdd> adds;
  std::map<std::string, FinalRead> final_reads;  // by key
  // Bounded claims (S4, C1): when bound_ns >= 0, a lost add acknowledged at most bound_ns after
  // the latest fault that started before it is within the claimed window — counted, not a
  // violation. `fault_starts` in any order.
  int64_t bound_ns = -1;
  std::vector<int64_t> fault_starts;
};

struct LostAddsResult {
  CheckOutcome outcome;  // kind: lost-acknowledged-add (one per lost element, the first listed)
  uint64_t judged = 0;   // acknowledged adds a final read could see
  uint64_t lost = 0;     // of those, missing from the final read
  uint64_t within_bound = 0;  // of the lost, acknowledged inside the claimed window
  uint64_t unjudged = 0;
};

LostAddsResult CheckLostAdds(const LostAddsInput& input);

}  // namespace redsim::checkers
