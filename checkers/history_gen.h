// Generated histories, for property tests and benchmarks: a random sequential execution of a
// model, stretched into overlapping operation intervals. Every generated history is
// linearizable by construction (each operation's interval contains its point in the sequential
// order), including the `info` operations, which either took effect at their point or never
// did. Deterministic for a given seed.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "checkers/history.h"

namespace redsim::checkers {

// A tiny deterministic generator (splitmix64); no global or OS randomness.
class SplitMix {
 public:
  explicit SplitMix(uint64_t seed) : state_(seed) {}
  uint64_t Next() {
    uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  // Uniform in [0, n) (n > 0).
  uint64_t Below(uint64_t n) { return Next() % n; }
  bool Chance(double p) { return static_cast<double>(Next() >> 11) * 0x1.0p-53 < p; }

 private:
  uint64_t state_;
};

struct GenOptions {
  // register, cas-register, counter, set, list-append, queue, kv.
  std::string model = "cas-register";
  int operations = 100;
  int keys = 1;                // > 1: operations carry a "key" (one register/list/... per key)
  int values = 5;              // distinct values written (small values make the search harder)
  bool unique_values = false;  // every write/append/add carries a fresh value
  int max_spread = 3;          // intervals stretch up to this many sequential slots either side
  double info_fraction = 0;    // operations whose outcome the client did not learn
  double never_fraction = 0;   // of those, the share that did not take effect at all
  uint64_t seed = 1;
};

// The generated events (real-time order, time_ns set) and the sequential order: the operations
// that took effect, by their index in the paired OpHistory.
struct GeneratedHistory {
  History history;
  std::vector<int> sequential_order;
};

GeneratedHistory GenerateHistory(const GenOptions& options);

}  // namespace redsim::checkers
