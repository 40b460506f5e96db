// ChainedTable: the hash index of the set and sorted-set encodings ("hashtable", and the member
// index of "skiplist"). Nodes are intrusive: each node holds its own chain pointer and key bytes,
// so the table itself costs one pointer per bucket and nothing per member.
//
// Invariants: bucket counts are powers of two; a resize is incremental (two tables, one bucket
// moved per operation, as Redis does) so no single command pays for rehashing a million
// members; SCAN uses the reverse-binary cursor, which returns every node present for the whole
// scan at least once, even across resizes. The table never frees nodes: its owner does (Clear
// hands every node to a callback, DrainSome does it in bounded steps for lazy freeing).
//
// Traits must provide: `using Node`, `static Node*& Next(Node*)`, and
// `static std::string_view Key(const Node*)`.
#pragma once

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string_view>
#include <utility>

#include "engine/base/hash.h"
#include "engine/base/random.h"

namespace redsim {

template <typename Traits>
class ChainedTable {
 public:
  using Node = typename Traits::Node;

  explicit ChainedTable(uint64_t seed = 0) : seed_(seed) {}
  ~ChainedTable() {
    free(tables_[0].buckets);
    free(tables_[1].buckets);
  }
  ChainedTable(const ChainedTable&) = delete;
  ChainedTable& operator=(const ChainedTable&) = delete;

  size_t size() const { return tables_[0].used + tables_[1].used; }
  uint64_t seed() const { return seed_; }
  uint64_t Hash(std::string_view key) const { return HashBytes(key, seed_); }
  // Bytes of bucket arrays (the nodes are accounted by the owner).
  size_t BucketBytes() const { return (tables_[0].size + tables_[1].size) * sizeof(Node*); }

  Node* Find(std::string_view key) { return Find(key, Hash(key)); }
  Node* Find(std::string_view key, uint64_t hash) {
    if (size() == 0) return nullptr;
    RehashStep();
    for (int t = 0; t < 2; t++) {
      const Table& tb = tables_[t];
      if (tb.size == 0) continue;
      for (Node* n = tb.buckets[hash & (tb.size - 1)]; n != nullptr; n = Traits::Next(n)) {
        if (Traits::Key(n) == key) return n;
      }
      if (!rehashing()) break;
    }
    return nullptr;
  }
  // Read-only lookup (no rehash step), for const callers.
  Node* FindConst(std::string_view key) const {
    uint64_t hash = Hash(key);
    for (int t = 0; t < 2; t++) {
      const Table& tb = tables_[t];
      if (tb.size == 0) continue;
      for (Node* n = tb.buckets[hash & (tb.size - 1)]; n != nullptr; n = Traits::Next(n)) {
        if (Traits::Key(n) == key) return n;
      }
    }
    return nullptr;
  }

  // Inserts a node whose key is absent (the caller checked).
  void Insert(Node* n) { Insert(n, Hash(Traits::Key(n))); }
  void Insert(Node* n, uint64_t hash) {
    RehashStep();
    if (!rehashing() && tables_[0].used >= tables_[0].size) {
      StartResize(tables_[0].size == 0 ? 4 : tables_[0].size * 2);
    }
    Table& tb = rehashing() ? tables_[1] : tables_[0];
    Node*& head = tb.buckets[hash & (tb.size - 1)];
    Traits::Next(n) = head;
    head = n;
    tb.used++;
  }

  // Unlinks the node with `key` and returns it (the caller frees it), or nullptr.
  Node* Remove(std::string_view key) {
    if (size() == 0) return nullptr;
    RehashStep();
    uint64_t hash = Hash(key);
    for (int t = 0; t < 2; t++) {
      Table& tb = tables_[t];
      if (tb.size == 0) continue;
      Node** link = &tb.buckets[hash & (tb.size - 1)];
      while (*link != nullptr) {
        if (Traits::Key(*link) == key) {
          Node* n = *link;
          *link = Traits::Next(n);
          Traits::Next(n) = nullptr;
          tb.used--;
          MaybeShrink();
          return n;
        }
        link = &Traits::Next(*link);
      }
      if (!rehashing()) break;
    }
    return nullptr;
  }

