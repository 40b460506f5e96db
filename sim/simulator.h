// Simulator: the deterministic runtime. One OS thread, one event queue ordered by (virtual time,
// sequence number), simulated hosts with their own clocks, and Boost.Fiber fibers scheduled by a
// seeded algorithm. When no fiber is ready, time jumps to the next event.
//
// Invariants:
//  * Nothing here reads a wall clock, a global random source, or starts a thread. Every random
//    choice comes from streams derived from the run's seed (Random::Derive(seed, label)).
//  * Events with equal times run in the order they were scheduled.
//  * An event owned by a host is dropped if the host crashed after it was scheduled (incarnation
//    changed) and is held back while the host is paused or busy; held events run in their
//    original order when the host resumes.
//  * Every executed event is folded into the trace hash, so two runs of one seed print the same
//    hash exactly when they executed the same events at the same times.
#pragma once

#include <climits>
#include <cstdint>
#include <functional>
#include <limits>
#include <memory>
#include <queue>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "engine/base/random.h"

namespace redsim::sim {

using HostId = uint32_t;
using EventId = uint64_t;
inline constexpr HostId kNoHost = 0;
inline constexpr int64_t kForever = std::numeric_limits<int64_t>::max();

class FiberAlgorithm;

// An object that receives events without allocating a closure per event (network deliveries,
// wake-ups): Fire(arg) runs when the event does.
class EventTarget {
 public:
  virtual ~EventTarget() = default;
  virtual void Fire(int64_t arg) = 0;
};

// Kinds of trace entries (folded into the trace hash with their details).
enum class TraceKind : uint64_t {
  kTimer = 1,
  kDelivery = 2,
  kConnect = 3,
  kReply = 4,
  kFault = 5,
  kClientOp = 6,
  kDisk = 7,
};

// A simulated machine: its clocks, its run state and its deferred ("before sleep") calls.
struct Host {
  HostId id = kNoHost;
  std::string name;
  std::string address;  // e.g. "10.0.0.1"
  uint32_t incarnation = 0;
  bool paused = false;
  int64_t busy_until_ns = 0;  // BlockingSleep: unresponsive until then
  // Clocks: monotonic = true time * (1 + drift_ppb/1e9) + mono_offset; wall = epoch + monotonic
  // + wall_offset (a clock jump changes wall_offset only). Integer math, so every platform
  // computes the same times.
  int64_t drift_ppb = 0;
  int64_t mono_offset_ns = 0;
  int64_t wall_offset_ns = 0;
  Random rng;
  std::vector<std::function<void()>> deferred;
  bool has_deferred() const { return !deferred.empty(); }
};

class Simulator {
 public:
  // The Unix time (ns) at which every simulated run starts: 2026-01-01T00:00:00Z.
  static constexpr int64_t kEpochNs = 1767225600LL * 1000000000LL;

  explicit Simulator(uint64_t seed);
  ~Simulator();
  // The simulator built last and not yet destroyed: what a failed REDSIM_CHECK reports the
  // simulated time of. One run at a time per process, so there is never more than one.
  static const Simulator* Running();
  Simulator(const Simulator&) = delete;
  Simulator& operator=(const Simulator&) = delete;

  uint64_t seed() const { return seed_; }
  // True (simulator) time in ns since the start of the run.
  int64_t now_ns() const { return now_ns_; }
  // A random generator for a named component, independent of every other component's.
  Random StreamFor(std::string_view label) const { return Random(Random::Derive(seed_, label)); }

  // ---- Events ---------------------------------------------------------------------------------
  // Runs `fn` at absolute time `t_ns` (clamped to now). With a host, the event belongs to it.
  EventId At(int64_t t_ns, HostId host, std::function<void()> fn,
             TraceKind kind = TraceKind::kTimer);
  EventId After(int64_t delay_ns, HostId host, std::function<void()> fn,
                TraceKind kind = TraceKind::kTimer) {
    return At(now_ns_ + delay_ns, host, std::move(fn), kind);
  }
  // Runs target->Fire(arg) at `t_ns`; `hold` keeps the target alive until then.
  EventId AtTarget(int64_t t_ns, HostId host, EventTarget* target, int64_t arg,
                   std::shared_ptr<void> hold, TraceKind kind);
  // Cancels an event that has not run (no-op otherwise).
  void Cancel(EventId id);

