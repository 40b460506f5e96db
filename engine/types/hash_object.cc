#include "engine/types/hash_object.h"

#include <malloc.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <new>

#include "engine/base/check.h"
#include "engine/base/hash.h"
#include "engine/types/listpack.h"

namespace redsim {
namespace {

constexpr size_t kNotFound = static_cast<size_t>(-1);
// A packed hash never grows past what its 32-bit byte count can say; it becomes a table first.
constexpr size_t kMaxPackedBytes = UINT32_MAX;

// ---- PackedHash -----------------------------------------------------------------------------

// Header and entries share one allocation: the entries start right after the object. The
// capacity is whatever the allocator actually gave (malloc_usable_size), so rounding slack is
// used rather than wasted.
class PackedHash final : public HashObject {
 public:
  static std::unique_ptr<PackedHash> Create(size_t capacity) {
    void* mem = malloc(sizeof(PackedHash) + std::max<size_t>(capacity, 1));
    if (mem == nullptr) abort();
    return std::unique_ptr<PackedHash>(new (mem) PackedHash());
  }
  static void* operator new(size_t, void* where) { return where; }
  static void operator delete(void* p) { free(p); }

  Encoding encoding() const override { return Encoding::kListpack; }
  size_t Length() const override { return count_; }
  size_t MemoryUsage() const override { return malloc_usable_size(const_cast<PackedHash*>(this)); }
  std::unique_ptr<Object> Clone() const override { return Resized(bytes_); }

  std::optional<std::string_view> Find(std::string_view field) const override {
    size_t off = Locate(field);
    if (off == kNotFound) return std::nullopt;
    size_t size;
    packed::ReadEntry(data() + off, false, &size);
    return packed::ReadEntry(data() + off + size, false, &size);
  }

  void ForEach(const Visitor& visit) const override {
    const uint8_t* p = data();
    for (uint32_t i = 0; i < count_; i++) {
      size_t fsize, vsize;
      std::string_view field = packed::ReadEntry(p, false, &fsize);
      std::string_view value = packed::ReadEntry(p + fsize, false, &vsize);
      visit(field, value);
      p += fsize + vsize;
    }
  }

  uint64_t Scan(uint64_t, size_t, const Visitor& visit) const override {
    ForEach(visit);  // a packed hash is small: one call returns all of it, as in Redis
    return 0;
  }

  void RandomField(Random& rng, const Visitor& visit) const override {
    uint64_t pick = rng.Uniform(count_);
    const uint8_t* p = data();
    for (uint64_t i = 0; i < pick; i++) p = SkipPair(p);
    size_t fsize, vsize;
    std::string_view field = packed::ReadEntry(p, false, &fsize);
    visit(field, packed::ReadEntry(p + fsize, false, &vsize));
  }

  size_t bytes() const { return bytes_; }
  size_t capacity() const {
    return malloc_usable_size(const_cast<PackedHash*>(this)) - sizeof(PackedHash);
  }
  uint8_t* data() { return reinterpret_cast<uint8_t*>(this + 1); }
  const uint8_t* data() const { return reinterpret_cast<const uint8_t*>(this + 1); }

  // Offset of the entry holding `field`, or kNotFound.
  size_t Locate(std::string_view field) const {
    const uint8_t* p = data();
    for (uint32_t i = 0; i < count_; i++) {
      size_t fsize;
      std::string_view f = packed::ReadEntry(p, false, &fsize);
      if (f == field) return static_cast<size_t>(p - data());
      p = SkipPair(p);
    }
    return kNotFound;
  }

  std::unique_ptr<PackedHash> Resized(size_t capacity) const {
    auto copy = Create(std::max(capacity, static_cast<size_t>(bytes_)));
    memcpy(copy->data(), data(), bytes_);
    copy->bytes_ = bytes_;
    copy->count_ = count_;
    return copy;
  }

  // Replaces the value whose entry starts at `value_offset` (room was checked by the caller).
  void ReplaceValue(size_t value_offset, size_t old_size, std::string_view value) {
    size_t new_size = packed::EntrySize(value.size(), false);
    uint8_t* d = data();
    memmove(d + value_offset + new_size, d + value_offset + old_size,
            bytes_ - value_offset - old_size);
    packed::WriteEntry(d + value_offset, value, false);
    bytes_ = static_cast<uint32_t>(bytes_ - old_size + new_size);
  }