  // Calls fn(node) for every node of the buckets at `cursor`; returns the next cursor, 0 at the
  // end. fn must not modify the table.
  template <typename Fn>
  uint64_t Scan(uint64_t cursor, Fn&& fn) const {
    if (size() == 0) return 0;
    uint64_t v = cursor;
    if (!rehashing()) {
      const Table& t0 = tables_[0];
      uint64_t m0 = t0.size - 1;
      EmitBucket(t0, v & m0, fn);
      v |= ~m0;
      v = NextCursor(v);
      return v;
    }
    const Table* small = &tables_[0];
    const Table* large = &tables_[1];
    if (small->size > large->size) std::swap(small, large);
    uint64_t m0 = small->size - 1, m1 = large->size - 1;
    EmitBucket(*small, v & m0, fn);
    do {
      EmitBucket(*large, v & m1, fn);
      v |= ~m1;
      v = NextCursor(v);
    } while (v & (m0 ^ m1));
    return v;
  }

  // A random node (nullptr when empty). Picks a random non-empty bucket, then a random node of
  // its chain.
  Node* RandomNode(Random& rng) const {
    if (size() == 0) return nullptr;
    Node* head = nullptr;
    while (head == nullptr) {
      if (rehashing()) {
        // Buckets below rehash_index_ in table 0 are empty.
        uint64_t s0 = tables_[0].size, s1 = tables_[1].size;
        uint64_t i = static_cast<uint64_t>(rehash_index_) +
                     rng.Uniform(s0 + s1 - static_cast<uint64_t>(rehash_index_));
        head = i >= s0 ? tables_[1].buckets[i - s0] : tables_[0].buckets[i];
      } else {
        head = tables_[0].buckets[rng.Uniform(tables_[0].size)];
      }
    }
    size_t len = 0;
    for (Node* n = head; n != nullptr; n = Traits::Next(n)) len++;
    size_t pick = rng.Uniform(len);
    Node* n = head;
    while (pick-- > 0) n = Traits::Next(n);
    return n;
  }

  template <typename Fn>
  void ForEach(Fn&& fn) const {
    for (int t = 0; t < 2; t++) {
      const Table& tb = tables_[t];
      for (size_t i = 0; i < tb.size; i++) {
        for (Node* n = tb.buckets[i]; n != nullptr;) {
          Node* next = Traits::Next(n);
          fn(n);
          n = next;
        }
      }
    }
  }

  // Unlinks up to `budget` nodes, handing each to `fn` (which frees it). Returns true when the
  // table is empty. Used to free a huge value in bounded steps: buckets are emptied from the
  // end and the bucket array is shrunk as it goes (freeing a 100 MB array at once is itself a
  // stall). Afterwards the table only supports ForEach/Clear/DrainSome: it is being destroyed.
  template <typename Fn>
  bool DrainSome(size_t budget, Fn&& fn) {
    // Empty buckets cost too (an eighth of a node each), so a sparse table is also walked in
    // bounded steps.
    size_t empty_budget = budget * 8;
    constexpr size_t kShrinkEvery = 1 << 17;  // buckets (1 MB of array)
    for (int t = 0; t < 2 && budget > 0; t++) {
      Table& tb = tables_[t];
      while (tb.used > 0 && budget > 0) {
        Node*& head = tb.buckets[tb.size - 1];
        if (head == nullptr) {
          tb.size--;
          if (tb.size % kShrinkEvery == 0) ShrinkArray(&tb);
          if (--empty_budget == 0) return false;
          continue;
        }
        Node* n = head;
        head = Traits::Next(n);
        tb.used--;
        budget--;
        fn(n);
      }
    }
    return size() == 0;
  }

