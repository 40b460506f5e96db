// LazyFreer: frees big values and flushed databases in bounded steps, so that UNLINK of a
// ten-million-member set, FLUSHALL ASYNC or the lazyfree-lazy-* options never stall the event
// loop. Redis does this on a background thread; redsim has no threads under simulation, so the
// work is cut into steps run from an Env timer (delay 0: the loop polls for I/O between steps).
//
// A step frees at most kElementsPerStep elements and, in real mode, stops after about
// kStepBudgetMicros of wall time (under simulation time does not pass inside a callback, so the
// element count alone bounds it). Values with at most kLazyThreshold elements are freed at once,
// as Redis frees them synchronously too (LAZYFREE_THRESHOLD).
//
// Invariants: each queued value or database is owned by the queue until fully freed; the
// destructor frees whatever is left synchronously (the server is going away).
//
// Families make their values freeable in steps by overriding Object::FreeSomeElements; a value
// whose type does not is freed whole in one step (still off the command's path).
#pragma once

#include <cstdint>
#include <deque>
#include <memory>

#include "engine/db/database.h"
#include "engine/db/value.h"
#include "engine/env/env.h"

namespace redsim {

class Server;

class LazyFreer {
 public:
  static constexpr size_t kLazyThreshold = 64;
  static constexpr size_t kElementsPerStep = 64 * 1024;
  static constexpr int64_t kStepBudgetMicros = 1000;

  explicit LazyFreer(Env* env);
  ~LazyFreer();
  LazyFreer(const LazyFreer&) = delete;
  LazyFreer& operator=(const LazyFreer&) = delete;

  // Takes ownership of `value`: frees it now when small, else queues it.
  void Free(Value value);
  // Takes ownership of a database's former contents (FLUSHALL/FLUSHDB ASYNC).
  void FreeDatabase(std::unique_ptr<Database> db);

  // Values and databases waiting to be freed (INFO lazyfree_pending_objects).
  size_t pending_objects() const { return values_.size() + databases_.size(); }
  // Objects freed through the queue so far (INFO lazyfreed_objects).
  uint64_t freed_objects() const { return freed_objects_; }
  // Longest single step so far, in microseconds of Env time (a stall measure).
  int64_t longest_step_us() const { return longest_step_us_; }
  // Runs steps until nothing is pending (tests, shutdown).
  void Drain();
  // Runs one step now (tests).
  void RunStep() { Step(); }

 private:
  void Schedule();
  void Step();
  // Frees up to `budget` elements of the front value; returns elements spent.
  size_t StepValue(size_t budget);
  size_t StepDatabase(size_t budget);
  bool OutOfTime(int64_t start_us) const;

  Env* env_;
  std::deque<Value> values_;
  std::deque<std::unique_ptr<Database>> databases_;
  uint64_t db_cursor_ = 0;
  TimerId timer_ = 0;
  bool scheduled_ = false;
  uint64_t freed_objects_ = 0;
  int64_t longest_step_us_ = 0;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

// Frees `value` through the server's queue (small values are freed at once).
void LazyFree(Server* server, Value value);

}  // namespace redsim
