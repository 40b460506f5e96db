// Keyspace: the numbered databases of one node and the rules every command family relies on when
// it touches a key: lazy expiry on lookup, hit/miss statistics, access clocks (LRU/LFU and the
// shared-integer clock), add/set/delete with their signals, WATCH invalidation, keys becoming
// ready for blocked clients, and keyspace notifications.
//
// It reaches the rest of the node only through the narrow handles it is built with
// (KeyspaceHandles: the command time, config, counters, expiry propagation) and through
// listeners (keyspace events, client-side-caching invalidation, blocked clients), never through
// the server, so the order of side effects of one change is decided here, in one place.
//
// Invariants: a key that is logically expired is never returned by a lookup; a modified key
// always invalidates the WATCHes on it before the command that changed it returns; a database
// index is in [0, db_count()).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "engine/db/database.h"

namespace redsim {

class Client;
class LazyFreer;
class Random;
struct ServerConfig;

// Told about changes to keys, in the order they happen. Every method has an empty default, so a
// listener implements only what it cares about.
class KeyspaceListener {
 public:
  virtual ~KeyspaceListener() = default;
  // A keyspace notification (`type_class` such as 'g', '$', 'x'), published if enabled.
  virtual void OnKeyspaceEvent(char /*type_class*/, std::string_view /*event*/,
                               std::string_view /*key*/, int /*db_index*/) {}
  // A key was modified (client-side caches holding it are invalidated).
  virtual void OnKeyModified(int /*db_index*/, std::string_view /*key*/) {}
  // A key a client may be blocked on received data, or was deleted or overwritten.
  virtual void OnKeyReady(int /*db_index*/, std::string_view /*key*/) {}
  // One database (index >= 0) or all of them (-1) were emptied.
  virtual void OnFlushed(int /*index*/) {}
  // Two databases exchanged their contents.
  virtual void OnSwapped(int /*a*/, int /*b*/) {}
};

// The access data policy (LRU clock or LFU counter); the evictor implements it.
class AccessPolicy {
 public:
  virtual ~AccessPolicy() = default;
  virtual bool lfu() const = 0;
  // Access data for a new key.
  virtual uint32_t InitialAccess() const = 0;
  // Records an access in LFU mode.
  virtual void TouchLfu(DbEntry* e) = 0;
};

// What the keyspace needs from the node it belongs to.
struct KeyspaceHandles {
  const ServerConfig* config = nullptr;
  // Seeds of new databases (drawn from the node's generator, in the order the node draws).
  Random* rng = nullptr;
  LazyFreer* lazy_freer = nullptr;
  // The time commands see, in Unix ms (see Server::now_ms).
  const int64_t* now_ms = nullptr;
  // The node's start time (the shared integers' access clock before their first use).
  const int64_t* start_time_us = nullptr;
  // The client whose command runs now (nullptr between commands).
  Client* const* current_client = nullptr;
  uint64_t* expired_keys = nullptr;
  uint64_t* keyspace_hits = nullptr;
  uint64_t* keyspace_misses = nullptr;
  // This node follows a primary (keys are not expired here, only hidden).
  std::function<bool()> is_replica;
  // CLIENT PAUSE WRITE or stronger is in force (expired keys stay until it ends).
  std::function<bool()> writes_paused;
  // Propagates a write made by the keyspace itself (the DEL of an expired key).
  std::function<void(int db_index, const std::vector<std::string_view>& args)> propagate;
};

class Keyspace {
 public:
  Keyspace(KeyspaceHandles handles, int db_count);
  ~Keyspace();
  Keyspace(const Keyspace&) = delete;
  Keyspace& operator=(const Keyspace&) = delete;

  void AddListener(KeyspaceListener* l) { listeners_.push_back(l); }
  void set_access_policy(AccessPolicy* p) { access_ = p; }

  int db_count() const { return static_cast<int>(dbs_.size()); }
  Database* db(int index) { return dbs_[static_cast<size_t>(index)].get(); }
  // LRU clock in Redis's units (seconds, 24 bits), from the command time.
  uint32_t LruClock() const;