  // Unlinks every node, handing each to `fn`, and releases the buckets.
  template <typename Fn>
  void Clear(Fn&& fn) {
    // An emptied table (after DrainSome) is not walked again: its bucket array may be huge.
    if (size() > 0) ForEach(fn);
    for (auto& tb : tables_) {
      free(tb.buckets);
      tb = Table();
    }
    rehash_index_ = -1;
  }

 private:
  struct Table {
    Node** buckets = nullptr;
    size_t size = 0;
    size_t used = 0;
  };

  bool rehashing() const { return rehash_index_ >= 0; }

  static uint64_t Rev(uint64_t v) {
    v = ((v >> 1) & 0x5555555555555555ULL) | ((v & 0x5555555555555555ULL) << 1);
    v = ((v >> 2) & 0x3333333333333333ULL) | ((v & 0x3333333333333333ULL) << 2);
    v = ((v >> 4) & 0x0f0f0f0f0f0f0f0fULL) | ((v & 0x0f0f0f0f0f0f0f0fULL) << 4);
    return __builtin_bswap64(v);
  }
  static uint64_t NextCursor(uint64_t v) { return Rev(Rev(v) + 1); }

  template <typename Fn>
  static void EmitBucket(const Table& tb, uint64_t index, Fn& fn) {
    for (Node* n = tb.buckets[index]; n != nullptr; n = Traits::Next(n)) fn(n);
  }

  // Gives back the array beyond tb->size (DrainSome empties buckets from the end).
  static void ShrinkArray(Table* tb) {
    if (tb->size == 0) {
      free(tb->buckets);
      tb->buckets = nullptr;
      return;
    }
    void* p = realloc(tb->buckets, tb->size * sizeof(Node*));
    if (p != nullptr) tb->buckets = static_cast<Node**>(p);
  }

  static Node** AllocBuckets(size_t n) {
    auto* b = static_cast<Node**>(calloc(n, sizeof(Node*)));
    if (b == nullptr) abort();
    return b;
  }

  void StartResize(size_t new_size) {
    tables_[1].buckets = AllocBuckets(new_size);
    tables_[1].size = new_size;
    tables_[1].used = 0;
    rehash_index_ = 0;
    if (tables_[0].size == 0) FinishRehash();
  }

  void FinishRehash() {
    free(tables_[0].buckets);
    tables_[0] = tables_[1];
    tables_[1] = Table();
    rehash_index_ = -1;
  }

  // Moves one non-empty bucket (visiting at most 10 empty ones) from table 0 to table 1.
  void RehashStep() {
    if (!rehashing()) return;
    Table& from = tables_[0];
    Table& to = tables_[1];
    int empty_visits = 10;
    while (from.used > 0 && static_cast<size_t>(rehash_index_) < from.size) {
      Node* n = from.buckets[rehash_index_];
      if (n == nullptr) {
        rehash_index_++;
        if (--empty_visits == 0) return;
        continue;
      }
      while (n != nullptr) {
        Node* next = Traits::Next(n);
        Node*& head = to.buckets[Hash(Traits::Key(n)) & (to.size - 1)];
        Traits::Next(n) = head;
        head = n;
        from.used--;
        to.used++;
        n = next;
      }
      from.buckets[rehash_index_++] = nullptr;
      break;
    }
    if (from.used == 0) FinishRehash();
  }

  // Shrinks when less than 1/8 of the buckets would be used, as Redis resizes sets and zsets
  // after removals.
  void MaybeShrink() {
    if (rehashing() || tables_[0].size <= 4 || tables_[0].used * 8 >= tables_[0].size) return;
    size_t target = 4;
    while (target < tables_[0].used) target *= 2;
    StartResize(target);
  }

  uint64_t seed_;
  Table tables_[2];
  int64_t rehash_index_ = -1;
};

}  // namespace redsim
