// SetObject: the value of a Redis set, in one of the two encodings Redis 7.0 has.
//
// * "intset": every member is a canonical 64-bit integer (as Redis's string2ll accepts: no
//   leading zeros, no '+', no spaces) and there are at most set-max-intset-entries of them. Kept
//   as a sorted array, so SMEMBERS lists them in ascending order as Redis does.
// * "hashtable": anything else. Members are nodes of a ChainedTable (one allocation per member:
//   chain pointer, varint length, bytes).
//
// Conversion goes one way, intset to hashtable, when a non-integer member arrives or the count
// passes the limit (Redis 7.0 has no listpack sets; they came in 7.2). A set is never empty while
// stored in the keyspace: callers delete the key when the last member goes.
//
// Enumerating members (for SORT and other families): ForEachMember(fn) calls fn(string_view)
// for every member; the view is valid only during the call.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "engine/base/random.h"
#include "engine/base/strutil.h"
#include "engine/db/value.h"
#include "engine/types/set_table.h"

namespace redsim {

// Bytes an allocation of `n` bytes occupies in the allocator: jemalloc's size classes (16-byte
// steps up to 128, then four classes per doubling), which redsim-server links. Used for honest
// MEMORY USAGE figures.
inline size_t AllocatedSize(size_t n) {
  if (n <= 8) return 8;
  if (n <= 128) return (n + 15) & ~static_cast<size_t>(15);
  size_t lg = 63 - static_cast<size_t>(__builtin_clzll(n - 1));  // 2^lg < n <= 2^(lg+1)
  size_t spacing = static_cast<size_t>(1) << (lg - 2);
  return (n + spacing - 1) & ~(spacing - 1);
}

// Varint length prefix used by set and zset nodes (7 bits per byte).
inline size_t VarintSize(uint32_t v) {
  size_t n = 1;
  while (v >= 0x80) {
    v >>= 7;
    n++;
  }
  return n;
}
inline size_t PutVarint(char* p, uint32_t v) {
  size_t n = 0;
  while (v >= 0x80) {
    p[n++] = static_cast<char>((v & 0x7f) | 0x80);
    v >>= 7;
  }
  p[n++] = static_cast<char>(v);
  return n;
}
inline std::string_view GetVarintBytes(const char* p) {
  uint32_t v = 0;
  int shift = 0;
  size_t i = 0;
  while (true) {
    auto b = static_cast<unsigned char>(p[i++]);
    v |= static_cast<uint32_t>(b & 0x7f) << shift;
    if (b < 0x80) break;
    shift += 7;
  }
  return std::string_view(p + i, v);
}

// A member of a hashtable-encoded set.
struct SetNode {
  SetNode* next;
  char data[1];  // varint length, then the bytes

  std::string_view member() const { return GetVarintBytes(data); }
  static SetNode* Create(std::string_view member);
  static void Destroy(SetNode* n) { free(n); }
  static size_t AllocBytes(size_t member_len) {
    return AllocatedSize(offsetof(SetNode, data) + VarintSize(static_cast<uint32_t>(member_len)) +
                         member_len);
  }
};

struct SetNodeTraits {
  using Node = SetNode;
  static Node*& Next(Node* n) { return n->next; }
  static std::string_view Key(const Node* n) { return n->member(); }
};

class SetObject : public Object {
 public:
  // An empty set in the encoding Redis picks for a set whose first member is `member`.
  static std::unique_ptr<SetObject> CreateFor(std::string_view member, uint64_t seed);
  static std::unique_ptr<SetObject> CreateIntset(uint64_t seed);
  static std::unique_ptr<SetObject> CreateHashtable(uint64_t seed);
  ~SetObject() override;

  ObjType type() const override { return ObjType::kSet; }
  Encoding encoding() const override {
    return is_intset() ? Encoding::kIntset : Encoding::kHashtable;
  }
  std::unique_ptr<Object> Clone() const override;
  size_t Length() const override { return is_intset() ? ints_.size() : table_.size(); }
  size_t MemoryUsage() const override;
  bool FreeSomeElements(size_t budget) override;

  bool is_intset() const { return intset_; }

  // Adds `member`; returns false when it was already there. Converts to hashtable when the
  // member is not an integer or the intset would exceed `max_intset_entries`.
  bool Add(std::string_view member, int64_t max_intset_entries);
  bool Remove(std::string_view member);
  bool Contains(std::string_view member) const;
  // A uniformly chosen member (the set must not be empty).
  std::string RandomMember(Random& rng) const;
  // Removes and returns a random member (the set must not be empty).
  std::string PopRandom(Random& rng);
  void ConvertToHashtable();

  // Calls fn(std::string_view) for every member: ascending for intsets, table order otherwise.
  // The set must not be modified during the walk.
  template <typename Fn>
  void ForEachMember(Fn&& fn) const {
    if (intset_) {
      char buf[24];
      for (int64_t v : ints_) fn(std::string_view(buf, FormatInt64(buf, v)));
    } else {
      table_.ForEach([&](SetNode* n) { fn(n->member()); });
    }
  }
  // All members as strings.
  std::vector<std::string> Members() const;
  // One SSCAN step: calls fn(member) for the members at `cursor`; returns the next cursor.
  // Intsets return everything at once with cursor 0, as Redis does for compact encodings.
  template <typename Fn>
  uint64_t Scan(uint64_t cursor, Fn&& fn) const {
    if (intset_) {
      ForEachMember(fn);
      return 0;
    }
    return table_.Scan(cursor, [&](SetNode* n) { fn(n->member()); });
  }

 private:
  explicit SetObject(bool intset, uint64_t seed) : intset_(intset), table_(seed) {}
  static bool AsInt(std::string_view s, int64_t* v) { return s.size() <= 20 && ParseInt64(s, v); }

  bool intset_;
  std::vector<int64_t> ints_;  // sorted, when intset_
  ChainedTable<SetNodeTraits> table_;
  size_t node_bytes_ = 0;  // allocated bytes of the table's nodes
};

}  // namespace redsim
