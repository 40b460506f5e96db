// Rendering a linearizability verdict for people and for reports: a text explanation of the
// smallest failing window, the same as JSON, and a self-contained HTML page with an SVG
// timeline of that window (no scripts or external assets). All functions are pure.
#pragma once

#include <string>
#include <string_view>

#include "checkers/history.h"
#include "checkers/linearizability.h"

namespace redsim::checkers {

struct CheckSummary {
  std::string file;
  std::string format;
  double elapsed_ms = 0;
};

// "linearizable", "not-linearizable" or "unknown": the JSON token for a verdict.
const char* VerdictToken(Verdict verdict);

std::string ExplainText(const OpHistory& ops, const LinearizabilityResult& result,
                        const CheckSummary& summary);

// One JSON object (no trailing newline).
std::string ResultJson(const OpHistory& ops, const LinearizabilityResult& result,
                       const CheckSummary& summary);

// An operation as JSON: id, process, f, key, value (argument), result, status, lines, times.
std::string OperationJson(const Operation& op);

// Text made safe inside HTML element content and double-quoted attributes (< > & ").
std::string HtmlEscape(std::string_view s);

std::string TimelineHtml(const History& history, const OpHistory& ops,
                         const LinearizabilityResult& result, const CheckSummary& summary);

}  // namespace redsim::checkers
