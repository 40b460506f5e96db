// The checkers' only contact with a wall clock, for the `redsim check` command line and the
// benchmark (both run in the real world, never under simulation). Inside a simulated run, bound
// a check with CheckBudget::max_configurations instead, which is deterministic.
#pragma once

#include <cstdint>
#include <functional>

namespace redsim::checkers {

// Monotonic nanoseconds since an arbitrary origin.
int64_t RealMonotonicNs();
// CPU time consumed by the calling thread, in nanoseconds (benchmarks on a shared machine).
int64_t RealThreadCpuNs();

// A CheckBudget::out_of_time that turns true once `seconds` have passed from now (never when
// seconds <= 0).
std::function<bool()> RealDeadline(double seconds);

}  // namespace redsim::checkers
