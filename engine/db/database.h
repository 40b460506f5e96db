// Database: one numbered keyspace (SELECT n). Storage only: the key table plus the list of keys
// that have an expiry, kept so that the active expiry cycle can sample them in O(1). Expiry
// rules, notifications and statistics live in the layer above (Keyspace, engine/db/keyspace.h).
//
// Invariant: an entry has expire_ms != 0 exactly when it is in the volatile list, at index
// volatile_pos.
#pragma once

#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

#include "engine/db/key_table.h"
#include "engine/db/slot_index.h"

namespace redsim {

class Database;

// Told before an entry changes or leaves its database (a running snapshot saves its old value
// first) and before a database is emptied or swapped.
class ChangeObserver {
 public:
  virtual ~ChangeObserver() = default;
  virtual void BeforeChange(Database* db, DbEntry* e) = 0;
  virtual void BeforeClear(Database* db) = 0;
  // Called before the database's contents are exchanged with another database's.
  virtual void BeforeSwap(Database* db) = 0;
};

class Database {
 public:
  Database(int index, uint64_t seed) : index_(index), table_(seed) {}
  ~Database();
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;

  int index() const { return index_; }
  size_t size() const { return table_.size(); }
  size_t volatile_count() const { return volatile_.size(); }
  KeyTable& table() { return table_; }

  DbEntry* Find(std::string_view key) { return table_.Find(key); }
  // Tells the observer (if any) that `e` is about to change in place.
  void WillChange(DbEntry* e) {
    if (observer_ != nullptr) observer_->BeforeChange(this, e);
  }
  void set_observer(ChangeObserver* o) { observer_ = o; }
  // The snapshot mark given to entries created from now on.
  void set_new_entry_mark(bool m) { new_entry_mark_ = m; }
  // Adds a key that is not present; returns its entry.
  DbEntry* Add(std::string_view key, Value value);
  // Removes and destroys the entry for `key`; false if absent.
  bool Remove(std::string_view key);
  // Removes the entry from the table and returns it without destroying it (caller owns it).
  DbEntry* Detach(std::string_view key);

  void SetExpire(DbEntry* e, int64_t expire_ms);
  void RemoveExpire(DbEntry* e);
  // A uniformly random entry among those with an expiry, or nullptr.
  DbEntry* VolatileAt(size_t i) const { return i < volatile_.size() ? volatile_[i] : nullptr; }

  void Clear();
  // Exchanges contents with another database (SWAPDB); indexes stay. Observers are told.
  void SwapContents(Database& other);
  // The same exchange without telling anyone (used by a snapshot taking over a database's
  // contents just before they are cleared).
  void SwapContentsQuietly(Database& other);

  // Cluster mode: keep the keys grouped by hash slot from now on (indexes the keys present).
  void EnableSlotIndex();
  // The per-slot index, or nullptr outside cluster mode.
  const SlotIndex* slot_index() const { return slot_index_.get(); }

  // Running sum used for INFO keyspace avg_ttl (updated by the expiry cycle).
  int64_t avg_ttl_ms = 0;
  // Cursor for the active expiry cycle's walk over the volatile list.
  size_t expire_cursor = 0;

 private:
  void DropVolatile(DbEntry* e);
  // After a swap of contents: give the index back to whichever database asked for one.
  void FixSlotIndexAfterSwap();
  ChangeObserver* observer_ = nullptr;
  bool new_entry_mark_ = false;
  int index_;
  KeyTable table_;
  std::vector<DbEntry*> volatile_;
  bool slot_indexed_ = false;
  std::unique_ptr<SlotIndex> slot_index_;
};

}  // namespace redsim
