// A small strict JSON reader (RFC 8259) producing Datums, for the JSON-lines history format and
// for tests that read the checkers' JSON output. Integers that fit int64 become kInt, other
// numbers kDouble. Errors name the line and column; nesting deeper than kMaxJsonDepth is an
// error rather than a stack overflow. Duplicate object keys are kept in order (callers that care
// reject them).
#pragma once

#include <string_view>

#include "checkers/datum.h"

namespace redsim::checkers {

inline constexpr int kMaxJsonDepth = 200;

// Parses exactly one JSON value from `text` (whitespace around it is allowed). Line numbers in
// the error count from `first_line`.
bool ParseJson(std::string_view text, Datum* out, SourceError* error, int first_line = 1);

// Parses exactly one JSON object from `text`, handing each member to `sink` instead of building
// the object. Member keys must be strings; a sink error is reported at the member's key.
bool ParseJsonObjectFields(std::string_view text, MapFieldSink* sink, SourceError* error,
                           int first_line = 1);

}  // namespace redsim::checkers
