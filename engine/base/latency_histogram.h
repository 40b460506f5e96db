// LatencyHistogram: per-command latencies for INFO latencystats, in microseconds.
//
// Log-linear buckets: each power of two is split into kSubBuckets equal parts, so a recorded
// value is reported within 1/kSubBuckets (12.5%) of what was measured, with a fixed 2 KB of
// counters and O(1) recording. Percentiles report the upper edge of the bucket that holds them.
#pragma once

#include <cstdint>
#include <cstring>

namespace redsim {

class LatencyHistogram {
 public:
  static constexpr int kSubBucketBits = 3;
  static constexpr int kSubBuckets = 1 << kSubBucketBits;
  static constexpr int kBuckets = 64 * kSubBuckets / 2;

  void Record(uint64_t us) {
    counts_[Index(us)]++;
    total_++;
  }
  uint64_t total() const { return total_; }

  // The smallest bucket edge below which at least `percentile` % of the values fall.
  uint64_t Percentile(double percentile) const {
    if (total_ == 0) return 0;
    uint64_t want = static_cast<uint64_t>(percentile / 100.0 * static_cast<double>(total_) + 0.5);
    if (want == 0) want = 1;
    uint64_t seen = 0;
    for (int i = 0; i < kBuckets; i++) {
      seen += counts_[i];
      if (seen >= want) return UpperEdge(i);
    }
    return UpperEdge(kBuckets - 1);
  }

 private:
  // Values below kSubBuckets map one-to-one; above, the top kSubBucketBits+1 bits choose.
  static int Index(uint64_t v) {
    if (v < kSubBuckets) return static_cast<int>(v);
    int msb = 63 - __builtin_clzll(v);
    int shift = msb - kSubBucketBits;
    int index = (shift + 1) * kSubBuckets + static_cast<int>((v >> shift) & (kSubBuckets - 1));
    return index < kBuckets ? index : kBuckets - 1;
  }
  static uint64_t UpperEdge(int index) {
    if (index < kSubBuckets) return static_cast<uint64_t>(index);
    int shift = index / kSubBuckets - 1;
    uint64_t base = (static_cast<uint64_t>(kSubBuckets) | (index % kSubBuckets)) << shift;
    return base + (uint64_t{1} << shift) - 1;
  }

  uint64_t counts_[kBuckets] = {};
  uint64_t total_ = 0;
};

}  // namespace redsim
