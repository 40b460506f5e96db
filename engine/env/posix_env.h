// PosixEnv: the real-mode Env. An epoll loop on one thread drives sockets, timers and deferred
// calls; files are POSIX files; clocks are CLOCK_MONOTONIC and CLOCK_REALTIME; randomness comes
// from getrandom(2). This is the only place in the engine that talks to the OS.
#pragma once

#include <csignal>
#include <cstdint>
#include <functional>
#include <memory>
#include <queue>
#include <string>
#include <unordered_map>
#include <vector>

#include "engine/env/env.h"

namespace redsim {

class PosixEnv : public Env {
 public:
  PosixEnv();
  ~PosixEnv() override;
  PosixEnv(const PosixEnv&) = delete;
  PosixEnv& operator=(const PosixEnv&) = delete;

  // Runs the event loop until Stop() is called (from a callback).
  void Run();
  void Stop() { stop_ = true; }
  // Calls `fn` on the loop when one of `signals` arrives (SIGTERM, SIGINT...). The signals are
  // blocked for normal delivery and read through a signalfd.
  void HandleSignals(const std::vector<int>& signals, std::function<void(int)> fn);

  // Env.
  int64_t NowMicros() override;
  int64_t WallMicros() override;
  TimerId AddTimer(int64_t delay_us, std::function<void()> fn) override;
  void CancelTimer(TimerId id) override;
  void Defer(std::function<void()> fn) override;
  Status Listen(const std::string& host, int port, AcceptHandler* handler,
                std::unique_ptr<Listener>* listener) override;
  void Connect(const std::string& host, int port, int64_t timeout_us,
               ConnectCallback done) override;
  Status OpenWritable(const std::string& path, bool truncate,
                      std::unique_ptr<WritableFile>* file) override;
  Status OpenSequential(const std::string& path, std::unique_ptr<SequentialFile>* file) override;
  Status RenameFile(const std::string& from, const std::string& to) override;
  Status RemoveFile(const std::string& path) override;
  Status TruncateFile(const std::string& path, uint64_t size) override;
  Status CreateDir(const std::string& path) override;
  Status SyncDir(const std::string& dir) override;
  Status ListDir(const std::string& dir, std::vector<std::string>* names) override;
  bool FileExists(const std::string& path) override;
  Status FileSize(const std::string& path, uint64_t* size) override;
  void BlockingSleep(int64_t us) override;
  void PollIoWhileBusy() override;
  void SyncInBackground(WritableFile* file, std::function<void(Status)> done) override;
  void RandomBytes(void* buffer, size_t size) override;
  int64_t ProcessId() override;
  uint64_t ResidentBytes() override;
  uint64_t AllocatedBytes() override;
  std::string AllocatorName() override;
  void CpuSeconds(double* sys, double* user) override;

  // Internal: file descriptors registered with the loop.
  class Watcher {
   public:
    virtual ~Watcher() = default;
    virtual void OnEvents(uint32_t events) = 0;
  };
  // Registers `fd` with `events` (EPOLLIN/EPOLLOUT); returns a token for Modify/Remove.
  uint64_t AddWatch(int fd, uint32_t events, Watcher* w);
  void ModifyWatch(uint64_t token, int fd, uint32_t events);
  void RemoveWatch(uint64_t token, int fd);

 private:
  struct TimerEntry {
    int64_t deadline_us;
    uint64_t seq;
    TimerId id;
    bool operator>(const TimerEntry& o) const {
      return deadline_us != o.deadline_us ? deadline_us > o.deadline_us : seq > o.seq;
    }
  };
  void RunTimers();
  void RunDeferred();
  int NextTimeoutMs();

  int epoll_fd_ = -1;
  bool stop_ = false;
  uint64_t next_token_ = 1;
  std::unordered_map<uint64_t, Watcher*> watchers_;
  std::priority_queue<TimerEntry, std::vector<TimerEntry>, std::greater<TimerEntry>> timers_;
  std::unordered_map<TimerId, std::function<void()>> timer_fns_;
  uint64_t next_timer_ = 1;
  uint64_t timer_seq_ = 0;
  std::vector<std::function<void()>> deferred_;
  std::unique_ptr<Watcher> signal_watcher_;
  // The background I/O thread (fsyncs), started on first use.
  struct BackgroundIo;
  std::unique_ptr<BackgroundIo> bio_;
};

}  // namespace redsim
