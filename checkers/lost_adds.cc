#include "checkers/lost_adds.h"

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
  return r;
}

}  // namespace redsim::checkers