  void Append(std::string_view field, std::string_view value) {
    uint8_t* end = data() + bytes_;
    size_t n = packed::WriteEntry(end, field, false);
    n += packed::WriteEntry(end + n, value, false);
    bytes_ = static_cast<uint32_t>(bytes_ + n);
    count_++;
  }

  void ErasePair(size_t offset) {
    size_t size = static_cast<size_t>(SkipPair(data() + offset) - (data() + offset));
    memmove(data() + offset, data() + offset + size, bytes_ - offset - size);
    bytes_ = static_cast<uint32_t>(bytes_ - size);
    count_--;
  }

 private:
  PackedHash() = default;
  static const uint8_t* SkipPair(const uint8_t* p) {
    size_t fsize, vsize;
    packed::ReadEntry(p, false, &fsize);
    packed::ReadEntry(p + fsize, false, &vsize);
    return p + fsize + vsize;
  }

  uint32_t bytes_ = 0;
  uint32_t count_ = 0;
};

static_assert(sizeof(PackedHash) == 16, "packed hash header must stay one vptr and two words");

// ---- TableHash ------------------------------------------------------------------------------

// A table node: the chain link, then the field entry and the value entry, in one allocation.
struct HashNode {
  HashNode* next;

  uint8_t* payload() { return reinterpret_cast<uint8_t*>(this + 1); }
  const uint8_t* payload() const { return reinterpret_cast<const uint8_t*>(this + 1); }
  std::string_view field(size_t* field_size) const {
    return packed::ReadEntry(payload(), false, field_size);
  }
  std::string_view field() const {
    size_t size;
    return field(&size);
  }
  std::string_view value() const {
    size_t fsize, vsize;
    packed::ReadEntry(payload(), false, &fsize);
    return packed::ReadEntry(payload() + fsize, false, &vsize);
  }

  static HashNode* Create(std::string_view field, std::string_view value) {
    size_t size = sizeof(HashNode) + packed::EntrySize(field.size(), false) +
                  packed::EntrySize(value.size(), false);
    auto* n = static_cast<HashNode*>(malloc(size));
    if (n == nullptr) abort();
    n->next = nullptr;
    size_t off = packed::WriteEntry(n->payload(), field, false);
    packed::WriteEntry(n->payload() + off, value, false);
    return n;
  }
  size_t AllocatedBytes() const { return malloc_usable_size(const_cast<HashNode*>(this)); }
};

size_t NextPowerOfTwo(size_t n) {
  size_t s = 4;
  while (s < n) s <<= 1;
  return s;
}

uint64_t ReverseBits(uint64_t v) {
  v = ((v >> 1) & 0x5555555555555555ULL) | ((v & 0x5555555555555555ULL) << 1);
  v = ((v >> 2) & 0x3333333333333333ULL) | ((v & 0x3333333333333333ULL) << 2);
  v = ((v >> 4) & 0x0F0F0F0F0F0F0F0FULL) | ((v & 0x0F0F0F0F0F0F0F0FULL) << 4);
  v = ((v >> 8) & 0x00FF00FF00FF00FFULL) | ((v & 0x00FF00FF00FF00FFULL) << 8);
  v = ((v >> 16) & 0x0000FFFF0000FFFFULL) | ((v & 0x0000FFFF0000FFFFULL) << 16);
  return (v >> 32) | (v << 32);
}

// The next cursor after visiting the buckets masked by `mask`: increment the reversed bits, so
// buckets already visited stay behind the cursor when the table is resized between calls.
uint64_t AdvanceCursor(uint64_t cursor, uint64_t mask) {
  cursor |= ~mask;
  cursor = ReverseBits(cursor);
  cursor++;
  return ReverseBits(cursor);
}

class TableHash final : public HashObject {
 public:
  explicit TableHash(uint64_t seed) : seed_(seed) {}
  ~TableHash() override {
    for (int t = 0; t < 2; t++) {
      for (size_t i = 0; i < size_[t]; i++) {
        for (HashNode* n = table_[t][i]; n != nullptr;) {
          HashNode* next = n->next;
          free(n);
          n = next;
        }
      }
      free(table_[t]);
    }
  }
  TableHash(const TableHash&) = delete;
  TableHash& operator=(const TableHash&) = delete;

