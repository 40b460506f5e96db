// The linearizability checker: is there a total order of the history's operations that
// respects real time (an operation that completed before another was invoked comes first) and
// that the model accepts, step by step?
//
// Method: Wing & Gong's search as improved by Lowe and used by Porcupine. Calls and returns are
// kept in a linked list in real-time order; the search repeatedly linearizes the earliest call
// it can, backtracks when it meets the return of an operation it has not linearized, and
// memoises every (set of linearized operations, model state) it has seen so that no
// configuration is explored twice. On top of that:
//  - P-compositionality: operations are split into partitions by the keys they touch (models
//    say which keys) and each partition is searched on its own.
//  - Optional operations (info/pending) have no return: they may be linearized at any point
//    after their call or never, and success needs only every required operation linearized.
//  - Symmetry: of two operations with equal (f, key, argument, result) where the first is
//    invoked earlier and completes no later, the second is only tried once the first is
//    linearized (any linearization can be rearranged that way, so no verdict changes).
//  - Memoised sets are stored compactly (leading all-ones words elided) with exact comparison;
//    hashes only choose buckets, so a collision can never change a verdict.
// The verdict is kUnknown, never a guess, when the time or memory budget runs out.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "checkers/history.h"
#include "checkers/model.h"

namespace redsim::checkers {

enum class Verdict { kLinearizable, kNotLinearizable, kUnknown };

const char* VerdictName(Verdict verdict);  // "linearizable", "not linearizable", "unknown"

struct CheckBudget {
  // Bytes for memoised configurations and model states, over the partition being searched.
  size_t max_memory_bytes = size_t{2} << 30;
  // Deterministic bound on configurations explored over the whole check (0: no bound). Use this
  // under simulation, where a wall-clock deadline would make replays disagree.
  uint64_t max_configurations = 0;
  // Polled every few thousand steps; returning true stops the search with kUnknown.
  std::function<bool()> out_of_time;
};

// One step of a linearization: an operation and the model state after it.
struct LinearizedStep {
  int op = -1;  // OpHistory id
  std::string state_after;
};

// Why a partition is not linearizable: the furthest point any order of operations reached.
struct Counterexample {
  std::string partition;      // the partition's keys as text ("" for an unkeyed history)
  int failed_op = -1;         // the operation no order could linearize before it returned
  int partition_ops = 0;      // operations searched in this partition
  int linearized_before = 0;  // operations linearized in the deepest configuration
  std::vector<int> open_ops;  // invoked before failed_op returned, not linearized there
  std::vector<std::string> states_tried;   // model states in which failed_op was due
  bool states_truncated = false;           // more states were tried than listed
  std::vector<LinearizedStep> last_steps;  // tail of one linearization that got that far
  std::vector<int> window;  // operations to show: failed, open and overlapping ones, by id
};

struct LinearizabilityResult {
  Verdict verdict = Verdict::kUnknown;
  std::string model;
  std::string reason;  // for kUnknown: which budget ran out
  int operations = 0;  // operations searched (required + optional)
  int dropped = 0;     // failed operations and unknown reads (constrain nothing)
  int partitions = 0;
  uint64_t configurations = 0;  // memoised configurations over all partitions
  uint64_t model_states = 0;    // distinct model states over all partitions
  uint64_t transitions = 0;     // model steps computed (each (state, op) once)
  size_t peak_memory_bytes = 0;
  std::optional<Counterexample> counterexample;
};

// Checks `history` against `model`. Returns false (and sets `error`) when the model cannot
// interpret an operation; the verdict is then meaningless.
bool CheckLinearizability(const OpHistory& history, const Model& model, const CheckBudget& budget,
                          LinearizabilityResult* result, std::string* error);

}  // namespace redsim::checkers
