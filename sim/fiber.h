// Fibers under simulation: a Boost.Fiber scheduling algorithm that picks the next ready fiber
// from a seeded random stream (so interleavings are explored, yet replay exactly), and a one-shot
// FiberEvent for waiting without any timed Boost.Fiber call (those read the real steady clock;
// every timed wait here goes through simulator events instead).
#pragma once

#include <boost/fiber/condition_variable.hpp>
#include <boost/fiber/mutex.hpp>
#include <cstdint>
#include <mutex>

namespace redsim::sim {

// Installs the deterministic algorithm on the calling thread (once per thread; later calls
// re-seed it).
void InstallFiberAlgorithm(uint64_t seed);
// True when a fiber other than the caller is ready to run.
bool FiberAlgorithmHasReady();

// A flag a fiber can wait on until another fiber or an event callback sets it.
class FiberEvent {
 public:
  void Wait() {
    std::unique_lock<boost::fibers::mutex> lock(mutex_);
    cv_.wait(lock, [this] { return set_; });
  }
  void Notify() {
    {
      std::lock_guard<boost::fibers::mutex> lock(mutex_);
      set_ = true;
    }
    cv_.notify_all();
  }
  bool is_set() const { return set_; }
  void Reset() { set_ = false; }

 private:
  boost::fibers::mutex mutex_;
  boost::fibers::condition_variable cv_;
  bool set_ = false;
};

}  // namespace redsim::sim
