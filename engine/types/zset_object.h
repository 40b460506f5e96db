// ZSetObject: the value of a Redis sorted set, in one of Redis 7.0's two encodings.
//
// * "listpack" (ZListpack): members in one contiguous buffer, ordered by (score, member), each
//   entry an 8-byte score, a varint length and the member bytes. Used while the set has at most
//   zset-max-listpack-entries members of at most zset-max-listpack-value bytes. Lookups are
//   linear, as in Redis, and cheap at that size. Scores stored here are canonical as Redis's
//   listpack text form makes them (-0 becomes 0).
// * "skiplist" (ZSkiplist): a skip list with rank spans, whose nodes are also chained in a
//   ChainedTable keyed by member, so ZSCORE is one hash lookup and rank/range queries are
//   O(log n). One allocation per member holds score, chain pointer, level links and the member
//   bytes (no backward pointers: reverse walks are done by rank). Node levels come from the
//   member's seeded hash (P = 1/4, at most 32), so no random generator is needed and the
//   structure is a deterministic function of the contents and the seed.
//
// Ordering: by score, then by member bytes (memcmp, shorter first on a common prefix). Ranks
// are 0-based. Range queries are answered as rank intervals [start, end): counting the members
// below a score or lex bound gives the ends, which is how every ZRANGE/ZCOUNT/ZREM* variant is
// built on the two primitives.
//
// Enumerating members (for SORT and other families): ForEachInRange(0, Length(), fn) calls
// fn(std::string_view member, double score) in ascending order.
#pragma once

#include <cstdint>
#include <cstring>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/db/value.h"
#include "engine/types/set_object.h"
#include "engine/types/set_table.h"

namespace redsim {

// A lex range end as ZRANGEBYLEX takes it: "-", "+", "[member" or "(member".
struct LexBound {
  enum Kind { kMinusInf, kPlusInf, kInclusive, kExclusive } kind = kMinusInf;
  std::string_view member;
  // Parses Redis's syntax; false for anything else.
  static bool Parse(std::string_view s, LexBound* out);
};

// ---- Skip list -------------------------------------------------------------------------------

struct ZNode {
  double score;
  ZNode* chain;  // next node in the member hash table's bucket
  uint32_t len;
  uint8_t level;

  ZNode** forward() { return reinterpret_cast<ZNode**>(this + 1); }
  ZNode* const* forward() const { return reinterpret_cast<ZNode* const*>(this + 1); }
  uint32_t* span() { return reinterpret_cast<uint32_t*>(forward() + level); }
  const uint32_t* span() const { return reinterpret_cast<const uint32_t*>(forward() + level); }
  const char* data() const { return reinterpret_cast<const char*>(span() + level); }
  std::string_view member() const { return std::string_view(data(), len); }

  static size_t BytesFor(int level, size_t len) {
    return sizeof(ZNode) + static_cast<size_t>(level) * (sizeof(ZNode*) + sizeof(uint32_t)) + len;
  }
  static ZNode* Create(int level, double score, std::string_view member);
  static void Destroy(ZNode* n) { free(n); }
};
static_assert(sizeof(ZNode) == 24, "ZNode header is 24 bytes");

struct ZNodeTraits {
  using Node = ZNode;
  static Node*& Next(Node* n) { return n->chain; }
  static std::string_view Key(const Node* n) { return n->member(); }
};

class ZSkiplist {
 public:
  static constexpr int kMaxLevel = 32;
  explicit ZSkiplist(uint64_t seed);
  ~ZSkiplist();
  ZSkiplist(const ZSkiplist&) = delete;
  ZSkiplist& operator=(const ZSkiplist&) = delete;

  size_t size() const { return length_; }
  size_t node_bytes() const { return node_bytes_; }
  uint64_t seed() const { return table_.seed(); }
  const ChainedTable<ZNodeTraits>& table() const { return table_; }

  const ZNode* Find(std::string_view member) const { return table_.FindConst(member); }
  // Inserts a member known to be absent.
  void Insert(std::string_view member, double score);
  // Changes the score of a present member; keeps its node when the order allows.
  void UpdateScore(const ZNode* node, double score);
  bool Erase(std::string_view member);
  // 0-based rank of a present node (the number of members ordered before it).
  size_t RankOf(const ZNode* node) const;
  // Node at 0-based rank (rank < size()).
  const ZNode* AtRank(size_t rank) const;
  // Members with score below `bound` (or equal to it, when `inclusive`).
  size_t CountBelowScore(double bound, bool inclusive) const;
  size_t CountBelowLex(const LexBound& bound, bool max_side) const;
  void EraseRange(size_t start, size_t end);
  // Frees up to `budget` nodes (destruction in steps); true when none are left.
  bool FreeSome(size_t budget);

