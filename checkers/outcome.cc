#include "checkers/outcome.h"

#include "checkers/datum.h"

namespace redsim::checkers {

void CheckOutcome::Add(std::string kind, std::string message, int64_t time_ns) {
  ++total_violations;
  if (violations.size() < kMaxListedViolations) {
    violations.push_back({std::move(kind), std::move(message), time_ns});
  }
}

std::string CheckOutcome::ToText() const {
  std::string out = checker + ": " + (ok() ? "ok" : "VIOLATED") + " - " + summary + "\n";
  for (const Violation& v : violations) {
    out += "  [" + v.kind + "] " + v.message;
    if (v.time_ns >= 0) out += " (t=" + std::to_string(v.time_ns) + " ns)";
    out += "\n";
  }
  if (total_violations > violations.size()) {
    out += "  ... and " + std::to_string(total_violations - violations.size()) + " more\n";
  }
  return out;
}

std::string CheckOutcome::ToJson() const {
  std::string out = "{\"checker\":";
  AppendJsonString(checker, &out);
  out += std::string(",\"ok\":") + (ok() ? "true" : "false");
  out += ",\"total_violations\":" + std::to_string(total_violations) + ",\"summary\":";
  AppendJsonString(summary, &out);
  out += ",\"violations\":[";
  for (size_t i = 0; i < violations.size(); ++i) {
    if (i) out += ",";
    out += "{\"kind\":";
    AppendJsonString(violations[i].kind, &out);
    out += ",\"message\":";
    AppendJsonString(violations[i].message, &out);
    if (violations[i].time_ns >= 0) out += ",\"time_ns\":" + std::to_string(violations[i].time_ns);
    out += "}";
  }
  out += "]}";
  return out;
}

}  // namespace redsim::checkers
