// Evictor: keeps the dataset under `maxmemory` by deleting keys chosen by `maxmemory-policy`,
// and keeps the per-key access data (LRU clock or LFU counter) those policies read.
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
#include <string>
#include <vector>

namespace redsim {

class Server;
struct DbEntry;

enum class EvictResult {
  kOk,       // under the limit (or no limit, or this node must not evict)
  kRunning,  // still over the limit after this run's budget; the command may proceed
  kFail,     // over the limit and nothing (more) can be evicted: deny-oom commands are refused
};

class Evictor {
 public:
  explicit Evictor(Server* server);

  // Deletes keys until memory is under maxmemory (bounded work per call).
  EvictResult PerformEvictions();

  // Re-reads maxmemory-policy (cached: Touch is on every lookup's path).
  void OnPolicyChanged();
  bool lfu() const { return lfu_; }

  // Access data for a new key (LRU clock, or LFU counter at its initial value).
  uint32_t InitialAccess() const;
  // Records an access: LFU counter decayed then incremented with log probability.
  void TouchLfu(DbEntry* e);
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

  Server* server_;
  bool lfu_ = false;
  int policy_keys_ = 0;          // see eviction.cc: none, all keys, volatile keys
  int policy_order_ = 0;         // lru, lfu, ttl, random
  std::vector<Candidate> pool_;  // ascending by idle; at most kPoolSize entries
  int next_random_db_ = 0;
};

}  // namespace redsim
