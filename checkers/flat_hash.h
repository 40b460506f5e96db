// Small open-addressing hash tables for the checker's hot paths: a map from uint64 keys to
// uint32 values (memoised transitions), hashing helpers, and a per-thread pool that lets big
// tables be reused between searches. Linear probing, power-of-two capacity, load factor at
// most 1/2. Keys equal to kEmptyKey are not allowed (asserted).
#pragma once

#include <cassert>
#include <cstddef>
#include <cstdint>
#include <unordered_map>
#include <vector>

#include "checkers/datum.h"

namespace redsim::checkers {

inline uint64_t MixHash(uint64_t x) {
  x ^= x >> 33;
  x *= 0xff51afd7ed558ccdULL;
  x ^= x >> 33;
  x *= 0xc4ceb9fe1a85ec53ULL;
  x ^= x >> 33;
  return x;
}

// Reuses big vectors between searches of one thread: a check of many partitions, or many checks
// in one process (a seed sweep), would otherwise fault in fresh zeroed pages for every cache.
// Holds at most kMaxPooledBytes.
template <class T>
class VectorPool {
 public:
  static std::vector<T> Take(size_t min_capacity) {
    std::vector<std::vector<T>>& free = Free();
    if (min_capacity * sizeof(T) < kMinPooledBytes) {
      std::vector<T> v;
      v.reserve(min_capacity);
      return v;
    }
    for (size_t i = 0; i < free.size(); ++i) {
      if (free[i].capacity() >= min_capacity) {
        std::vector<T> v = std::move(free[i]);
        free[i] = std::move(free.back());
        free.pop_back();
        Bytes() -= v.capacity() * sizeof(T);
        return v;
      }
    }
    std::vector<T> v;
    v.reserve(min_capacity);
    return v;
  }
  static void Give(std::vector<T> v) {
    size_t bytes = v.capacity() * sizeof(T);
    // Small vectors are cheap to allocate; only big ones (whose pages the kernel would have to
    // zero again) are worth keeping, and only a few of them.
    if (bytes < kMinPooledBytes || Free().size() >= kMaxPooled ||
        Bytes() + bytes > kMaxPooledBytes) {
      return;
    }
    v.clear();
    Bytes() += bytes;
    Free().push_back(std::move(v));
  }

 private:
  static constexpr size_t kMaxPooledBytes = size_t{256} << 20;
  static constexpr size_t kMinPooledBytes = size_t{16} << 10;
  static constexpr size_t kMaxPooled = 32;
  static std::vector<std::vector<T>>& Free() {
    static thread_local std::vector<std::vector<T>> free;
    return free;
  }
  static size_t& Bytes() {
    static thread_local size_t bytes = 0;
    return bytes;
  }
};

class FlatMap64 {
 public:
  static constexpr uint64_t kEmptyKey = UINT64_MAX;

  explicit FlatMap64(size_t expected = 8) {
    size_t capacity = 16;
    while (capacity < expected * 2) capacity *= 2;
    slots_ = VectorPool<Slot>::Take(capacity);
    slots_.assign(capacity, Slot{});
  }
  ~FlatMap64() { VectorPool<Slot>::Give(std::move(slots_)); }
  FlatMap64(const FlatMap64&) = delete;
  FlatMap64& operator=(const FlatMap64&) = delete;
  FlatMap64(FlatMap64&& other) noexcept : slots_(std::move(other.slots_)), size_(other.size_) {}

  const uint32_t* Find(uint64_t key) const {
    size_t mask = slots_.size() - 1;
    for (size_t i = MixHash(key) & mask;; i = (i + 1) & mask) {
      const Slot& s = slots_[i];
      if (s.key == key) return &s.value;
      if (s.key == kEmptyKey) return nullptr;
    }
  }

  void Insert(uint64_t key, uint32_t value) {
    assert(key != kEmptyKey);
    if ((size_ + 1) * 2 > slots_.size()) Rehash(slots_.size() * 2);
    size_t mask = slots_.size() - 1;
    for (size_t i = MixHash(key) & mask;; i = (i + 1) & mask) {
      Slot& s = slots_[i];
      if (s.key == key) {
        s.value = value;
        return;
      }
      if (s.key == kEmptyKey) {
        s.key = key;
        s.value = value;
        ++size_;
        return;
      }
    }
  }

  size_t size() const { return size_; }
  size_t MemoryBytes() const { return slots_.size() * sizeof(Slot); }

 private:
  struct Slot {
    uint64_t key = kEmptyKey;
    uint32_t value = 0;
  };

  void Rehash(size_t capacity) {
    std::vector<Slot> old = std::move(slots_);
    slots_ = VectorPool<Slot>::Take(capacity);
    slots_.assign(capacity, Slot{});
    size_ = 0;
    for (const Slot& s : old) {
      if (s.key != kEmptyKey) Insert(s.key, s.value);
    }
    VectorPool<Slot>::Give(std::move(old));
  }

  std::vector<Slot> slots_;
  size_t size_ = 0;
};

struct DatumHash {
  size_t operator()(const Datum& d) const { return d.Hash(); }
};

// Interns Datums as dense ids from 0.
class DatumIds {
 public:
  int32_t Id(const Datum& d) {
    auto [it, inserted] = ids_.emplace(d, static_cast<int32_t>(values_.size()));
    if (inserted) values_.push_back(d);
    return it->second;
  }
  const Datum& Value(int32_t id) const { return values_[id]; }
  size_t size() const { return values_.size(); }

 private:
  std::unordered_map<Datum, int32_t, DatumHash> ids_;
  std::vector<Datum> values_;
};

}  // namespace redsim::checkers
