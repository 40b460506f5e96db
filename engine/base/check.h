// REDSIM_CHECK: invariants that must never break, checked in every build (Release included).
//
// An expected failure (bad input, I/O error, a closed peer) is a value (Status, an error reply);
// a broken invariant is a bug, and running on would corrupt data or hide the cause. So a failed
// check prints where it failed, the condition, an optional message and the run's context, then
// aborts the process. Under simulation the context is the seed, the simulated time and the one
// command that replays the run (installed by the runner through SetCheckContext); in real mode it
// is empty. A run that trips a check fails, as a SevError does in FoundationDB.
//
//   REDSIM_CHECK(offset >= start_offset);
//   REDSIM_CHECK(db->size() == count, "key count after load");
//
// Keep conditions cheap: they run in production builds, on hot paths too.
#pragma once

#include <string>

namespace redsim {

// Returns text describing the current run (seed, simulated time, replay command), printed when a
// check fails. One per process: the simulator runs one scenario per process at a time.
using CheckContextFn = std::string (*)();
void SetCheckContext(CheckContextFn fn);

// Prints the failure and the context, then aborts. Never returns.
[[noreturn]] void CheckFailed(const char* file, int line, const char* condition,
                              const char* message);

}  // namespace redsim

#define REDSIM_CHECK(cond, ...)                                                     \
  do {                                                                              \
    if (__builtin_expect(!(cond), 0)) {                                             \
      ::redsim::CheckFailed(__FILE__, __LINE__, #cond, "" __VA_OPT__(__VA_ARGS__)); \
    }                                                                               \
  } while (0)