  // Executes the next event (and then the deferred calls and ready fibers it caused). Returns
  // false when there is nothing left to run.
  bool Step();
  // Runs every event up to `t_ns`, then sets the time to `t_ns`.
  void RunUntil(int64_t t_ns);
  size_t pending_events() const { return heap_.size(); }
  uint64_t events_executed() const { return events_executed_; }
  // Bound on events per run: hitting it is an error in the scenario, never silent growth.
  void set_max_events(uint64_t n) { max_events_ = n; }

  // ---- Hosts ----------------------------------------------------------------------------------
  HostId AddHost(std::string name, std::string address);
  Host& host(HostId id) { return *hosts_[id]; }
  size_t host_count() const { return hosts_.size() - 1; }
  // The host whose event is running (kNoHost for simulator-level events and fibers).
  HostId current_host() const { return current_host_; }
  // Host clocks.
  int64_t HostMonotonicNs(HostId id) const;
  int64_t HostWallNs(HostId id) const;
  // Converts a delay on the host's monotonic clock into true time.
  int64_t HostDelayToTrueNs(HostId id, int64_t delay_ns) const;
  // Queues a host's deferred call (Env::Defer).
  void Defer(HostId id, std::function<void()> fn);
  void PauseHost(HostId id);
  void ResumeHost(HostId id);
  // Makes the host unresponsive until now + ns (DEBUG SLEEP, a long script).
  void BusyHost(HostId id, int64_t ns);
  // Drops every pending event and deferred call of the host (crash). Its incarnation changes.
  void CrashHost(HostId id);

  // ---- Fibers ---------------------------------------------------------------------------------
  // Starts a fiber; it runs when the simulator next runs ready fibers.
  void Spawn(std::function<void()> fn);
  // Runs ready fibers until none is ready.
  void RunReadyFibers();
  // Blocks the calling fiber for `ns` of true time.
  void SleepFiber(int64_t ns);
  // Joins every fiber spawned (call after asking them to stop and running the loop dry).
  void JoinFibers();
  size_t live_fibers() const;
  // Fibers spawned that have not returned yet.
  size_t running_fibers() const { return running_fibers_; }

  // ---- Trace ----------------------------------------------------------------------------------
  void Trace(TraceKind kind, uint64_t a = 0, uint64_t b = 0);
  uint64_t trace_hash() const { return trace_hash_; }
  // Receives every trace entry as it is folded (for writing a trace file); off by default.
  using TraceSink = std::function<void(int64_t t_ns, TraceKind kind, uint64_t a, uint64_t b)>;
  void set_trace_sink(TraceSink sink) { trace_sink_ = std::move(sink); }

 private:
  // Event bodies live in reusable slots; the heap orders small (time, seq, slot) entries, so
  // scheduling costs no allocation once the slots are warm and cancelling is O(1).
  struct Slot {
    uint32_t generation = 1;  // EventId 0 means "none"
    HostId host = kNoHost;
    uint32_t incarnation = 0;
    TraceKind kind = TraceKind::kTimer;
    bool cancelled = false;
    bool in_use = false;
    EventTarget* target = nullptr;
    int64_t arg = 0;
    std::shared_ptr<void> hold;
    std::function<void()> fn;
  };
  struct HeapEntry {
    int64_t t;
    uint64_t seq;
    uint32_t slot;
  };
  struct Later {
    bool operator()(const HeapEntry& a, const HeapEntry& b) const {
      return a.t != b.t ? a.t > b.t : a.seq > b.seq;
    }
  };
  uint32_t AllocSlot();
  void FreeSlot(uint32_t slot);
  EventId Push(int64_t t_ns, uint32_t slot);
  void RunDeferred();
  void Execute(uint32_t slot, int64_t t, uint64_t seq);

  uint64_t seed_;
  int64_t now_ns_ = 0;
  uint64_t next_seq_ = 1;
  uint64_t trace_hash_ = 0;
  uint64_t events_executed_ = 0;
  uint64_t max_events_ = 2'000'000'000ULL;
  HostId current_host_ = kNoHost;
  std::vector<HeapEntry> heap_;
  std::vector<Slot> slots_;
  std::vector<uint32_t> free_slots_;
  std::vector<std::unique_ptr<Host>> hosts_;
  // Events (slots) held while their host is paused or busy, in pop order.
  std::vector<std::vector<uint32_t>> held_;
  std::vector<HostId> hosts_with_deferred_;
  std::vector<HostId> deferred_hosts_scratch_;
  std::vector<std::function<void()>> deferred_batch_scratch_;
  struct FiberSet;
  std::unique_ptr<FiberSet> fibers_;
  TraceSink trace_sink_;
  size_t running_fibers_ = 0;
};

}  // namespace redsim::sim
