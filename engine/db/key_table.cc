#include "engine/db/key_table.h"

#include <cstdlib>

#include "engine/base/hash.h"

namespace redsim {

DbEntry* DbEntry::Create(std::string_view key, Value value) {
  size_t bytes = offsetof(DbEntry, key_data) + (key.size() < 4 ? 4 : key.size());
  void* mem = malloc(bytes);
  if (mem == nullptr) abort();
  DbEntry* e = new (mem) DbEntry();
  e->value = std::move(value);
  e->key_len = static_cast<uint32_t>(key.size()) & 0x7fffffffu;
  e->snapshot_mark = 0;
  memcpy(e->key_data, key.data(), key.size());
  return e;
}

void DbEntry::Destroy(DbEntry* e) {
  e->~DbEntry();
  free(e);
}

KeyTable::~KeyTable() { Clear(); }

uint64_t KeyTable::Hash(std::string_view key) const { return HashBytes(key, seed_); }

static size_t NextPower(size_t n) {
  size_t s = 4;
  while (s < n) s <<= 1;
  return s;
}

void KeyTable::Expand(size_t min_size) {
  if (rehashing()) return;
  size_t new_size = NextPower(min_size);
  if (new_size == size_[0]) return;
  auto** t = static_cast<DbEntry**>(calloc(new_size, sizeof(DbEntry*)));
  if (t == nullptr) abort();
  if (table_[0] == nullptr) {
    table_[0] = t;
    size_[0] = new_size;
    return;
  }
  table_[1] = t;
  size_[1] = new_size;
  used_[1] = 0;
  rehash_index_ = 0;
}

void KeyTable::RehashStep() {
  if (!rehashing()) return;
  // Visit at most 10 empty buckets per step so a sparse table cannot stall a command.
  int empty_visits = 10;
  size_t mask1 = size_[1] - 1;
  while (static_cast<size_t>(rehash_index_) < size_[0] && table_[0][rehash_index_] == nullptr) {
    rehash_index_++;
    if (--empty_visits == 0) return;
  }
  if (static_cast<size_t>(rehash_index_) < size_[0]) {
    DbEntry* e = table_[0][rehash_index_];
    while (e != nullptr) {
      DbEntry* next = e->next;
      size_t idx = Hash(e->key()) & mask1;
      e->next = table_[1][idx];
      table_[1][idx] = e;
      used_[0]--;
      used_[1]++;
      e = next;
    }
    table_[0][rehash_index_] = nullptr;
    rehash_index_++;
  }
  if (static_cast<size_t>(rehash_index_) >= size_[0] || used_[0] == 0) {
    free(table_[0]);
    table_[0] = table_[1];
    size_[0] = size_[1];
    used_[0] = used_[1];
    table_[1] = nullptr;
    size_[1] = 0;
    used_[1] = 0;
    rehash_index_ = -1;
    rehashes_done_++;
  }
}

bool KeyTable::RehashSteps(int steps) {
  while (steps-- > 0 && rehashing()) RehashStep();
  return rehashing();
}

DbEntry* KeyTable::Find(std::string_view key) {
  if (size() == 0) return nullptr;
  if (rehashing()) RehashStep();
  uint64_t h = Hash(key);
  for (int t = 0; t < 2; t++) {
    if (table_[t] == nullptr) break;
    for (DbEntry* e = table_[t][h & (size_[t] - 1)]; e != nullptr; e = e->next) {
      if (e->key_len == key.size() && memcmp(e->key_data, key.data(), key.size()) == 0) return e;
    }
    if (!rehashing()) break;
  }
  return nullptr;
}

void KeyTable::Insert(DbEntry* e) {
  if (rehashing()) RehashStep();
  if (table_[0] == nullptr)
    Expand(4);
  else if (!rehashing() && used_[0] >= size_[0])
    Expand(used_[0] + 1);
  int t = rehashing() ? 1 : 0;
  size_t idx = Hash(e->key()) & (size_[t] - 1);
  e->next = table_[t][idx];
  table_[t][idx] = e;
  used_[t]++;
}

DbEntry* KeyTable::Unlink(std::string_view key) {
  if (size() == 0) return nullptr;
  if (rehashing()) RehashStep();
  uint64_t h = Hash(key);
  for (int t = 0; t < 2; t++) {
    if (table_[t] == nullptr) break;
    DbEntry** link = &table_[t][h & (size_[t] - 1)];
    while (*link != nullptr) {
      DbEntry* e = *link;
      if (e->key_len == key.size() && memcmp(e->key_data, key.data(), key.size()) == 0) {
        *link = e->next;
        e->next = nullptr;
        used_[t]--;
        return e;
      }
      link = &e->next;
    }
    if (!rehashing()) break;
  }
  return nullptr;
}

void KeyTable::Clear() {
  for (int t = 0; t < 2; t++) {
    for (size_t i = 0; i < size_[t]; i++) {
      DbEntry* e = table_[t][i];
      while (e != nullptr) {
        DbEntry* next = e->next;
        DbEntry::Destroy(e);
        e = next;
      }
    }
    free(table_[t]);
    table_[t] = nullptr;
    size_[t] = 0;
    used_[t] = 0;
  }
  rehash_index_ = -1;
  resets_++;
}

void KeyTable::Reserve(size_t n) {
  if (size() != 0 || rehashing() || NextPower(n) <= size_[0]) return;
  free(table_[0]);
  table_[0] = nullptr;
  size_[0] = 0;
  Expand(n);
  resets_++;
}

void KeyTable::Swap(KeyTable& other) {
  std::swap(seed_, other.seed_);
  std::swap(table_, other.table_);
  std::swap(size_, other.size_);
  std::swap(used_, other.used_);
  std::swap(rehash_index_, other.rehash_index_);
  resets_++;
  other.resets_++;
}

static uint64_t ReverseBits(uint64_t v) {
  v = ((v >> 1) & 0x5555555555555555ULL) | ((v & 0x5555555555555555ULL) << 1);
  v = ((v >> 2) & 0x3333333333333333ULL) | ((v & 0x3333333333333333ULL) << 2);
  v = ((v >> 4) & 0x0F0F0F0F0F0F0F0FULL) | ((v & 0x0F0F0F0F0F0F0F0FULL) << 4);
  v = ((v >> 8) & 0x00FF00FF00FF00FFULL) | ((v & 0x00FF00FF00FF00FFULL) << 8);
  v = ((v >> 16) & 0x0000FFFF0000FFFFULL) | ((v & 0x0000FFFF0000FFFFULL) << 16);
  return (v >> 32) | (v << 32);
}

// Cursor arithmetic: increment the reversed cursor so that, when the table grows or shrinks
// between calls, buckets already visited map to cursors already passed.
uint64_t KeyTable::Scan(uint64_t cursor, const std::function<void(DbEntry*)>& fn) {
  if (size() == 0) return 0;
  auto emit_bucket = [&](int t, size_t idx) {
    for (DbEntry* e = table_[t][idx]; e != nullptr;) {
      DbEntry* next = e->next;
      fn(e);
      e = next;
    }
  };
  uint64_t mask;
  if (!rehashing()) {
    mask = size_[0] - 1;
    emit_bucket(0, cursor & mask);
  } else {
    int small = size_[0] <= size_[1] ? 0 : 1;
    int large = 1 - small;
    uint64_t m0 = size_[small] - 1;
    uint64_t m1 = size_[large] - 1;
    emit_bucket(small, cursor & m0);
    // Every bucket of the larger table that expands the smaller table's bucket.
    do {
      emit_bucket(large, cursor & m1);
      cursor |= ~m1;
      cursor = ReverseBits(cursor);
      cursor++;
      cursor = ReverseBits(cursor);
    } while (cursor & (m0 ^ m1));
    return cursor;
  }
  cursor |= ~mask;
  cursor = ReverseBits(cursor);
  cursor++;
  cursor = ReverseBits(cursor);
  return cursor;
}

bool KeyTable::Walk(WalkPosition* pos, size_t min_entries,
                    const std::function<void(DbEntry*)>& fn) {
  if (!pos->started || pos->resets != resets_) {
    *pos = WalkPosition{0, 0, rehashes_done_, resets_, true};
  } else if (pos->rehashes_done != rehashes_done_) {
    // Table 1 became table 0: a walk in table 1 keeps its place (same array); one still in
    // table 0 (now freed), or one that missed several rehashes, starts again from the top.
    bool keep = pos->table == 1 && pos->rehashes_done + 1 == rehashes_done_;
    *pos = WalkPosition{0, keep ? pos->bucket : 0, rehashes_done_, resets_, true};
  }
  // How far ahead to prefetch the chain heads: the entries are scattered in memory, the bucket
  // array is read in order.
  constexpr size_t kPrefetch = 8;
  size_t visited = 0;
  while (pos->table < 2) {
    DbEntry** t = table_[pos->table];
    size_t n = size_[pos->table];
    while (pos->bucket < n) {
      if (visited >= min_entries) return false;
      if (pos->bucket + kPrefetch < n) __builtin_prefetch(t[pos->bucket + kPrefetch]);
      for (DbEntry* e = t[pos->bucket]; e != nullptr;) {
        DbEntry* next = e->next;
        fn(e);
        visited++;
        e = next;
      }
      pos->bucket++;
    }
    pos->table++;
    pos->bucket = 0;
  }
  return true;
}

DbEntry* KeyTable::RandomEntry(uint64_t (*next_random)(void*), void* rng) {
  if (size() == 0) return nullptr;
  if (rehashing()) RehashStep();
  DbEntry* head = nullptr;
  // Pick a random non-empty bucket, then a random element of its chain (as Redis does; not
  // perfectly uniform, but O(1) expected).
  for (int attempts = 0; head == nullptr; attempts++) {
    if (rehashing()) {
      uint64_t total = size_[0] + size_[1];
      uint64_t r = next_random(rng) % total;
      if (r < size_[0]) {
        if (static_cast<int64_t>(r) < rehash_index_) continue;  // moved already, empty
        head = table_[0][r];
      } else {
        head = table_[1][r - size_[0]];
      }
    } else {
      head = table_[0][next_random(rng) & (size_[0] - 1)];
    }
    if (attempts > 1000000) return nullptr;
  }
  size_t len = 0;
  for (DbEntry* e = head; e != nullptr; e = e->next) len++;
  size_t pick = next_random(rng) % len;
  DbEntry* e = head;
  while (pick-- > 0) e = e->next;
  return e;
}

void KeyTable::ForEach(const std::function<void(DbEntry*)>& fn) const {
  for (int t = 0; t < 2; t++) {
    for (size_t i = 0; i < size_[t]; i++) {
      for (DbEntry* e = table_[t][i]; e != nullptr;) {
        DbEntry* next = e->next;
        fn(e);
        e = next;
      }
    }
  }
}

void KeyTable::MaybeShrink() {
  if (rehashing() || size_[0] <= 4) return;
  // Shrink when under 10% full, as Redis does.
  if (used_[0] * 10 < size_[0]) {
    size_t target = NextPower(used_[0] < 4 ? 4 : used_[0]);
    if (target < size_[0]) {
      auto** t = static_cast<DbEntry**>(calloc(target, sizeof(DbEntry*)));
      if (t == nullptr) abort();
      table_[1] = t;
      size_[1] = target;
      used_[1] = 0;
      rehash_index_ = 0;
    }
  }
}

}  // namespace redsim
