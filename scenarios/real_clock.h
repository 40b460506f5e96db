// The wall clock the CLI uses to report how long a run took. Only reporting reads it; nothing in
// a simulated run depends on it (the determinism lint allows real-clock code in real_* files).
#pragma once

namespace redsim::scenarios {

// Seconds since an arbitrary origin, from the host's monotonic clock.
double RealSeconds();

}  // namespace redsim::scenarios
