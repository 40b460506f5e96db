// Fibers under simulation: a Boost.Fiber scheduling algorithm that picks the next ready fiber
// from a seeded random stream (so interleavings are explored, yet replay exactly), and a one-shot
// FiberEvent for waiting without any timed Boost.Fiber call (those read the real steady clock;
// every timed wait here goes through simulator events instead).
#pragma once

#include <boost/fiber/context.hpp>
#include <cstdint>

namespace redsim::sim {

// Installs the deterministic algorithm on the calling thread (once per thread; later calls
// re-seed it).
void InstallFiberAlgorithm(uint64_t seed);
// True when a fiber other than the caller is ready to run.
bool FiberAlgorithmHasReady();

// A flag a fiber can wait on until another fiber or an event callback sets it. Waiters suspend
// their Boost.Fiber context directly and Notify schedules them in the order they started waiting
// (what a condition variable's notify_all does, without its mutex and spinlocks: every fiber
// here runs on one thread, so nothing can race).
class FiberEvent {
 public:
  FiberEvent() = default;
  FiberEvent(const FiberEvent&) = delete;
  FiberEvent& operator=(const FiberEvent&) = delete;

  void Wait() {
    while (!set_) {
      Waiter me{boost::fibers::context::active(), nullptr};
      if (tail_ == nullptr)
        head_ = &me;
      else
        tail_->next = &me;
      tail_ = &me;
      me.ctx->suspend();
    }
  }
  void Notify() {
    set_ = true;
    Waiter* w = head_;
    head_ = tail_ = nullptr;
    if (w == nullptr) return;
    boost::fibers::context* active = boost::fibers::context::active();
    while (w != nullptr) {
      // Read the link first: once scheduled, the waiter's frame may be gone before we return.
      Waiter* next = w->next;
      active->schedule(w->ctx);
      w = next;
    }
  }
  bool is_set() const { return set_; }
  void Reset() { set_ = false; }

 private:
  // Lives on the waiting fiber's stack while it is suspended.
  struct Waiter {
    boost::fibers::context* ctx;
    Waiter* next;
  };
  Waiter* head_ = nullptr;
  Waiter* tail_ = nullptr;
  bool set_ = false;
};

}  // namespace redsim::sim
