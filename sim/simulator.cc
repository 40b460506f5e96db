#include "sim/simulator.h"

#include <xxhash.h>

#include <algorithm>
#include <boost/fiber/algo/algorithm.hpp>
#include <boost/fiber/all.hpp>
#include <cstdio>
#include <cstdlib>

#include "sim/fiber.h"

namespace redsim::sim {

struct Simulator::FiberSet {
  std::vector<boost::fibers::fiber> fibers;
};

namespace {
// The simulator whose run is in progress (the newest one built), for failure reports only.
const Simulator* running_simulator = nullptr;
}  // namespace

const Simulator* Simulator::Running() { return running_simulator; }

Simulator::Simulator(uint64_t seed) : seed_(seed), fibers_(std::make_unique<FiberSet>()) {
  running_simulator = this;
  hosts_.push_back(nullptr);  // HostId 0 is "no host"
  held_.emplace_back();
  InstallFiberAlgorithm(Random::Derive(seed, "fiber-scheduler"));
  trace_hash_ = Random::Derive(seed, "trace");
}

Simulator::~Simulator() {
  if (running_simulator == this) running_simulator = nullptr;
  // Fibers must be joined (or never started) before the simulator goes away.
  for (auto& f : fibers_->fibers) {
    if (f.joinable()) f.detach();
  }
}

uint32_t Simulator::AllocSlot() {
  uint32_t slot;
  if (!free_slots_.empty()) {
    slot = free_slots_.back();
    free_slots_.pop_back();
  } else {
    slot = static_cast<uint32_t>(slots_.size());
    slots_.emplace_back();
  }
  Slot& s = slots_[slot];
  s.in_use = true;
  s.cancelled = false;
  return slot;
}

void Simulator::FreeSlot(uint32_t slot) {
  Slot& s = slots_[slot];
  s.generation = s.generation == UINT32_MAX ? 1 : s.generation + 1;
  s.in_use = false;
  s.target = nullptr;
  s.hold.reset();
  s.fn = nullptr;
  free_slots_.push_back(slot);
}

EventId Simulator::Push(int64_t t_ns, uint32_t slot) {
  if (t_ns < now_ns_) t_ns = now_ns_;
  heap_.push_back(HeapEntry{t_ns, next_seq_++, slot});
  std::push_heap(heap_.begin(), heap_.end(), Later());
  return (static_cast<uint64_t>(slot) << 32) | slots_[slot].generation;
}

EventId Simulator::At(int64_t t_ns, HostId host, std::function<void()> fn, TraceKind kind) {
  uint32_t slot = AllocSlot();
  Slot& s = slots_[slot];
  s.host = host;
  s.incarnation = host != kNoHost ? hosts_[host]->incarnation : 0;
  s.kind = kind;
  s.fn = std::move(fn);
  return Push(t_ns, slot);
}

EventId Simulator::AtTarget(int64_t t_ns, HostId host, EventTarget* target, int64_t arg,
                            std::shared_ptr<void> hold, TraceKind kind) {
  uint32_t slot = AllocSlot();
  Slot& s = slots_[slot];
  s.host = host;
  s.incarnation = host != kNoHost ? hosts_[host]->incarnation : 0;
  s.kind = kind;
  s.target = target;
  s.arg = arg;
  s.hold = std::move(hold);
  return Push(t_ns, slot);
}

void Simulator::Cancel(EventId id) {
  if (id == 0) return;
  uint32_t slot = static_cast<uint32_t>(id >> 32);
  uint32_t generation = static_cast<uint32_t>(id);
  if (slot < slots_.size() && slots_[slot].generation == generation && slots_[slot].in_use) {
    slots_[slot].cancelled = true;
    // Release captured state now; the heap entry is skipped when it comes up.
    slots_[slot].fn = nullptr;
    slots_[slot].hold.reset();
  }
}

void Simulator::Trace(TraceKind kind, uint64_t a, uint64_t b) {
  uint64_t data[4] = {static_cast<uint64_t>(kind), static_cast<uint64_t>(now_ns_), a, b};
  trace_hash_ = XXH3_64bits_withSeed(data, sizeof(data), trace_hash_);
  if (trace_sink_) trace_sink_(now_ns_, kind, a, b);
}

void Simulator::Execute(uint32_t slot, int64_t t, uint64_t seq) {
  now_ns_ = std::max(now_ns_, t);
  Slot& s = slots_[slot];
  current_host_ = s.host;
  Trace(s.kind, s.host, seq);
  events_executed_++;
  if (events_executed_ > max_events_) {
    fprintf(stderr, "simulator: event bound (%llu) exceeded at t=%lld ns, seed %llu\n",
            static_cast<unsigned long long>(max_events_), static_cast<long long>(now_ns_),
            static_cast<unsigned long long>(seed_));
    abort();
  }
  // Move the body out first: the callback may schedule events that reuse this slot.
  EventTarget* target = s.target;
  int64_t arg = s.arg;
  std::shared_ptr<void> hold = std::move(s.hold);
  std::function<void()> fn = std::move(s.fn);
  FreeSlot(slot);
  if (target != nullptr)
    target->Fire(arg);
  else if (fn)
    fn();
  current_host_ = kNoHost;
  RunDeferred();
  RunReadyFibers();
}

bool Simulator::Step() {
  while (!heap_.empty()) {
    std::pop_heap(heap_.begin(), heap_.end(), Later());
    HeapEntry top = heap_.back();
    heap_.pop_back();
    Slot& s = slots_[top.slot];
    if (s.cancelled) {
      FreeSlot(top.slot);
      continue;
    }
    if (s.host != kNoHost) {
      Host& h = *hosts_[s.host];
      if (s.incarnation != h.incarnation) {  // the host crashed since
        FreeSlot(top.slot);
        continue;
      }
      if (h.paused || h.busy_until_ns > top.t) {
        now_ns_ = std::max(now_ns_, top.t);
        held_[s.host].push_back(top.slot);
        continue;
      }
    }
    Execute(top.slot, top.t, top.seq);
    return true;
  }
  return false;
}

void Simulator::RunUntil(int64_t t_ns) {
  RunDeferred();
  RunReadyFibers();
  while (!heap_.empty() && heap_.front().t <= t_ns) {
    if (!Step()) break;
  }
  if (now_ns_ < t_ns) now_ns_ = t_ns;
}

void Simulator::RunDeferred() {
  if (hosts_with_deferred_.empty()) return;
  // Deferred calls may defer more; each round runs what was queued before it started. The
  // scratch vectors are swapped back and forth so no round allocates once they are warm.
  // (Locals hold the scratch while in use, so a nested call could not clobber it.)
  std::vector<HostId> hosts;
  hosts.swap(deferred_hosts_scratch_);
  for (int round = 0; round < 64 && !hosts_with_deferred_.empty(); round++) {
    hosts.clear();
    hosts.swap(hosts_with_deferred_);
    for (HostId id : hosts) {
      Host& h = *hosts_[id];
      if (h.paused || h.busy_until_ns > now_ns_) {
        hosts_with_deferred_.push_back(id);  // runs after resume
        continue;
      }
      std::vector<std::function<void()>> batch;
      batch.swap(deferred_batch_scratch_);
      batch.swap(h.deferred);
      current_host_ = id;
      for (auto& fn : batch) fn();
      current_host_ = kNoHost;
      batch.clear();
      // Keep the larger buffer for the host's next deferred calls, the other as scratch.
      if (h.deferred.empty()) {
        h.deferred.swap(batch);
      }
      deferred_batch_scratch_.swap(batch);
    }
    bool runnable = false;
    for (HostId id : hosts_with_deferred_) {
      Host& h = *hosts_[id];
      if (!h.paused && h.busy_until_ns <= now_ns_ && h.has_deferred()) runnable = true;
    }
    if (!runnable) break;
  }
  hosts.clear();
  deferred_hosts_scratch_.swap(hosts);
}

HostId Simulator::AddHost(std::string name, std::string address) {
  auto h = std::make_unique<Host>();
  h->id = static_cast<HostId>(hosts_.size());
  h->rng = StreamFor("host:" + name);
  h->name = std::move(name);
  h->address = std::move(address);
  HostId id = h->id;
  hosts_.push_back(std::move(h));
  held_.emplace_back();
  return id;
}

int64_t Simulator::HostMonotonicNs(HostId id) const {
  const Host& h = *hosts_[id];
  __int128 skew = static_cast<__int128>(now_ns_) * h.drift_ppb / 1'000'000'000;
  return now_ns_ + static_cast<int64_t>(skew) + h.mono_offset_ns;
}

int64_t Simulator::HostWallNs(HostId id) const {
  return kEpochNs + HostMonotonicNs(id) + hosts_[id]->wall_offset_ns;
}

int64_t Simulator::HostDelayToTrueNs(HostId id, int64_t delay_ns) const {
  const Host& h = *hosts_[id];
  if (h.drift_ppb == 0) return delay_ns;
  __int128 scaled = static_cast<__int128>(delay_ns) * 1'000'000'000 / (1'000'000'000 + h.drift_ppb);
  return static_cast<int64_t>(scaled);
}

