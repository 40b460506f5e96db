// Verdict: what a run (or a sweep) says about a claim. A closed set of values, spelled in JSON,
// on the command line and in reports exactly as the records have always spelled them:
//   holds         the checker found no violation
//   refuted       the checker found a violation
//   unknown       the checker ran out of budget
//   inconclusive  the run could not check enough to say (e.g. a recovery run with no read-back)
//   none          no checker: the empty string in every text form
// Also the type of a claim's expected verdict over a sweep (holds or refuted).
#pragma once

#include <cstdint>
#include <ostream>
#include <string_view>

namespace redsim::reports {

enum class Verdict : uint8_t { kNone, kHolds, kRefuted, kUnknown, kInconclusive };

// The text form ("" for kNone).
constexpr std::string_view VerdictName(Verdict v) {
  switch (v) {
    case Verdict::kHolds:
      return "holds";
    case Verdict::kRefuted:
      return "refuted";
    case Verdict::kUnknown:
      return "unknown";
    case Verdict::kInconclusive:
      return "inconclusive";
    case Verdict::kNone:
      break;
  }
  return "";
}

// The inverse of VerdictName; false (and *out untouched) for any other text.
inline bool ParseVerdict(std::string_view text, Verdict* out) {
  for (Verdict v : {Verdict::kNone, Verdict::kHolds, Verdict::kRefuted, Verdict::kUnknown,
                    Verdict::kInconclusive}) {
    if (VerdictName(v) == text) {
      *out = v;
      return true;
    }
  }
  return false;
}

// For test failure messages and printf-style callers (a NUL-terminated literal).
inline const char* VerdictCStr(Verdict v) { return VerdictName(v).data(); }

inline std::ostream& operator<<(std::ostream& os, Verdict v) {
  return os << (v == Verdict::kNone ? std::string_view("none") : VerdictName(v));
}

}  // namespace redsim::reports