  template <typename Fn>
  void ForRange(size_t start, size_t end, Fn&& fn) const {
    if (start >= end) return;
    const ZNode* x = AtRank(start);
    for (size_t i = start; i < end && x != nullptr; i++, x = x->forward()[0]) {
      fn(x->member(), x->score);
    }
  }

 private:
  // Fills update[] with the last node before (score, member) at each level, and rank[] with
  // their ranks (header = 0, first node = 1).
  void FindUpdate(double score, std::string_view member, ZNode** update, size_t* rank) const;
  void Link(ZNode* x, ZNode** update, const size_t* rank);
  void Unlink(ZNode* x, ZNode** update);
  int LevelFor(std::string_view member) const;

  ZNode* header_;
  int level_ = 1;
  size_t length_ = 0;
  size_t node_bytes_ = 0;
  ChainedTable<ZNodeTraits> table_;
  bool draining_ = false;
};

// ---- Listpack --------------------------------------------------------------------------------

class ZListpack {
 public:
  size_t size() const { return count_; }
  size_t bytes() const { return buf_.capacity(); }
  size_t max_member_len() const;

  struct Entry {
    double score;
    std::string_view member;
    size_t next;  // offset of the following entry
  };
  Entry At(size_t offset) const;

  // Offset of the entry for `member`, or npos; *rank gets its rank when found.
  size_t Find(std::string_view member, size_t* rank = nullptr) const;
  void Insert(std::string_view member, double score);
  bool Erase(std::string_view member);
  size_t OffsetOfRank(size_t rank) const;
  size_t CountBelowScore(double bound, bool inclusive) const;
  size_t CountBelowLex(const LexBound& bound, bool max_side) const;
  void EraseRange(size_t start, size_t end);

  template <typename Fn>
  void ForRange(size_t start, size_t end, Fn&& fn) const {
    if (start >= end) return;
    size_t off = OffsetOfRank(start);
    for (size_t i = start; i < end && off < buf_.size(); i++) {
      Entry e = At(off);
      fn(e.member, e.score);
      off = e.next;
    }
  }

 private:
  std::vector<char> buf_;
  size_t count_ = 0;
};

// ---- The sorted-set value --------------------------------------------------------------------

class ZSetObject : public Object {
 public:
  static std::unique_ptr<ZSetObject> Create(bool listpack, uint64_t seed);
  ~ZSetObject() override = default;

  ObjType type() const override { return ObjType::kZSet; }
  Encoding encoding() const override {
    return skiplist_ ? Encoding::kSkiplist : Encoding::kListpack;
  }
  std::unique_ptr<Object> Clone() const override;
  size_t Length() const override { return skiplist_ ? skiplist_->size() : listpack_.size(); }
  size_t MemoryUsage() const override;
  bool FreeSomeElements(size_t budget) override;

  bool is_listpack() const { return skiplist_ == nullptr; }
  uint64_t seed() const { return seed_; }

  std::optional<double> Score(std::string_view member) const;
  std::optional<size_t> Rank(std::string_view member) const;
  // Inserts a member known to be absent / changes a present member's score.
  void Insert(std::string_view member, double score);
  void UpdateScore(std::string_view member, double score);
  bool Erase(std::string_view member);
  size_t CountBelowScore(double bound, bool inclusive) const;
  // Members sorting before the bound (max_side: the bound ends a range, so an inclusive bound
  // counts its own member).
  size_t CountBelowLex(const LexBound& bound, bool max_side) const;
  void EraseRange(size_t start, size_t end);

  // Converts to a skip list when the set outgrew the listpack limits.
  void ConvertIfNeeded(int64_t max_entries, int64_t max_value, size_t new_member_len);
  void ConvertToSkiplist();
  // Converts a skip list back to a listpack when it fits (the STORE commands do this).
  void ConvertToListpackIfFits(int64_t max_entries, int64_t max_value);

  // Calls fn(member, score) for ranks [start, end) in ascending order.
  template <typename Fn>
  void ForEachInRange(size_t start, size_t end, Fn&& fn) const {
    if (skiplist_)
      skiplist_->ForRange(start, end, fn);
    else
      listpack_.ForRange(start, end, fn);
  }
  // One ZSCAN step: fn(member, score_text) for the members at `cursor`; returns the next
  // cursor. Listpacks return everything with cursor 0, printing scores as Redis's listpack
  // text does; skip lists print "%.17g".
  uint64_t Scan(uint64_t cursor,
                const std::function<void(std::string_view, const std::string&)>& fn) const;

 private:
  explicit ZSetObject(uint64_t seed) : seed_(seed) {}
  uint64_t seed_;
  ZListpack listpack_;
  std::unique_ptr<ZSkiplist> skiplist_;
};

// Score text as Redis's listpack stores it: integers within +-2^62 without exponent or
// fraction, everything else "%.17g".
std::string ListpackScoreText(double score);

}  // namespace redsim
