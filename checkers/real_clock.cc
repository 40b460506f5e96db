#include "checkers/real_clock.h"

#include <time.h>

#include <chrono>

namespace redsim::checkers {

int64_t RealMonotonicNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

int64_t RealThreadCpuNs() {
  timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

std::function<bool()> RealDeadline(double seconds) {
  if (seconds <= 0) return nullptr;
  int64_t deadline = RealMonotonicNs() + static_cast<int64_t>(seconds * 1e9);
  return [deadline] { return RealMonotonicNs() >= deadline; };
}

}  // namespace redsim::checkers
