// KeyTable: the hash table that maps key names to entries in one database.
//
// Entries are intrusive (each holds its chain pointer, key bytes and value in one allocation) and
// never move once created, so other indexes may point at them. Two tables with incremental
// rehashing keep every operation O(1) without a resize stall; SCAN uses Redis's reverse-binary
// cursor so that a key present for a whole scan is returned at least once, even across resizes.
#pragma once

#include <cstdint>
#include <cstring>
#include <functional>
#include <string_view>

#include "engine/db/value.h"

namespace redsim {

struct DbEntry {
  DbEntry* next = nullptr;
  int64_t expire_ms = 0;  // absolute Unix ms; 0 = no expiry
  Value value;
  uint32_t key_len : 31;       // keys are at most proto-max-bulk-len (< 2 GB)
  uint32_t snapshot_mark : 1;  // see Database: equal to the snapshot's mark = already saved
  uint32_t access = 0;         // LRU clock (24 bits) or LFU data, as Redis keeps it
  uint32_t volatile_pos = 0;   // index in the database's volatile list, valid when expire_ms
  char key_data[4];            // key bytes follow (allocation is sized for the key)

  std::string_view key() const { return std::string_view(key_data, key_len); }
  bool has_expire() const { return expire_ms != 0; }

  static DbEntry* Create(std::string_view key, Value value);
  static void Destroy(DbEntry* e);
};

class KeyTable {
 public:
  explicit KeyTable(uint64_t seed = 0) : seed_(seed) {}
  ~KeyTable();
  KeyTable(const KeyTable&) = delete;
  KeyTable& operator=(const KeyTable&) = delete;

  size_t size() const { return used_[0] + used_[1]; }
  void set_seed(uint64_t seed) { seed_ = seed; }

  DbEntry* Find(std::string_view key);
  // Inserts an entry whose key is not present (caller checked). Takes ownership.
  void Insert(DbEntry* e);
  // Unlinks the entry with this key and returns it (caller destroys), or nullptr.
  DbEntry* Unlink(std::string_view key);
  // Destroys every entry. `on_entry`, if set, is called for each before destruction.
  void Clear();
  // Sizes an empty table for `n` entries at once (loading, with the file's RESIZEDB hint).
  void Reserve(size_t n);
  // Moves all entries out into `other` cheaply (SWAPDB-style): swaps internals.
  void Swap(KeyTable& other);

  // Scans from `cursor`; calls fn for each entry of one or more buckets; returns the next cursor
  // (0 when the scan is complete).
  uint64_t Scan(uint64_t cursor, const std::function<void(DbEntry*)>& fn);
  // A walk over the buckets in memory order (sequential reads of the bucket arrays, unlike
  // Scan's reverse-binary order, which costs a cache miss per bucket on a large table). Every
  // entry present for the whole walk is visited at least once, even across incremental
  // rehashing: table 0 is walked before table 1, and entries only move from table 0 to table 1
  // during a rehash. When a rehash completes mid-walk (table 1 becomes table 0), a walk that was
  // in table 1 continues at the same bucket; one that was still in table 0 starts over (as does
  // one across Clear or Swap). An entry
  // may therefore be visited twice: the caller must tolerate that (snapshots mark entries).
  struct WalkPosition {
    int table = 0;
    size_t bucket = 0;
    uint64_t rehashes_done = 0;
    uint64_t resets = 0;
    bool started = false;
  };
  // Walks from `pos` until at least `min_entries` entries were visited or the walk is complete
  // (returns true then). `fn` must not change the table.
  bool Walk(WalkPosition* pos, size_t min_entries, const std::function<void(DbEntry*)>& fn);
  // A random entry (nullptr when empty); `rnd` is a random 64-bit number per call.
  DbEntry* RandomEntry(uint64_t (*next_random)(void*), void* rng);
  // Calls fn for every entry (no modification allowed during the walk).
  void ForEach(const std::function<void(DbEntry*)>& fn) const;

  // Does up to `steps` buckets of rehash work; returns true while rehashing remains.
  bool RehashSteps(int steps);
  // Shrinks the table when it is mostly empty (called from the periodic cron).
  void MaybeShrink();
  size_t bucket_count() const { return size_[0] + size_[1]; }
  bool rehashing() const { return rehash_index_ >= 0; }

 private:
  uint64_t Hash(std::string_view key) const;
  void Expand(size_t min_size);
  void RehashStep();

  uint64_t seed_;
  DbEntry** table_[2] = {nullptr, nullptr};
  size_t size_[2] = {0, 0};  // buckets, power of two or 0
  size_t used_[2] = {0, 0};
  int64_t rehash_index_ = -1;   // next bucket of table 0 to move, -1 when not rehashing
  uint64_t rehashes_done_ = 0;  // completed rehashes (Walk notices table 1 becoming table 0)
  uint64_t resets_ = 0;         // Clear/Swap: the arrays a Walk was in are gone
};

}  // namespace redsim
