// Histories: what clients saw, as a sequence of events, and the operations they pair into.
//
// An event is one line of a history: a process invoking an operation, or the operation
// completing `ok` (it happened, with this result), `fail` (it certainly did not take effect) or
// `info` (unknown: it may have taken effect at any moment after its invocation, or never).
// Fault-injection events (`nemesis`) are kept for display but are not operations. The order of
// events is real-time order: an operation that completes before another is invoked precedes it.
// Every loader (checkers/history_formats.h) produces this one representation.
//
// Invariants after PairOperations succeeds: each process has at most one open operation at a
// time; every completion matches an open invocation of the same process and `f`; operations are
// numbered in invocation order; an operation whose invocation never completes is `kPending`
// (treated like `info`).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "checkers/datum.h"

namespace redsim::checkers {

enum class EventType : uint8_t { kInvoke, kOk, kFail, kInfo };

const char* EventTypeName(EventType type);

struct Event {
  int64_t process = 0;
  bool nemesis = false;  // a fault-injection event, not a client operation
  EventType type = EventType::kInvoke;
  std::string f;
  Datum key;             // nil when the operation names no key
  Datum value;           // argument on invoke, result on completion
  Datum error;           // optional detail on fail/info (display only)
  int64_t time_ns = -1;  // -1: not recorded
  int line = 0;          // source line, for messages
};

struct History {
  std::vector<Event> events;
  std::string model;   // the model named in the file, if any (jsonl header)
  std::string format;  // which loader read it
};

enum class OpStatus : uint8_t { kOk, kFail, kInfo, kPending };

const char* OpStatusName(OpStatus status);

// One invocation paired with its completion.
struct Operation {
  int id = 0;  // index in OpHistory::ops (invocation order)
  int64_t process = 0;
  std::string f;
  Datum key;
  Datum input;   // the invocation's value
  Datum output;  // the completion's value (nil for pending)
  OpStatus status = OpStatus::kPending;
  int invoke_event = 0;     // index into History::events
  int complete_event = -1;  // -1 when pending
  int64_t invoke_ns = -1;
  int64_t complete_ns = -1;
  int invoke_line = 0;
  int complete_line = 0;
};

struct OpHistory {
  std::vector<Operation> ops;
  std::vector<int> nemesis_events;  // indexes into History::events
  int num_events = 0;
};

// Pairs invocations with completions. Errors (with the offending line): a completion with no
// open invocation for its process, an invocation while the process already has one open, a
// completion whose `f` differs from its invocation's. (The jsonl reader also rejects time_ns
// going backwards; external formats order events by their position only.)
bool PairOperations(const History& history, OpHistory* out, SourceError* error);

// "process 3 cas [1 2] -> ok" style one-line description of an operation.
std::string DescribeOperation(const Operation& op);

}  // namespace redsim::checkers
