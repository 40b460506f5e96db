#include "engine/db/database.h"

#include "engine/base/check.h"

namespace redsim {

Database::~Database() { Clear(); }

DbEntry* Database::Add(std::string_view key, Value value) {
  DbEntry* e = DbEntry::Create(key, std::move(value));
  e->snapshot_mark = new_entry_mark_;
  table_.Insert(e);
  if (slot_index_ != nullptr) slot_index_->Add(e->key());
  return e;
}

void Database::EnableSlotIndex() {
  slot_indexed_ = true;
  if (slot_index_ != nullptr) return;
  slot_index_ = std::make_unique<SlotIndex>();
  table_.ForEach([&](DbEntry* e) { slot_index_->Add(e->key()); });
}

void Database::FixSlotIndexAfterSwap() {
  if (!slot_indexed_) {
    slot_index_.reset();
  } else if (slot_index_ == nullptr) {
    EnableSlotIndex();
  }
}

void Database::DropVolatile(DbEntry* e) {
  if (e->expire_ms == 0) return;
  size_t pos = e->volatile_pos;
  REDSIM_CHECK(pos < volatile_.size() && volatile_[pos] == e,
               "an entry with an expiry sits in the volatile list at volatile_pos");
  DbEntry* last = volatile_.back();
  volatile_[pos] = last;
  last->volatile_pos = static_cast<uint32_t>(pos);
  volatile_.pop_back();
  e->expire_ms = 0;
}

bool Database::Remove(std::string_view key) {
  DbEntry* e = Detach(key);
  if (e == nullptr) return false;
  DbEntry::Destroy(e);
  return true;
}

DbEntry* Database::Detach(std::string_view key) {
  if (observer_ != nullptr) {
    DbEntry* existing = table_.Find(key);
    if (existing != nullptr) observer_->BeforeChange(this, existing);
  }
  DbEntry* e = table_.Unlink(key);
  if (e != nullptr) {
    DropVolatile(e);
    if (slot_index_ != nullptr) slot_index_->Remove(e->key());
  }
  return e;
}

void Database::SetExpire(DbEntry* e, int64_t expire_ms) {
  WillChange(e);
  if (expire_ms == 0) {
    RemoveExpire(e);
    return;
  }
  if (e->expire_ms == 0) {
    e->volatile_pos = static_cast<uint32_t>(volatile_.size());
    volatile_.push_back(e);
    REDSIM_CHECK(volatile_.size() <= table_.size(), "keys with an expiry are keys of the table");
  }
  e->expire_ms = expire_ms;
}

void Database::RemoveExpire(DbEntry* e) {
  if (e->expire_ms == 0) return;
  WillChange(e);
  DropVolatile(e);
}

void Database::Clear() {
  if (observer_ != nullptr && table_.size() > 0) observer_->BeforeClear(this);
  volatile_.clear();
  if (slot_index_ != nullptr) slot_index_->Clear();
  table_.Clear();
  avg_ttl_ms = 0;
  expire_cursor = 0;
}

void Database::SwapContents(Database& other) {
  if (observer_ != nullptr) observer_->BeforeSwap(this);
  if (other.observer_ != nullptr) other.observer_->BeforeSwap(&other);
  SwapContentsQuietly(other);
}

void Database::SwapContentsQuietly(Database& other) {
  table_.Swap(other.table_);
  volatile_.swap(other.volatile_);
  std::swap(avg_ttl_ms, other.avg_ttl_ms);
  std::swap(expire_cursor, other.expire_cursor);
  slot_index_.swap(other.slot_index_);
  FixSlotIndexAfterSwap();
  other.FixSlotIndexAfterSwap();
}

}  // namespace redsim