  Encoding encoding() const override { return Encoding::kHashtable; }
  size_t Length() const override { return used_[0] + used_[1]; }
  size_t MemoryUsage() const override {
    return sizeof(*this) + (size_[0] + size_[1]) * sizeof(HashNode*) + node_bytes_;
  }

  std::unique_ptr<Object> Clone() const override {
    auto copy = std::make_unique<TableHash>(seed_);
    copy->Expand(Length());
    ForEach([&](std::string_view f, std::string_view v) { copy->Set(f, v); });
    return copy;
  }

  std::optional<std::string_view> Find(std::string_view field) const override {
    HashNode* const* link = const_cast<TableHash*>(this)->FindLink(field);
    if (link == nullptr) return std::nullopt;
    return (*link)->value();
  }

  void ForEach(const Visitor& visit) const override {
    for (int t = 0; t < 2; t++) {
      for (size_t i = 0; i < size_[t]; i++) {
        for (const HashNode* n = table_[t][i]; n != nullptr; n = n->next) {
          visit(n->field(), n->value());
        }
      }
    }
  }

  uint64_t Scan(uint64_t cursor, size_t count, const Visitor& visit) const override;
  void RandomField(Random& rng, const Visitor& visit) const override;

  // Sets a field; true when it is new.
  bool Set(std::string_view field, std::string_view value);
  bool Delete(std::string_view field);
  void Expand(size_t min_size);

 private:
  uint64_t Hash(std::string_view s) const { return HashBytes(s, seed_); }
  bool rehashing() const { return rehash_index_ >= 0; }
  // The link (bucket slot or a node's next field) that points at `field`'s node, or nullptr;
  // *table_index (when given) gets the table holding it.
  HashNode** FindLink(std::string_view field, int* table_index = nullptr);
  void RehashStep();
  void MaybeShrink();
  void VisitBucket(int t, size_t index, const Visitor& visit) const {
    for (const HashNode* n = table_[t][index]; n != nullptr; n = n->next) {
      visit(n->field(), n->value());
    }
  }