void Simulator::Defer(HostId id, std::function<void()> fn) {
  Host& h = *hosts_[id];
  if (!h.has_deferred()) hosts_with_deferred_.push_back(id);
  h.deferred.push_back(std::move(fn));
}

void Simulator::PauseHost(HostId id) { hosts_[id]->paused = true; }

void Simulator::ResumeHost(HostId id) {
  Host& h = *hosts_[id];
  h.paused = false;
  if (h.busy_until_ns > now_ns_) return;  // still busy: released by its own timer
  std::vector<uint32_t> held;
  held.swap(held_[id]);
  for (uint32_t slot : held) {
    if (slots_[slot].incarnation == h.incarnation && !slots_[slot].cancelled) {
      Push(now_ns_, slot);
    } else {
      FreeSlot(slot);
    }
  }
  if (h.has_deferred()) {
    bool listed = false;
    for (HostId x : hosts_with_deferred_) listed |= x == id;
    if (!listed) hosts_with_deferred_.push_back(id);
  }
}

void Simulator::BusyHost(HostId id, int64_t ns) {
  Host& h = *hosts_[id];
  h.busy_until_ns = std::max(h.busy_until_ns, now_ns_ + ns);
  // Wake the host's held events when the stall ends.
  At(h.busy_until_ns, kNoHost, [this, id] {
    if (!hosts_[id]->paused && hosts_[id]->busy_until_ns <= now_ns_) ResumeHost(id);
  });
}

void Simulator::CrashHost(HostId id) {
  Host& h = *hosts_[id];
  h.incarnation++;
  h.deferred.clear();
  h.paused = false;
  h.busy_until_ns = 0;
  for (uint32_t slot : held_[id]) FreeSlot(slot);
  held_[id].clear();
}

void Simulator::Spawn(std::function<void()> fn) {
  running_fibers_++;
  fibers_->fibers.emplace_back([this, fn = std::move(fn)] {
    fn();
    running_fibers_--;
  });
}

void Simulator::RunReadyFibers() {
  while (FiberAlgorithmHasReady()) boost::this_fiber::yield();
}

void Simulator::SleepFiber(int64_t ns) {
  FiberEvent done;
  At(now_ns_ + ns, kNoHost, [&done] { done.Notify(); });
  done.Wait();
}

void Simulator::JoinFibers() {
  for (auto& f : fibers_->fibers) {
    if (f.joinable()) f.join();
  }
  fibers_->fibers.clear();
}

size_t Simulator::live_fibers() const { return fibers_->fibers.size(); }

}  // namespace redsim::sim
