// StreamObject: the value of a stream key — an append-only log of entries (ID + field/value
// pairs) plus consumer groups with their pending-entries lists, with Redis 7.0's semantics.
//
// Layout: entries live in blocks kept in a sorted map keyed by the block's master ID. A block is
// one contiguous byte string: the master fields, then the entries with IDs delta-encoded against
// the master ID (varints) and, when an entry has the master's fields, only its values. So an
// entry of one short field costs a few bytes plus its value, and a block costs one map node.
// Each block also tracks the size Redis's listpack for the same entries would have (bytes and
// entries including deleted ones), so that blocks split exactly where Redis's nodes split:
// approximate trimming (MAXLEN ~) and XINFO's radix-tree-keys then answer as Redis does.
//
// Invariants: IDs strictly increase across the stream (and within and across blocks); every
// entry of a block has ID >= the block's key and < the next block's key; a block is never empty
// (it is dropped when its last entry goes); length() equals the entries held; last_id() never
// decreases; every PEL entry of a group is also in exactly one consumer's PEL.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "engine/db/value.h"

namespace redsim {

struct StreamId {
  uint64_t ms = 0;
  uint64_t seq = 0;

  static constexpr StreamId Min() { return {0, 0}; }
  static constexpr StreamId Max() { return {UINT64_MAX, UINT64_MAX}; }
  bool IsZero() const { return ms == 0 && seq == 0; }
  // The next/previous ID; false at the ends of the ID space.
  bool Increment();
  bool Decrement();
  std::string ToString() const;
  friend bool operator<(const StreamId& a, const StreamId& b) {
    return a.ms != b.ms ? a.ms < b.ms : a.seq < b.seq;
  }
  friend bool operator==(const StreamId& a, const StreamId& b) {
    return a.ms == b.ms && a.seq == b.seq;
  }
  friend bool operator!=(const StreamId& a, const StreamId& b) { return !(a == b); }
  friend bool operator<=(const StreamId& a, const StreamId& b) { return !(b < a); }
  friend bool operator>(const StreamId& a, const StreamId& b) { return b < a; }
  friend bool operator>=(const StreamId& a, const StreamId& b) { return !(a < b); }
};

// "Unknown" for a group's entries-read counter (Redis's SCG_INVALID_ENTRIES_READ).
inline constexpr int64_t kInvalidEntriesRead = -1;

struct StreamConsumer;

// One pending (delivered, not acknowledged) entry of a group.
struct PendingEntry {
  int64_t delivery_time_ms = 0;
  uint64_t delivery_count = 0;
  StreamConsumer* consumer = nullptr;
};

struct StreamConsumer {
  std::string name;
  int64_t seen_time_ms = 0;
  std::set<StreamId> pending;  // IDs whose PendingEntry names this consumer
};

struct StreamGroup {
  StreamId last_id;
  int64_t entries_read = kInvalidEntriesRead;
  std::map<StreamId, PendingEntry> pending;
  // By name, in byte order.
  std::map<std::string, std::unique_ptr<StreamConsumer>, std::less<>> consumers;

  StreamConsumer* FindConsumer(std::string_view name);
  // Creates the consumer (seen now); returns nullptr when it already exists.
  StreamConsumer* CreateConsumer(std::string_view name, int64_t now_ms);
  // Deletes a consumer and its pending entries; returns how many pending entries it had.
  size_t DeleteConsumer(std::string_view name);
};

// Limits that decide when a new block starts (stream-node-max-bytes / -entries).
struct StreamNodeLimits {
  int64_t max_bytes = 4096;
  int64_t max_entries = 100;
};

class StreamObject : public Object {
 public:
  // One entry as returned by reads: views into the block, valid until the stream changes.
  struct Entry {
    StreamId id;
    std::vector<std::string_view> fields_values;  // f1 v1 f2 v2 ...
  };
  using Visitor = std::function<bool(const Entry&)>;  // false stops the walk

  StreamObject() = default;

  ObjType type() const override { return ObjType::kStream; }
  Encoding encoding() const override { return Encoding::kStream; }
  std::unique_ptr<Object> Clone() const override;
  size_t Length() const override { return length_; }
  size_t MemoryUsage() const override;

  uint64_t length() const { return length_; }
  const StreamId& last_id() const { return last_id_; }
  void set_last_id(StreamId id) { last_id_ = id; }
  const StreamId& first_id() const { return first_id_; }
  const StreamId& max_deleted_id() const { return max_deleted_id_; }
  void set_max_deleted_id(StreamId id) { max_deleted_id_ = id; }
  uint64_t entries_added() const { return entries_added_; }
  void set_entries_added(uint64_t n) { entries_added_ = n; }
  size_t block_count() const { return blocks_.size(); }