  // Finds a live key for reading: expires it if due, counts a hit or miss, touches its LRU
  // (unless `touch` is false: introspection such as TYPE, TTL, EXISTS, OBJECT counts as a read
  // but leaves the idle time alone, as in Redis).
  DbEntry* LookupRead(Database* db, std::string_view key, bool touch = true);
  // Finds a live key for writing (expires it if due; no hit/miss statistics).
  DbEntry* LookupWrite(Database* db, std::string_view key);
  // Finds a live key without touching statistics or LRU (for internal checks).
  DbEntry* Peek(Database* db, std::string_view key);
  // The access clock OBJECT IDLETIME/FREQ read for `e`: its own, or, for a shared integer (see
  // Value::shared), the one clock Redis keeps for all keys holding that integer.
  uint32_t AccessClock(const DbEntry* e) const;
  // Whether values marked shared() count as shared now (Redis stops sharing integers when a
  // maxmemory limit with an LRU or LFU policy needs per-key access data).
  bool SharesIntegers() const;
  // Adds a key that must be absent; returns its entry. Signals the key as modified.
  DbEntry* AddKey(Database* db, std::string_view key, Value value);
  // Sets a key to `value`, replacing any old value. Drops the TTL unless keep_ttl. Signals.
  DbEntry* SetKey(Database* db, std::string_view key, Value value, bool keep_ttl = false);
  // Deletes a key if present; returns whether it was. Signals. With `lazy` (UNLINK,
  // lazyfree-lazy-user-del) a big value is handed to the lazy-free queue instead of being freed
  // inside the command.
  bool DeleteKey(Database* db, std::string_view key, bool lazy = false);
  // Sets an absolute expiry time in Unix ms (0 removes it).
  void SetExpire(Database* db, DbEntry* e, int64_t when_ms) { db->SetExpire(e, when_ms); }
  // Deletes the key if its time has come (and this node may expire keys). Returns true when the
  // key is logically expired (deleted, or hidden on a replica).
  bool ExpireIfNeeded(Database* db, DbEntry* e);
  // Deletes an expired entry: statistics, notification, signals, DEL propagated.
  void DeleteExpiredEntry(Database* db, DbEntry* e);
  // Empties one database (-1: all). Returns the number of keys removed.
  int64_t FlushDatabases(int index, bool async);
  // Swaps two databases' contents.
  void SwapDatabases(int a, int b);

  // A key was modified: invalidates WATCHes on it (and client-side caches).
  void SignalModifiedKey(Database* db, std::string_view key);
  // A key a client may be blocked on received data (push, add...).
  void SignalKeyReady(Database* db, std::string_view key);
  // Publishes a keyspace notification if enabled for `type_class` (a char such as 'g', '$').
  void NotifyKeyspaceEvent(char type_class, std::string_view event, std::string_view key,
                           int db_index);

  // WATCH bookkeeping: a watched key that is modified makes the watcher's EXEC fail.
  void WatchKey(Client* c, int db_index, std::string_view key);
  void UnwatchAllKeys(Client* c);

 private:
  struct KeyRef {
    int db;
    std::string key;
    bool operator<(const KeyRef& o) const { return db != o.db ? db < o.db : key < o.key; }
  };
  // Records an access to `e` on the LRU clock (its own, or its shared integer's).
  void Touch(DbEntry* e);
  int64_t now_ms() const { return *h_.now_ms; }

  KeyspaceHandles h_;
  AccessPolicy* access_ = nullptr;
  std::vector<std::unique_ptr<Database>> dbs_;
  std::vector<KeyspaceListener*> listeners_;
  std::map<KeyRef, std::vector<Client*>> watched_keys_;
  // Access clocks of the shared integers 0..kSharedIntegers-1 (allocated on first use).
  std::vector<uint32_t> shared_int_clock_;
};

}  // namespace redsim