  HashNode** table_[2] = {nullptr, nullptr};
  size_t size_[2] = {0, 0};
  size_t used_[2] = {0, 0};
  int64_t rehash_index_ = -1;
  uint64_t seed_;
  size_t node_bytes_ = 0;
};

HashNode** TableHash::FindLink(std::string_view field, int* table_index) {
  if (Length() == 0) return nullptr;
  uint64_t h = Hash(field);
  for (int t = 0; t < 2; t++) {
    if (table_[t] == nullptr) continue;
    HashNode** link = &table_[t][h & (size_[t] - 1)];
    for (; *link != nullptr; link = &(*link)->next) {
      if ((*link)->field() != field) continue;
      if (table_index != nullptr) *table_index = t;
      return link;
    }
    if (!rehashing()) break;
  }
  return nullptr;
}

void TableHash::Expand(size_t min_size) {
  if (rehashing()) return;
  size_t new_size = NextPowerOfTwo(min_size);
  if (new_size == size_[0]) return;
  auto** t = static_cast<HashNode**>(calloc(new_size, sizeof(HashNode*)));
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

void TableHash::RehashStep() {
  if (!rehashing()) return;
  // At most ten empty buckets per step, so a sparse table cannot make one write slow.
  for (int empty_visits = 0;
       static_cast<size_t>(rehash_index_) < size_[0] && table_[0][rehash_index_] == nullptr;) {
    rehash_index_++;
    if (++empty_visits == 10) return;
  }
  if (static_cast<size_t>(rehash_index_) < size_[0]) {
    size_t mask = size_[1] - 1;
    for (HashNode* n = table_[0][rehash_index_]; n != nullptr;) {
      HashNode* next = n->next;
      size_t index = Hash(n->field()) & mask;
      n->next = table_[1][index];
      table_[1][index] = n;
      used_[0]--;
      used_[1]++;
      n = next;
    }
    table_[0][rehash_index_] = nullptr;
    rehash_index_++;
  }
  if (static_cast<size_t>(rehash_index_) >= size_[0]) {
    free(table_[0]);
    table_[0] = table_[1];
    size_[0] = size_[1];
    used_[0] = used_[1];
    table_[1] = nullptr;
    size_[1] = 0;
    used_[1] = 0;
    rehash_index_ = -1;
  }
}

void TableHash::MaybeShrink() {
  // Under 10% full: shrink to fit, as Redis does.
  if (rehashing() || size_[0] <= 4 || used_[0] * 10 >= size_[0]) return;
  size_t target = NextPowerOfTwo(used_[0]);
  if (target >= size_[0]) return;
  table_[1] = static_cast<HashNode**>(calloc(target, sizeof(HashNode*)));
  if (table_[1] == nullptr) abort();
  size_[1] = target;
  used_[1] = 0;
  rehash_index_ = 0;
}

bool TableHash::Set(std::string_view field, std::string_view value) {
  RehashStep();
  HashNode** link = FindLink(field);
  if (link != nullptr) {
    HashNode* n = *link;
    size_t fsize;
    n->field(&fsize);
    size_t needed = sizeof(HashNode) + fsize + packed::EntrySize(value.size(), false);
    size_t had = n->AllocatedBytes();
    if (needed <= had) {
      packed::WriteEntry(n->payload() + fsize, value, false);
      return false;
    }
    HashNode* replacement = HashNode::Create(n->field(), value);
    replacement->next = n->next;
    *link = replacement;
    node_bytes_ += replacement->AllocatedBytes() - had;
    free(n);
    return false;
  }
  if (table_[0] == nullptr)
    Expand(4);
  else if (!rehashing() && used_[0] >= size_[0])
    Expand(used_[0] * 2);
  int t = rehashing() ? 1 : 0;
  HashNode* n = HashNode::Create(field, value);
  size_t index = Hash(field) & (size_[t] - 1);
  n->next = table_[t][index];
  table_[t][index] = n;
  used_[t]++;
  node_bytes_ += n->AllocatedBytes();
  return true;
}

bool TableHash::Delete(std::string_view field) {
  RehashStep();
  int t = 0;
  HashNode** link = FindLink(field, &t);
  if (link == nullptr) return false;
  HashNode* n = *link;
  *link = n->next;
  used_[t]--;
  node_bytes_ -= n->AllocatedBytes();
  free(n);
  MaybeShrink();
  return true;
}

uint64_t TableHash::Scan(uint64_t cursor, size_t count, const Visitor& visit) const {
  if (Length() == 0) return 0;
  size_t visited = 0;
  Visitor counting = [&](std::string_view f, std::string_view v) {
    visited++;
    visit(f, v);
  };
  // As Redis: keep going until `count` elements were seen, giving up after 10 * count buckets.
  size_t max_steps = count * 10;
  do {
    if (!rehashing()) {
      uint64_t mask = size_[0] - 1;
      VisitBucket(0, cursor & mask, counting);
      cursor = AdvanceCursor(cursor, mask);
    } else {
      int small = size_[0] <= size_[1] ? 0 : 1;
      int large = 1 - small;
      uint64_t small_mask = size_[small] - 1;
      uint64_t large_mask = size_[large] - 1;
      VisitBucket(small, cursor & small_mask, counting);
      // Every bucket of the larger table that the smaller table's bucket expands to.
      do {
        VisitBucket(large, cursor & large_mask, counting);
        cursor = AdvanceCursor(cursor, large_mask);
      } while (cursor & (small_mask ^ large_mask));
    }
  } while (cursor != 0 && max_steps-- > 0 && visited < count);
  return cursor;
}

void TableHash::RandomField(Random& rng, const Visitor& visit) const {
  REDSIM_CHECK(Length() > 0, "callers check the collection is not empty");
  const HashNode* head = nullptr;
  // A random non-empty bucket, then a random node of its chain (O(1) expected).
  while (head == nullptr) {
    if (rehashing()) {
      uint64_t r = rng.Uniform(size_[0] + size_[1]);
      if (r < size_[0])
        head = static_cast<int64_t>(r) < rehash_index_ ? nullptr : table_[0][r];
      else
        head = table_[1][r - size_[0]];
    } else {
      head = table_[0][rng.Uniform(size_[0])];
    }
  }
  size_t chain = 0;
  for (const HashNode* n = head; n != nullptr; n = n->next) chain++;
  const HashNode* n = head;
  for (uint64_t skip = rng.Uniform(chain); skip > 0; skip--) n = n->next;
  visit(n->field(), n->value());
}

// ---- Conversions ----------------------------------------------------------------------------

TableHash* ConvertToTable(Value& v, Random& rng) {
  auto* packed_hash = v.As<PackedHash>();
  auto table = std::make_unique<TableHash>(rng.Next());
  table->Expand(packed_hash->Length());
  packed_hash->ForEach([&](std::string_view f, std::string_view val) { table->Set(f, val); });
  TableHash* raw = table.get();
  v = Value::FromObject(std::move(table));
  return raw;
}

PackedHash* GrowPacked(Value& v, size_t capacity) {
  auto bigger = v.As<PackedHash>()->Resized(capacity);
  PackedHash* raw = bigger.get();
  v = Value::FromObject(std::move(bigger));
  return raw;
}

// Sets a field of a packed hash (no limit checks); true when new.
bool PackedSet(Value& v, std::string_view field, std::string_view value) {
  auto* p = v.As<PackedHash>();
  size_t off = p->Locate(field);
  size_t new_value_size = packed::EntrySize(value.size(), false);
  if (off != kNotFound) {
    size_t fsize, old_value_size;
    packed::ReadEntry(p->data() + off, false, &fsize);
    packed::ReadEntry(p->data() + off + fsize, false, &old_value_size);
    size_t needed = p->bytes() - old_value_size + new_value_size;
    if (needed > p->capacity()) p = GrowPacked(v, needed);
    p->ReplaceValue(off + fsize, old_value_size, value);
    return false;
  }
  size_t needed = p->bytes() + packed::EntrySize(field.size(), false) + new_value_size;
  // Growth by a quarter amortises one-field-at-a-time building (HSET in a loop).
  if (needed > p->capacity()) p = GrowPacked(v, needed + needed / 4);
  p->Append(field, value);
  return true;
}

}  // namespace

namespace hash {

size_t PackedPairBytes(std::string_view field, std::string_view value) {
  return packed::EntrySize(field.size(), false) + packed::EntrySize(value.size(), false);
}

std::unique_ptr<HashObject> Create(size_t expected_bytes) {
  return PackedHash::Create(std::min(expected_bytes, kMaxPackedBytes));
}

bool Set(Value& v, std::string_view field, std::string_view value, const Limits& limits,
         Random& rng) {
  auto* h = v.As<HashObject>();
  if (h->packed()) {
    auto max_value = static_cast<uint64_t>(std::max<int64_t>(limits.max_listpack_value, 0));
    size_t after = v.As<PackedHash>()->bytes() + PackedPairBytes(field, value);
    if (field.size() > max_value || value.size() > max_value || after > kMaxPackedBytes) {
      return ConvertToTable(v, rng)->Set(field, value);
    }
    bool created = PackedSet(v, field, value);
    if (created &&
        static_cast<int64_t>(v.As<HashObject>()->Length()) > limits.max_listpack_entries) {
      ConvertToTable(v, rng);
    }
    return created;
  }
  return v.As<TableHash>()->Set(field, value);
}

bool Delete(Value& v, std::string_view field) {
  auto* h = v.As<HashObject>();
  if (!h->packed()) return v.As<TableHash>()->Delete(field);
  auto* p = v.As<PackedHash>();
  size_t off = p->Locate(field);
  if (off == kNotFound) return false;
  p->ErasePair(off);
  // Give memory back when the hash shrank to well under its allocation.
  if (p->capacity() > 2 * p->bytes() + 64) GrowPacked(v, p->bytes());
  return true;
}

void Reserve(Value& v, size_t extra_bytes) {
  auto* h = v.As<HashObject>();
  if (!h->packed()) return;
  auto* p = v.As<PackedHash>();
  size_t needed = p->bytes() + extra_bytes;
  if (needed <= p->capacity() || needed > kMaxPackedBytes) return;
  GrowPacked(v, needed);
}

}  // namespace hash
}  // namespace redsim
