#include "engine/db/keyspace.h"

#include <algorithm>

#include "engine/base/check.h"
#include "engine/base/random.h"
#include "engine/server/client.h"
#include "engine/server/config.h"
#include "engine/types/lazy_free.h"

namespace redsim {

Keyspace::Keyspace(KeyspaceHandles handles, int db_count) : h_(std::move(handles)) {
  REDSIM_CHECK(db_count > 0, "a node has at least one database");
  for (int i = 0; i < db_count; i++) {
    dbs_.push_back(std::make_unique<Database>(i, h_.rng->Next()));
  }
}

Keyspace::~Keyspace() = default;

uint32_t Keyspace::LruClock() const {
  return static_cast<uint32_t>((now_ms() / 1000) & ((1 << 24) - 1));
}

// ---- Expiry ---------------------------------------------------------------------------------

void Keyspace::DeleteExpiredEntry(Database* db, DbEntry* e) {
  REDSIM_CHECK(e->has_expire() && e->expire_ms <= now_ms(), "only a due key is expired");
  std::string key(e->key());
  (*h_.expired_keys)++;
  if (h_.config->lazyfree_lazy_expire) {
    DbEntry* detached = db->Detach(key);
    h_.lazy_freer->Free(std::move(detached->value));
    DbEntry::Destroy(detached);
  } else {
    db->Remove(key);
  }
  NotifyKeyspaceEvent('x', "expired", key, db->index());
  SignalModifiedKey(db, key);
  SignalKeyReady(db, key);  // XREADGROUP waiters learn that their stream is gone
  h_.propagate(db->index(), {"DEL", key});
}

bool Keyspace::ExpireIfNeeded(Database* db, DbEntry* e) {
  if (!e->has_expire() || e->expire_ms > now_ms()) return false;
  // A replica reports the key as missing but leaves deletion to its primary's DEL (commands from
  // the primary itself see the key as it is).
  if (h_.is_replica()) {
    Client* current = *h_.current_client;
    return current == nullptr || !current->has(kClientMaster);
  }
  // While writes are paused (CLIENT PAUSE, failover) the key reads as expired but stays, so
  // that nothing is propagated until the pause ends.
  if (h_.writes_paused()) return true;
  DeleteExpiredEntry(db, e);
  return true;
}

// ---- Lookups and access clocks --------------------------------------------------------------

DbEntry* Keyspace::Peek(Database* db, std::string_view key) {
  DbEntry* e = db->Find(key);
  if (e != nullptr && e->has_expire() && e->expire_ms <= now_ms()) return nullptr;
  return e;
}

bool Keyspace::SharesIntegers() const {
  const std::string& policy = h_.config->maxmemory_policy;
  return h_.config->maxmemory == 0 ||
         (policy.find("lru") == std::string::npos && policy.find("lfu") == std::string::npos);
}

uint32_t Keyspace::AccessClock(const DbEntry* e) const {
  if (e->value.shared() && SharesIntegers()) {
    // Never touched since startup: the shared objects were created when the server started.
    if (shared_int_clock_.empty()) {
      return static_cast<uint32_t>((*h_.start_time_us / 1000000) & ((1 << 24) - 1));
    }
    return shared_int_clock_[static_cast<size_t>(e->value.int_value())];
  }
  return e->access;
}

void Keyspace::Touch(DbEntry* e) {
  Client* current = *h_.current_client;
  if (current != nullptr && current->has(kClientNoTouch)) return;
  if (e->value.shared() && SharesIntegers()) {
    if (shared_int_clock_.empty()) {
      shared_int_clock_.assign(
          static_cast<size_t>(kSharedIntegers),
          static_cast<uint32_t>((*h_.start_time_us / 1000000) & ((1 << 24) - 1)));
    }
    shared_int_clock_[static_cast<size_t>(e->value.int_value())] = LruClock();
    return;
  }
  if (access_->lfu())
    access_->TouchLfu(e);
  else
    e->access = LruClock();
}

DbEntry* Keyspace::LookupRead(Database* db, std::string_view key, bool touch) {
  DbEntry* e = db->Find(key);
  if (e != nullptr && ExpireIfNeeded(db, e)) e = nullptr;
  if (e == nullptr) {
    (*h_.keyspace_misses)++;
    NotifyKeyspaceEvent('m', "keymiss", key, db->index());
    return nullptr;
  }
  (*h_.keyspace_hits)++;
  if (touch) Touch(e);
  return e;
}

DbEntry* Keyspace::LookupWrite(Database* db, std::string_view key) {
  DbEntry* e = db->Find(key);
  if (e != nullptr && ExpireIfNeeded(db, e)) {
    // On a replica the key stays (hidden); a write to it replaces it as if absent.
    if (h_.is_replica()) db->Remove(key);
    return nullptr;
  }
  if (e != nullptr) {
    // The caller may change the value in place: a running snapshot saves it first.
    db->WillChange(e);
    Touch(e);
  }
  return e;
}

// ---- Changes --------------------------------------------------------------------------------

DbEntry* Keyspace::AddKey(Database* db, std::string_view key, Value value) {
  DbEntry* e = db->Add(key, std::move(value));
  e->access = access_->InitialAccess();
  SignalModifiedKey(db, key);
  NotifyKeyspaceEvent('n', "new", key, db->index());
  return e;
}

DbEntry* Keyspace::SetKey(Database* db, std::string_view key, Value value, bool keep_ttl) {
  DbEntry* e = db->Find(key);
  if (e == nullptr) {
    e = db->Add(key, std::move(value));
    NotifyKeyspaceEvent('n', "new", key, db->index());
    e->access = access_->InitialAccess();
  } else {
    db->WillChange(e);
    if (h_.config->lazyfree_lazy_server_del) h_.lazy_freer->Free(std::move(e->value));
    e->value = std::move(value);
    if (!keep_ttl) db->RemoveExpire(e);
    SignalKeyReady(db, key);  // a stream overwritten: its XREADGROUP waiters are unblocked
    // An overwritten key keeps its LFU counter, as in Redis; its LRU clock restarts.
    if (!access_->lfu()) e->access = LruClock();
  }
  SignalModifiedKey(db, key);
  return e;
}

bool Keyspace::DeleteKey(Database* db, std::string_view key, bool lazy) {
  DbEntry* e = db->Detach(key);
  if (e == nullptr) return false;
  if (lazy) h_.lazy_freer->Free(std::move(e->value));
  DbEntry::Destroy(e);
  SignalModifiedKey(db, key);
  SignalKeyReady(db, key);  // XREADGROUP waiters learn that their stream is gone (Redis 7.0)
  return true;
}

int64_t Keyspace::FlushDatabases(int index, bool async) {
  REDSIM_CHECK(index >= -1 && index < db_count(), "database index checked by the caller");
  int64_t removed = 0;
  for (auto& db : dbs_) {
    if (index >= 0 && db->index() != index) continue;
    removed += static_cast<int64_t>(db->size());
    for (auto& [wk, watchers] : watched_keys_) {
      if (wk.db == db->index() && db->Find(wk.key) != nullptr) {
        for (Client* c : watchers) c->flags |= kClientDirtyCas;
      }
    }
    if (async) {
      // The old contents move to a detached database that the lazy-free queue empties in steps.
      auto old = std::make_unique<Database>(db->index(), h_.rng->Next());
      db->SwapContents(*old);
      h_.lazy_freer->FreeDatabase(std::move(old));
    } else {
      db->Clear();
    }
    REDSIM_CHECK(db->size() == 0 && db->volatile_count() == 0, "a flushed database is empty");
  }
  // Every watched key in the flushed databases is invalidated (Redis invalidates only keys that
  // existed; a WATCH on a missing key survives a flush).
  for (KeyspaceListener* l : listeners_) l->OnFlushed(index);
  return removed;
}

void Keyspace::SwapDatabases(int a, int b) {
  REDSIM_CHECK(a >= 0 && a < db_count() && b >= 0 && b < db_count(), "SWAPDB indexes checked");
  // A watched key is touched when it exists in either database (its value may change).
  for (auto& [wk, watchers] : watched_keys_) {
    if ((wk.db == a || wk.db == b) && (dbs_[static_cast<size_t>(a)]->Find(wk.key) != nullptr ||
                                       dbs_[static_cast<size_t>(b)]->Find(wk.key) != nullptr)) {
      for (Client* c : watchers) c->flags |= kClientDirtyCas;
    }
  }
  dbs_[static_cast<size_t>(a)]->SwapContents(*dbs_[static_cast<size_t>(b)]);
  // Clients blocked on keys of either database may now be served.
  for (KeyspaceListener* l : listeners_) l->OnSwapped(a, b);
}

// ---- Signals --------------------------------------------------------------------------------

void Keyspace::SignalModifiedKey(Database* db, std::string_view key) {
  for (KeyspaceListener* l : listeners_) l->OnKeyModified(db->index(), key);
  // The common case (nobody watches anything) costs one check.
  if (watched_keys_.empty()) return;
  auto it = watched_keys_.find(KeyRef{db->index(), std::string(key)});
  if (it == watched_keys_.end()) return;
  for (Client* c : it->second) c->flags |= kClientDirtyCas;
}

void Keyspace::SignalKeyReady(Database* db, std::string_view key) {
  for (KeyspaceListener* l : listeners_) l->OnKeyReady(db->index(), key);
}

void Keyspace::NotifyKeyspaceEvent(char type_class, std::string_view event, std::string_view key,
                                   int db_index) {
  for (KeyspaceListener* l : listeners_) l->OnKeyspaceEvent(type_class, event, key, db_index);
}

// ---- WATCH ----------------------------------------------------------------------------------

void Keyspace::WatchKey(Client* c, int db_index, std::string_view key) {
  for (const auto& [dbi, k] : c->watched_keys) {
    if (dbi == db_index && k == key) return;
  }
  c->watched_keys.emplace_back(db_index, std::string(key));
  watched_keys_[KeyRef{db_index, std::string(key)}].push_back(c);
}

void Keyspace::UnwatchAllKeys(Client* c) {
  for (const auto& [dbi, k] : c->watched_keys) {
    auto it = watched_keys_.find(KeyRef{dbi, k});
    if (it == watched_keys_.end()) continue;
    auto& v = it->second;
    v.erase(std::remove(v.begin(), v.end(), c), v.end());
    if (v.empty()) watched_keys_.erase(it);
  }
  c->watched_keys.clear();
}

}  // namespace redsim
