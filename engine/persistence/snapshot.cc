#include "engine/persistence/snapshot.h"

#include <string>

namespace redsim {

Snapshot::Snapshot(std::vector<Database*> dbs, bool idle_mark, SnapshotSink* sink)
    : dbs_(std::move(dbs)), saved_mark_(!idle_mark), sink_(sink) {
  for (Database* db : dbs_) {
    db->set_observer(this);
    db->set_new_entry_mark(saved_mark_);
  }
}

Snapshot::~Snapshot() {
  for (Database* db : dbs_) db->set_observer(nullptr);
}

void Snapshot::EmitEntry(int db_index, DbEntry* e) {
  if (e->snapshot_mark == saved_mark_) return;
  e->snapshot_mark = saved_mark_;
  emitted_++;
  if (sink_ != nullptr) sink_->Emit(db_index, e->key(), e->value, e->expire_ms, e->access);
}

void Snapshot::BeforeChange(Database* db, DbEntry* e) { EmitEntry(db->index(), e); }

void Snapshot::BeforeClear(Database* db) {
  // Take the contents over: the database continues empty, the snapshot walks (and frees) the old
  // entries at its own pace.
  auto stolen = std::make_unique<Database>(db->index(), 0);
  stolen->SwapContentsQuietly(*db);
  stolen_.push_back(std::move(stolen));
}

void Snapshot::BeforeSwap(Database* db) {
  // The entries are about to change database index; emit the unsaved ones now.
  std::vector<DbEntry*> unsaved;
  db->table().ForEach([&](DbEntry* e) {
    if (e->snapshot_mark != saved_mark_) unsaved.push_back(e);
  });
  for (DbEntry* e : unsaved) EmitEntry(db->index(), e);
}

bool Snapshot::StepStolen(size_t* budget) {
  while (!stolen_.empty() && *budget > 0) {
    Database* db = stolen_.front().get();
    std::vector<std::string> walked;
    do {
      stolen_cursor_ = db->table().Scan(stolen_cursor_, [&](DbEntry* e) {
        EmitEntry(db->index(), e);
        walked.emplace_back(e->key());
      });
    } while (stolen_cursor_ != 0 && walked.size() < *budget);
    // Free what was walked (the stolen table has no other users).
    for (const auto& k : walked) db->Remove(k);
    *budget = walked.size() >= *budget ? 0 : *budget - walked.size();
    if (stolen_cursor_ == 0 && db->size() == 0)
      stolen_.erase(stolen_.begin());
    else if (stolen_cursor_ == 0)
      continue;  // entries left by a resize: walk again
  }
  return stolen_.empty();
}

bool Snapshot::Step(size_t max_entries) {
  if (done_) return true;
  size_t budget = max_entries;
  while (db_pos_ < dbs_.size() && budget > 0) {
    Database* db = dbs_[db_pos_];
    size_t visited = 0;
    // Buckets in memory order (see KeyTable::Walk); an entry seen twice is emitted once (marks).
    bool walked = db->table().Walk(&walk_, budget, [&](DbEntry* e) {
      EmitEntry(db->index(), e);
      visited++;
    });
    budget = visited >= budget ? 0 : budget - visited;
    if (walked) {
      db_pos_++;
      walk_ = KeyTable::WalkPosition{};
    }
  }
  if (db_pos_ < dbs_.size()) return false;
  if (!StepStolen(&budget)) return false;
  done_ = true;
  return true;
}

}  // namespace redsim
