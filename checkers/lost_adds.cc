#include "checkers/lost_adds.h"

#include <algorithm>

namespace redsim::checkers {

LostAddsResult CheckLostAdds(const LostAddsInput& input) {
  LostAddsResult r;
  r.outcome.checker = "lost-adds";
  for (const AckedAdd& add : input.adds) {
    auto read = input.final_reads.find(add.key);
    if (read == input.final_reads.end() || add.ack_ns >= read->second.invoke_ns) {
      r.unjudged++;
      continue;
    }
    r.judged++;
    if (read->second.elements.count(add.element) != 0) continue;
    r.lost++;
    if (input.bound_ns >= 0) {
      int64_t latest = -1;
      for (int64_t start : input.fault_starts) {
        if (start <= add.ack_ns) latest = std::max(latest, start);
      }
      if (latest >= 0 && add.ack_ns - latest <= input.bound_ns) {
        r.within_bound++;
        continue;
      }
    }
    r.outcome.Add("lost-acknowledged-add",
                  "element " + add.element + " of " + add.key + ", acknowledged at " +
                      std::to_string(add.ack_ns / 1'000'000) + " ms, is missing from the read at " +
                      std::to_string(read->second.invoke_ns / 1'000'000) + " ms",
                  add.ack_ns);
  }
  std::string share = r.judged == 0 ? "" : " (" + std::to_string(r.lost * 100 / r.judged) + "%)";
  r.outcome.summary = std::to_string(r.lost) + " of " + std::to_string(r.judged) +
                      " acknowledged adds lost" + share + "; " + std::to_string(r.unjudged) +
                      " not judged (no later read of their key)";
  if (input.bound_ns >= 0) {
    r.outcome.summary += "; " + std::to_string(r.within_bound) +
                         " of the lost were acknowledged within " +
                         std::to_string(input.bound_ns / 1'000'000) + " ms of a fault (allowed)";
  }
  return r;
}

}  // namespace redsim::checkers