  // Appends an entry whose ID must be greater than last_id(); updates last_id and counters.
  void Append(StreamId id, const std::vector<std::string_view>& fields_values,
              const StreamNodeLimits& limits);

  // Loading (RDB, RESTORE): starts a block as Redis's node `master` with its master fields and
  // the size of its listpack (bytes, entries including deleted ones), then appends entries to it
  // without splitting. IDs must increase (the loader checks). Counters are set afterwards.
  void StartLoadedBlock(StreamId master, const std::vector<std::string_view>& master_fields,
                        uint32_t redis_bytes, uint32_t redis_total, StreamId redis_last);
  void AppendLoaded(StreamId id, const std::vector<std::string_view>& fields_values);
  void set_first_id(StreamId id) { first_id_ = id; }
  // Visits each block: its master ID, master fields and entries (saving).
  using BlockVisitor =
      std::function<void(const StreamId& master, const std::vector<std::string_view>& master_fields,
                         const std::vector<Entry>& entries)>;
  void ForEachBlock(const BlockVisitor& visit) const;
  // Visits entries with start <= id <= end, ascending (or descending when `reverse`).
  void Range(StreamId start, StreamId end, bool reverse, const Visitor& visit) const;
  // The first / last entry; false when empty.
  bool FirstEntry(Entry* out) const;
  bool LastEntry(Entry* out) const;
  bool Contains(StreamId id) const;
  // Deletes one entry (XDEL); returns whether it existed. Does not touch max_deleted_id.
  bool Delete(StreamId id);
  // Re-reads first_id() from the entries (0-0 when empty), after deletions.
  void RefreshFirstId();
  // Trims as XTRIM does; returns entries removed. `limit` 0 = unlimited (only with approx).
  uint64_t TrimMaxLen(uint64_t max_len, bool approx, int64_t limit);
  uint64_t TrimMinId(StreamId min_id, bool approx, int64_t limit);

  // Consumer groups, by name in byte order.
  std::map<std::string, std::unique_ptr<StreamGroup>, std::less<>>& groups() { return groups_; }
  const std::map<std::string, std::unique_ptr<StreamGroup>, std::less<>>& groups() const {
    return groups_;
  }
  StreamGroup* FindGroup(std::string_view name) const;
  // Creates a group; nullptr when the name exists.
  StreamGroup* CreateGroup(std::string_view name, StreamId last_id, int64_t entries_read);

  // Redis 7.0's estimate of how many entries were added up to `id` (kInvalidEntriesRead when it
  // cannot tell), and whether a deleted entry may lie in [start, end].
  int64_t EstimateEntriesUpTo(StreamId id) const;
  bool RangeHasTombstones(StreamId start, StreamId end) const;

 private:
  struct Block {
    std::string bytes;         // master fields, then entries (see stream_object.cc)
    uint32_t live = 0;         // entries held
    uint32_t redis_total = 0;  // entries Redis's node would hold (deleted ones included)
    uint32_t redis_bytes = 0;  // bytes of Redis's listpack for this node
    StreamId redis_last;       // last ID in Redis's node, deleted entries included
  };
  using BlockMap = std::map<StreamId, Block>;

  // Decodes every entry of a block (in order) into `out`, with each entry's byte span.
  struct Decoded {
    Entry entry;
    size_t begin = 0;
    size_t end = 0;
  };
  static void DecodeBlock(const StreamId& master, const Block& b, std::vector<Decoded>* out);
  bool VisitBlock(BlockMap::const_iterator it, StreamId start, StreamId end, bool reverse,
                  const Visitor& visit) const;
  void StartBlock(StreamId id, const std::vector<std::string_view>& fields_values);
  // Appends to the last block; returns the bytes Redis's listpack grows by.
  uint32_t AppendToLastBlock(StreamId id, const std::vector<std::string_view>& fields_values);
  void RemoveEntryBytes(BlockMap::iterator it, size_t begin, size_t end);

  BlockMap blocks_;
  uint64_t length_ = 0;
  StreamId last_id_;
  StreamId first_id_;
  StreamId max_deleted_id_;
  uint64_t entries_added_ = 0;
  std::map<std::string, std::unique_ptr<StreamGroup>, std::less<>> groups_;
};

// Parses "ms-seq", "ms" (seq = missing_seq) into an ID; strict numbers as Redis reads them.
// Returns false when malformed. `seq_given` (optional) says whether "-seq" was present.
bool ParseStreamId(std::string_view s, uint64_t missing_seq, StreamId* out,
                   bool* seq_given = nullptr);

}  // namespace redsim
