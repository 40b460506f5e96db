#include "engine/server/eviction.h"

#include <algorithm>
#include <cmath>

#include "engine/base/random.h"
#include "engine/db/database.h"
#include "engine/env/env.h"
#include "engine/server/config.h"

namespace redsim {
namespace {

constexpr size_t kPoolSize = 16;       // candidates kept across samplings (Redis's size)
constexpr uint32_t kLfuInitValue = 5;  // a new key's counter: not evicted before it is used
// Bound on deletions per run when the clock does not move (simulation); real mode also stops
// at the time budget below.
constexpr int kMaxEvictionsPerRun = 100000;

enum Policy { kNoEviction, kAllKeys, kVolatile };
enum Order { kLru, kLfu, kTtl, kRandom };

struct ParsedPolicy {
  Policy keys = kNoEviction;
  Order order = kLru;
};

ParsedPolicy Parse(const std::string& p) {
  ParsedPolicy out;
  if (p == "noeviction") return out;
  out.keys = p.rfind("allkeys-", 0) == 0 ? kAllKeys : kVolatile;
  std::string what = p.substr(p.find('-') + 1);
  out.order = what == "lru" ? kLru : what == "lfu" ? kLfu : what == "ttl" ? kTtl : kRandom;
  return out;
}

uint64_t NextRandom(void* rng) { return static_cast<Random*>(rng)->Next(); }

}  // namespace

Evictor::Evictor(EvictorHandles handles) : h_(std::move(handles)) { OnPolicyChanged(); }

uint64_t Evictor::UsedMemory() const { return h_.env->AllocatedBytes(); }

void Evictor::OnPolicyChanged() {
  lfu_ = h_.config->maxmemory_policy.find("lfu") != std::string::npos;
  ParsedPolicy policy = Parse(h_.config->maxmemory_policy);
  policy_keys_ = policy.keys;
  policy_order_ = policy.order;
  pool_.clear();
}

uint32_t Evictor::MinutesNow() const {
  return static_cast<uint32_t>((*h_.now_ms / 60000) & 0xffff);
}

uint32_t Evictor::InitialAccess() const {
  if (!lfu_) return h_.keyspace->LruClock();
  return (MinutesNow() << 8) | kLfuInitValue;
}

uint32_t Evictor::LfuCounter(uint32_t access) const {
  uint32_t last_minutes = (access >> 8) & 0xffff;
  uint32_t counter = access & 0xff;
  int64_t decay = h_.config->lfu_decay_time;
  if (decay <= 0) return counter;
  uint32_t now = MinutesNow();
  uint32_t elapsed = now >= last_minutes ? now - last_minutes : 65535 - last_minutes + now;
  uint64_t periods = elapsed / static_cast<uint64_t>(decay);
  return periods >= counter ? 0 : counter - static_cast<uint32_t>(periods);
}

void Evictor::TouchLfu(DbEntry* e) {
  uint32_t counter = LfuCounter(e->access);
  if (counter < 255) {
    // The more a key was used, the less likely one more use counts (logarithmic counter).
    double base = counter > kLfuInitValue ? counter - kLfuInitValue : 0;
    double p = 1.0 / (base * static_cast<double>(h_.config->lfu_log_factor) + 1);
    if (h_.rng->NextDouble() < p) counter++;
  }
  e->access = (MinutesNow() << 8) | counter;
}

uint64_t Evictor::IdleScore(const DbEntry* e) const {
  if (policy_order_ == kTtl) return UINT64_MAX - static_cast<uint64_t>(e->expire_ms);
  if (policy_order_ == kLfu) return 255 - LfuCounter(e->access);
  uint32_t now = h_.keyspace->LruClock();
  uint32_t then = h_.keyspace->AccessClock(e) & ((1u << 24) - 1);
  uint64_t idle_s = now >= then ? now - then : now + ((1u << 24) - then);
  return idle_s * 1000;
}

void Evictor::SampleIntoPool(int db_index, bool volatile_only) {
  Database* db = h_.keyspace->db(db_index);
  size_t available = volatile_only ? db->volatile_count() : db->size();
  if (available == 0) return;
  int samples = static_cast<int>(h_.config->maxmemory_samples);
  for (int i = 0; i < samples; i++) {
    DbEntry* e = volatile_only ? db->VolatileAt(h_.rng->Uniform(available))
                               : db->table().RandomEntry(NextRandom, h_.rng);
    if (e == nullptr) continue;
    uint64_t idle = IdleScore(e);
    // Keep the pool sorted ascending; a full pool drops its least idle candidate.
    auto pos = std::find_if(pool_.begin(), pool_.end(), [&](const Candidate& c) {
      return c.db == db_index && c.key == e->key();
    });
    if (pos != pool_.end()) continue;
    if (pool_.size() >= kPoolSize) {
      if (idle <= pool_.front().idle) continue;
      pool_.erase(pool_.begin());
    }
    Candidate c{idle, db_index, std::string(e->key())};
    auto at = std::upper_bound(pool_.begin(), pool_.end(), idle,
                               [](uint64_t v, const Candidate& x) { return v < x.idle; });
    pool_.insert(at, std::move(c));
  }
}

void Evictor::EvictKey(int db_index, const std::string& key) {
  Database* db = h_.keyspace->db(db_index);
  (*h_.evicted_keys)++;
  h_.keyspace->DeleteKey(db, key, h_.config->lazyfree_lazy_eviction);
  h_.keyspace->NotifyKeyspaceEvent('e', "evicted", key, db_index);
  // Replicas and the AOF see an eviction as the DEL it is.
  h_.propagate(db_index, {"DEL", key});
}

bool Evictor::EvictOne() {
  bool volatile_only = policy_keys_ == kVolatile;
  int dbs = h_.keyspace->db_count();
  if (policy_order_ == kRandom) {
    // One key per call, taking the databases in turn.
    for (int tries = 0; tries < dbs; tries++) {
      int index = next_random_db_++ % dbs;
      Database* db = h_.keyspace->db(index);
      DbEntry* e = nullptr;
      if (volatile_only && db->volatile_count() > 0) {
        e = db->VolatileAt(h_.rng->Uniform(db->volatile_count()));
      } else if (!volatile_only && db->size() > 0) {
        e = db->table().RandomEntry(NextRandom, h_.rng);
      }
      if (e != nullptr) {
        EvictKey(index, std::string(e->key()));
        return true;
      }
    }
    return false;
  }
  for (int round = 0; round < 2; round++) {
    bool any = false;
    for (int i = 0; i < dbs; i++) {
      size_t n = volatile_only ? h_.keyspace->db(i)->volatile_count() : h_.keyspace->db(i)->size();
      if (n == 0) continue;
      any = true;
      SampleIntoPool(i, volatile_only);
    }
    if (!any) return false;
    // The best candidate that still exists (and, for volatile policies, still has a TTL).
    while (!pool_.empty()) {
      Candidate best = std::move(pool_.back());
      pool_.pop_back();
      DbEntry* e = h_.keyspace->db(best.db)->Find(best.key);
      if (e == nullptr || (volatile_only && !e->has_expire())) continue;
      EvictKey(best.db, best.key);
      return true;
    }
  }
  return false;
}

EvictResult Evictor::PerformEvictions() {
  const ServerConfig& config = *h_.config;
  if (config.maxmemory <= 0 || h_.loading()) return EvictResult::kOk;
  if (h_.is_replica() && config.replica_ignore_maxmemory) {
    return EvictResult::kOk;
  }
  uint64_t limit = static_cast<uint64_t>(config.maxmemory);
  uint64_t used = UsedMemory();
  if (used <= limit) return EvictResult::kOk;
  if (policy_keys_ == kNoEviction) return EvictResult::kFail;
  // Redis's budget: 500 us at tenacity 10, growing 15% per step above it.
  int64_t tenacity = config.maxmemory_eviction_tenacity;
  int64_t budget_us =
      tenacity >= 100
          ? INT64_MAX
          : static_cast<int64_t>(500.0 * std::pow(1.15, static_cast<double>(tenacity - 10)));
  int64_t start_us = h_.env->NowMicros();
  for (int n = 0; n < kMaxEvictionsPerRun; n++) {
    if (!EvictOne()) return EvictResult::kFail;
    used = UsedMemory();
    if (used <= limit) return EvictResult::kOk;
    if ((n & 15) == 15 && h_.env->NowMicros() - start_us > budget_us) break;
  }
  return EvictResult::kRunning;
}

}  // namespace redsim
