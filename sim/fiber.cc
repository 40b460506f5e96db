#include "sim/fiber.h"

#include <boost/fiber/algo/algorithm.hpp>
#include <boost/fiber/context.hpp>
#include <boost/fiber/operations.hpp>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include "engine/base/random.h"

namespace redsim::sim {

namespace {

class SeededAlgorithm : public boost::fibers::algo::algorithm {
 public:
  explicit SeededAlgorithm(uint64_t seed) : rng_(seed) {}
  void Reseed(uint64_t seed) {
    rng_.Seed(seed);
    dispatch_counter_ = 0;
  }

  void awakened(boost::fibers::context* ctx) noexcept override {
    ready_.push_back(ctx);
    if (ctx->is_context(boost::fibers::type::worker_context)) workers_ready_++;
  }

  // Ready simulation fibers run first, in an order drawn from the seed; the main context (the
  // simulator loop) resumes only when none is ready, so one yield from the loop runs every fiber
  // that an event made ready. Boost's dispatcher context, which frees finished fibers, runs
  // when nothing else is ready and otherwise every 16th time it is eligible.
  boost::fibers::context* pick_next() noexcept override {
    if (ready_.empty()) return nullptr;
    size_t pick = ready_.size();
    if (workers_ready_ > 0) {
      uint64_t nth = rng_.Uniform(workers_ready_);
      for (size_t i = 0; i < ready_.size(); i++) {
        if (ready_[i]->is_context(boost::fibers::type::worker_context) && nth-- == 0) {
          pick = i;
          break;
        }
      }
      workers_ready_--;
    } else {
      size_t main = ready_.size(), dispatcher = ready_.size();
      for (size_t i = 0; i < ready_.size(); i++) {
        if (ready_[i]->is_context(boost::fibers::type::dispatcher_context))
          dispatcher = i;
        else
          main = i;
      }
      bool run_dispatcher =
          dispatcher < ready_.size() && (main == ready_.size() || (++dispatch_counter_ & 15) == 0);
      pick = run_dispatcher ? dispatcher : main;
    }
    boost::fibers::context* ctx = ready_[pick];
    ready_[pick] = ready_.back();
    ready_.pop_back();
    return ctx;
  }

  bool has_ready_fibers() const noexcept override { return !ready_.empty(); }

  void suspend_until(std::chrono::steady_clock::time_point const&) noexcept override {
    // Nothing is ready, not even the main fiber: every fiber waits on an event that only the
    // simulator loop (which runs on the main fiber) could deliver. That is a deadlock.
    fprintf(stderr, "simulator: every fiber is blocked (deadlock in simulated code)\n");
    abort();
  }

  void notify() noexcept override {}

  // Ready fibers the simulation spawned (not the main or dispatcher contexts, which Boost keeps
  // in the ready queue).
  size_t workers_ready() const { return workers_ready_; }

 private:
  Random rng_;
  std::vector<boost::fibers::context*> ready_;
  size_t workers_ready_ = 0;
  uint64_t dispatch_counter_ = 0;
};

thread_local SeededAlgorithm* g_algorithm = nullptr;

}  // namespace

void InstallFiberAlgorithm(uint64_t seed) {
  if (g_algorithm != nullptr) {
    g_algorithm->Reseed(seed);
    return;
  }
  auto* algo = new SeededAlgorithm(seed);
  g_algorithm = algo;
  // The scheduler takes ownership of the algorithm.
  boost::fibers::context::active()->get_scheduler()->set_algo(
      boost::fibers::algo::algorithm::ptr_t(algo));
}

bool FiberAlgorithmHasReady() { return g_algorithm != nullptr && g_algorithm->workers_ready() > 0; }

}  // namespace redsim::sim
