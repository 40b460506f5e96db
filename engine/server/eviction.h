// Evictor: keeps the dataset under `maxmemory` by deleting keys chosen by `maxmemory-policy`,
// and keeps the per-key access data (LRU clock or LFU counter) those policies read.
//
// It is built from narrow handles (EvictorHandles: config, clock, keyspace, counters, the
// propagation of the DELs it makes), not from the server.
//
// Memory is what Server::UsedMemory() reports (the allocator's own count in real mode); an
// eviction run measures it again after every deletion, so a decision never rests on an estimate.
// Victims are chosen as Redis does: sample `maxmemory-samples` keys per database, keep the best
// candidates in a small pool sorted by "idleness" (LRU idle time, 255 - LFU counter, or the
// nearness of the expiry for volatile-ttl), and evict the best candidate that still exists.
//
// LFU data lives in DbEntry::access when the policy is an LFU one: the high 16 bits are the time
// of the last decrement in minutes, the low 8 bits a logarithmic access counter.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/db/keyspace.h"

namespace redsim {

class Env;
class Random;
struct DbEntry;
struct ServerConfig;

struct EvictorHandles {
  const ServerConfig* config = nullptr;
  Env* env = nullptr;  // memory in use (the allocator's count) and the time budget
  Random* rng = nullptr;
  Keyspace* keyspace = nullptr;
  const int64_t* now_ms = nullptr;  // the command time
  uint64_t* evicted_keys = nullptr;
  // Keys are not evicted while the dataset loads, nor on a replica that ignores maxmemory.
  std::function<bool()> loading;
  std::function<bool()> is_replica;
  // Propagates the DEL of an evicted key.
  std::function<void(int db_index, const std::vector<std::string_view>& args)> propagate;
};

enum class EvictResult {
  kOk,       // under the limit (or no limit, or this node must not evict)
  kRunning,  // still over the limit after this run's budget; the command may proceed
  kFail,     // over the limit and nothing (more) can be evicted: deny-oom commands are refused
};

class Evictor : public AccessPolicy {
 public:
  explicit Evictor(EvictorHandles handles);

  // Deletes keys until memory is under maxmemory (bounded work per call).
  EvictResult PerformEvictions();

  // Re-reads maxmemory-policy (cached: Touch is on every lookup's path).
  void OnPolicyChanged();
  bool lfu() const override { return lfu_; }

  // Access data for a new key (LRU clock, or LFU counter at its initial value).
  uint32_t InitialAccess() const override;
  // Records an access: LFU counter decayed then incremented with log probability.
  void TouchLfu(DbEntry* e) override;
  // The LFU counter after decay (OBJECT FREQ).
  uint32_t LfuCounter(uint32_t access) const;

 private:
  struct Candidate {
    uint64_t idle = 0;  // larger = better victim
    int db = 0;
    std::string key;
  };
  uint32_t MinutesNow() const;
  uint64_t IdleScore(const DbEntry* e) const;
  void SampleIntoPool(int db_index, bool volatile_only);
  // Picks and deletes one key; false when no key could be chosen.
  bool EvictOne();
  void EvictKey(int db_index, const std::string& key);

  uint64_t UsedMemory() const;

  EvictorHandles h_;
  bool lfu_ = false;
  int policy_keys_ = 0;          // see eviction.cc: none, all keys, volatile keys
  int policy_order_ = 0;         // lru, lfu, ttl, random
  std::vector<Candidate> pool_;  // ascending by idle; at most kPoolSize entries
  int next_random_db_ = 0;
};

}  // namespace redsim
