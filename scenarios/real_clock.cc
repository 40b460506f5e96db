#include "scenarios/real_clock.h"

#include <chrono>

namespace redsim::scenarios {

double RealSeconds() {
  auto now = std::chrono::steady_clock::now().time_since_epoch();
  return std::chrono::duration<double>(now).count();
}

}  // namespace redsim::scenarios
