// ManualEnv: an Env for in-process tests. Time moves only when the test says so; timers fire and
// deferred calls run when the test advances the clock or drains pending work. No network (Listen
// succeeds without listening); files go to the real filesystem under the path given.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <vector>

#include "engine/env/env.h"
#include "engine/env/posix_env.h"

namespace redsim::testing {

class ManualEnv : public EnvWrapper {
 public:
  ManualEnv() : EnvWrapper(&posix_) {}

  int64_t NowMicros() override {
    now_us_ += auto_advance_us_;
    return now_us_;
  }
  int64_t WallMicros() override { return wall_offset_us_ + now_us_; }
  TimerId AddTimer(int64_t delay_us, std::function<void()> fn) override {
    TimerId id = next_timer_++;
    timers_[{now_us_ + std::max<int64_t>(0, delay_us), id}] = std::move(fn);
    return id;
  }
  void CancelTimer(TimerId id) override {
    for (auto it = timers_.begin(); it != timers_.end(); ++it) {
      if (it->first.second == id) {
        timers_.erase(it);
        return;
      }
    }
  }
  void Defer(std::function<void()> fn) override { deferred_.push_back(std::move(fn)); }
  // Syncs inline and completes on the next Drain: the wrapped PosixEnv would use its background
  // thread, whose completions arrive through an event loop this env never runs (a BGSAVE or an
  // AOF fsync would then never finish).
  void SyncInBackground(WritableFile* file, std::function<void(Status)> done) override {
    Status s = file->Sync();
    Defer([done = std::move(done), s] { done(s); });
  }
  Status Listen(const std::string&, int port, AcceptHandler*,
                std::unique_ptr<Listener>* listener) override {
    struct NoListener : Listener {
      int port;
      int Port() const override { return port; }
    };
    auto l = std::make_unique<NoListener>();
    l->port = port;
    *listener = std::move(l);
    return Status::Ok();
  }
  void BlockingSleep(int64_t us) override { now_us_ += us; }
  void RandomBytes(void* buffer, size_t size) override {
    auto* p = static_cast<unsigned char*>(buffer);
    for (size_t i = 0; i < size; i++) p[i] = static_cast<unsigned char>(seed_++ * 131 + 7);
  }
  int64_t ProcessId() override { return 1; }

  // Runs deferred calls until none are left.
  void Drain() {
    for (int round = 0; round < 1000 && !deferred_.empty(); round++) {
      std::vector<std::function<void()>> batch;
      batch.swap(deferred_);
      for (auto& fn : batch) fn();
    }
  }
  // Moves time forward, firing due timers in order (and draining after each).
  void Advance(int64_t us) {
    int64_t target = now_us_ + us;
    Drain();
    while (!timers_.empty() && timers_.begin()->first.first <= target) {
      auto it = timers_.begin();
      now_us_ = std::max(now_us_, it->first.first);
      auto fn = std::move(it->second);
      timers_.erase(it);
      fn();
      Drain();
    }
    now_us_ = target;
  }
  void set_wall_offset_us(int64_t v) { wall_offset_us_ = v; }
  // Replaces the allocator's count (eviction tests measure a deterministic figure instead).
  void set_allocated_bytes(std::function<uint64_t()> fn) { allocated_bytes_ = std::move(fn); }
  uint64_t AllocatedBytes() override {
    return allocated_bytes_ ? allocated_bytes_() : EnvWrapper::AllocatedBytes();
  }
  // Makes every NowMicros() read move time forward (a long-running script's clock).
  void set_auto_advance_us(int64_t v) { auto_advance_us_ = v; }
  // Called from PollIoWhileBusy: the test plays the other clients there.
  void set_poll_hook(std::function<void()> fn) { poll_hook_ = std::move(fn); }
  void PollIoWhileBusy() override {
    if (poll_hook_) poll_hook_();
  }

 private:
  PosixEnv posix_;
  int64_t auto_advance_us_ = 0;
  std::function<void()> poll_hook_;
  int64_t now_us_ = 1'000'000;
  int64_t wall_offset_us_ = 1'700'000'000'000'000;
  uint64_t next_timer_ = 1;
  uint64_t seed_ = 1;
  std::map<std::pair<int64_t, TimerId>, std::function<void()>> timers_;
  std::vector<std::function<void()>> deferred_;
  std::function<uint64_t()> allocated_bytes_;
};

}  // namespace redsim::testing
