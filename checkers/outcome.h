// The result shape shared by the property checkers (durability, lock safety, election safety,
// convergence): a list of violations, each with a kind (a stable token for reports and tests),
// a sentence a person can read and the simulated time it concerns. The list is bounded: only
// the first kMaxListedViolations are kept, in the order the checker ranks them (the most telling
// first); `total_violations` counts all of them.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace redsim::checkers {

inline constexpr size_t kMaxListedViolations = 100;

struct Violation {
  std::string kind;      // e.g. "lost-acknowledged-write", "overlapping-holders"
  std::string message;   // one sentence, with the values involved
  int64_t time_ns = -1;  // when it happened (simulated), -1 if not tied to a moment
};

struct CheckOutcome {
  std::string checker;  // "durability", "lock-safety", ...
  std::vector<Violation> violations;
  size_t total_violations = 0;
  std::string summary;  // one line: what was checked and the verdict

  bool ok() const { return total_violations == 0; }
  // Records a violation, keeping at most kMaxListedViolations.
  void Add(std::string kind, std::string message, int64_t time_ns = -1);
  std::string ToText() const;
  std::string ToJson() const;
};

}  // namespace redsim::checkers
