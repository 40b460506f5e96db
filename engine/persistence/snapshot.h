// Snapshot: a point-in-time view of every database, produced incrementally without fork().
//
// When a snapshot begins, every existing entry is "unsaved" (its snapshot_mark differs from the
// snapshot's mark) and every entry created afterwards is born "saved". Step() walks the key
// tables in bounded batches and emits each unsaved entry once, marking it saved. Before any
// entry changes or leaves its database while the snapshot runs (the Database tells its
// ChangeObserver), the snapshot emits that entry's current — that is, its snapshot-time — value
// first. A database about to be emptied hands its whole contents over to the snapshot, which
// walks and frees them later; a database about to be swapped has its unsaved entries emitted at
// once. The result: each key that existed at the start is emitted exactly once, with the value
// and TTL it had at the start, and no key created later is emitted.
//
// Invariant between snapshots: every entry's mark equals `idle_mark` (new entries are born with
// it), so the next snapshot can flip the meaning of the bit.
#pragma once

#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

#include "engine/db/database.h"

namespace redsim {

class SnapshotSink {
 public:
  virtual ~SnapshotSink() = default;
  virtual void Emit(int db, std::string_view key, const Value& value, int64_t expire_ms,
                    uint32_t access) = 0;
};

class Snapshot : public ChangeObserver {
 public:
  // Begins a snapshot of `dbs`; `idle_mark` is the mark every entry carries now.
  Snapshot(std::vector<Database*> dbs, bool idle_mark, SnapshotSink* sink);
  ~Snapshot() override;

  // Emits up to `max_entries` entries; returns true once every entry was emitted.
  bool Step(size_t max_entries);
  bool done() const { return done_; }
  // Stops emitting (the output is abandoned) but keeps walking so the marks end consistent;
  // Step() must still be called until done.
  void Abandon() { sink_ = nullptr; }
  // The mark every entry carries once the snapshot is done (the next idle mark).
  bool saved_mark() const { return saved_mark_; }
  uint64_t emitted() const { return emitted_; }

  // ChangeObserver.
  void BeforeChange(Database* db, DbEntry* e) override;
  void BeforeClear(Database* db) override;
  void BeforeSwap(Database* db) override;

 private:
  void EmitEntry(int db_index, DbEntry* e);
  bool StepStolen(size_t* budget);

  std::vector<Database*> dbs_;
  bool saved_mark_;
  SnapshotSink* sink_;
  size_t db_pos_ = 0;
  KeyTable::WalkPosition walk_;  // in dbs_[db_pos_]
  // Contents taken over from databases that were cleared mid-snapshot.
  std::vector<std::unique_ptr<Database>> stolen_;
  uint64_t stolen_cursor_ = 0;
  bool done_ = false;
  uint64_t emitted_ = 0;
};

}  // namespace redsim
