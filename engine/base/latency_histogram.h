// LatencyHistogram: per-command latencies for INFO latencystats, in microseconds.
//
// Log-linear buckets: each power of two is split into kSubBuckets equal parts, so a recorded
// value is reported within 1/kSubBuckets (12.5%) of what was measured, with a fixed 2 KB of
// counters and O(1) recording. Percentiles report the upper edge of the bucket that holds them.
#pragma once

#include <algorithm>
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

  // LATENCY HISTOGRAM's cumulative distribution, as Redis 7.0 reports it from its HdrHistogram
  // (values clamped to [1024 ns, 1 s], log-2 reporting levels from 1024 ns; level k's label is
  // the highest value it covers, (1032 * 2^k - 1) ns, in whole microseconds: 1, 2, 4, 8, 16, 33,
  // 66, 132, 264, ...). Calls f(label_us, cumulative_count) for each level where the count grew.
  // Our buckets are coarser than Redis's near level edges, so a value within 12.5% of an edge
  // may land one level off.
  template <typename F>
  void ForEachRedisLevel(F&& f) const {
    uint64_t cumulative = 0;
    int index = 0;
    for (int k = 0; k <= 20 && cumulative < total_; k++) {
      uint64_t edge_ns = (uint64_t{1032} << k) - 1;
      uint64_t before = cumulative;
      // A bucket belongs to the first level whose edge its upper edge (in ns, clamped) reaches.
      while (index < kBuckets) {
        uint64_t upper_ns = std::max<uint64_t>(UpperEdge(index) * 1000, 1024);
        if (upper_ns > edge_ns && k < 20) break;
        cumulative += counts_[index++];
      }
      if (cumulative > before) f(edge_ns / 1000, cumulative);
    }
  }

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
