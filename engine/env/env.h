// The environment boundary: everything the engine needs from the outside world.
//
// The engine reaches clocks, timers, byte streams, files and randomness only through an Env.
// Real mode implements it with epoll and POSIX files (posix_env.h); simulation mode implements it
// on virtual time, a simulated network and a simulated disk (sim/). Each server instance receives
// its Env when it is built, so one process can host many nodes, each with its own clock, disk and
// address.
//
// Threading contract: every callback an Env delivers (stream readiness, accepts, connects, timers,
// deferred calls) runs on the Env's single event-loop thread, one at a time, never re-entrantly
// from inside another Env call. Engine code therefore needs no locks.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "engine/base/status.h"

namespace redsim {

// Result of a non-blocking read or write on a Stream.
struct IoResult {
  enum Kind : uint8_t {
    kOk,          // `bytes` were transferred (always > 0)
    kWouldBlock,  // nothing can be transferred now; the handler is called when that changes
    kEof,         // the peer closed its sending side (reads only)
    kError,       // the connection is broken (reset, timed out); `error` says why
  };
  Kind kind = kOk;
  size_t bytes = 0;
  std::string error;

  static IoResult Ok(size_t n) { return {kOk, n, {}}; }
  static IoResult WouldBlock() { return {kWouldBlock, 0, {}}; }
  static IoResult Eof() { return {kEof, 0, {}}; }
  static IoResult Error(std::string why) { return {kError, 0, std::move(why)}; }
};

// Receives readiness notifications for one Stream. Notifications are level-style hints: after
// OnReadable the handler should read until kWouldBlock (or EOF/error); a handler that stops early
// is notified again later. OnWritable is delivered only after a Write returned fewer bytes than
// asked or kWouldBlock.
class StreamHandler {
 public:
  virtual ~StreamHandler() = default;
  virtual void OnReadable() = 0;
  virtual void OnWritable() = 0;
};

// A connected, ordered, reliable byte stream (a TCP connection in real mode).
class Stream {
 public:
  virtual ~Stream() = default;

  // Installs the handler that receives readiness notifications; nullptr stops them. The handler
  // must outlive the stream or be cleared before it is destroyed.
  virtual void SetHandler(StreamHandler* handler) = 0;

  // Copies up to `capacity` bytes that have arrived into `buffer`. Never blocks.
  virtual IoResult Read(char* buffer, size_t capacity) = 0;

  // Queues up to `size` bytes for sending and returns how many were accepted (possibly fewer than
  // `size`, or kWouldBlock when none were). Never blocks. Accepted bytes are delivered in order
  // unless the connection breaks.
  virtual IoResult Write(const char* data, size_t size) = 0;

  // Closes both directions. Idempotent. No notifications are delivered after Close returns.
  virtual void Close() = 0;

  // "ip:port" of the remote and local ends, as Redis prints them in CLIENT LIST.
  virtual std::string PeerAddress() const = 0;
  virtual std::string LocalAddress() const = 0;
};

// Receives connections accepted by a Listener.
class AcceptHandler {
 public:
  virtual ~AcceptHandler() = default;
  virtual void OnAccept(std::unique_ptr<Stream> stream) = 0;
};

// A listening socket. Destroying it stops accepting.
class Listener {
 public:
  virtual ~Listener() = default;
  virtual int Port() const = 0;
};

// A file opened for appending. Data appended is visible to readers at once, but survives a crash
// only after Sync returns OK (and, for a new file, after the directory is synced too).
class WritableFile {
 public:
  virtual ~WritableFile() = default;
  virtual Status Append(std::string_view data) = 0;
  // Forces appended data to stable storage (fsync/fdatasync).
  virtual Status Sync() = 0;
  virtual Status Close() = 0;
  // Bytes in the file, including appended but not yet synced ones.
  virtual uint64_t Size() const = 0;
};

// A file opened for reading from the start.
class SequentialFile {
 public:
  virtual ~SequentialFile() = default;
  // Reads up to `capacity` bytes into `buffer`; sets *read to the count (0 at end of file).
  virtual Status Read(char* buffer, size_t capacity, size_t* read) = 0;
};

using TimerId = uint64_t;

class Env {
 public:
  virtual ~Env() = default;

  // ---- Clocks -------------------------------------------------------------------------------
  // Monotonic microseconds since an arbitrary origin. Never goes backwards; may drift in
  // simulation. Use it for timeouts, latencies and intervals.
  virtual int64_t NowMicros() = 0;
  // Wall-clock microseconds since the Unix epoch. May jump in either direction (NTP, or a
  // simulated clock fault). Use it for expiry times, TIME, LASTSAVE, stream IDs and logs.
  virtual int64_t WallMicros() = 0;

  // ---- Timers and deferred work --------------------------------------------------------------
  // Calls `fn` once, no earlier than `delay_us` microseconds from now (monotonic). Returns an id
  // for CancelTimer. Timers with equal deadlines fire in the order they were added.
  virtual TimerId AddTimer(int64_t delay_us, std::function<void()> fn) = 0;
  // Cancels a timer that has not fired. Cancelling an unknown or fired timer is a no-op.
  virtual void CancelTimer(TimerId id) = 0;
  // Calls `fn` once after the current batch of callbacks finishes and before the Env waits for
  // new events (Redis's "before sleep" point). Used to flush replies and the AOF in one go.
  virtual void Defer(std::function<void()> fn) = 0;

  // ---- Network -------------------------------------------------------------------------------
  // Starts accepting connections on host:port (port 0 picks a free one). `handler` must outlive
  // the listener.
  virtual Status Listen(const std::string& host, int port, AcceptHandler* handler,
                        std::unique_ptr<Listener>* listener) = 0;
  // Connects to host:port. `done` is called exactly once, later (never from inside Connect), with
  // the stream or the reason it failed (refused, timed out after `timeout_us`, unreachable).
  using ConnectCallback = std::function<void(Status, std::unique_ptr<Stream>)>;
  virtual void Connect(const std::string& host, int port, int64_t timeout_us,
                       ConnectCallback done) = 0;

  // ---- Files ---------------------------------------------------------------------------------
  // Opens `path` for appending, creating it if needed; `truncate` empties it first.
  virtual Status OpenWritable(const std::string& path, bool truncate,
                              std::unique_ptr<WritableFile>* file) = 0;
  virtual Status OpenSequential(const std::string& path, std::unique_ptr<SequentialFile>* file) = 0;
  // Atomically replaces `to` with `from` (rename(2) semantics).
  virtual Status RenameFile(const std::string& from, const std::string& to) = 0;
  virtual Status RemoveFile(const std::string& path) = 0;
  // Cuts a file to `size` bytes (durable after the next Sync of the file).
  virtual Status TruncateFile(const std::string& path, uint64_t size) = 0;
  virtual Status CreateDir(const std::string& path) = 0;  // OK if it exists
  // Makes creations, renames and removals inside `dir` durable.
  virtual Status SyncDir(const std::string& dir) = 0;
  virtual Status ListDir(const std::string& dir, std::vector<std::string>* names) = 0;
  virtual bool FileExists(const std::string& path) = 0;
  virtual Status FileSize(const std::string& path, uint64_t* size) = 0;

  // Makes `file`'s appended data durable without blocking the event loop: `done` runs on the
  // loop once the data is on stable storage (or the sync failed). The file must stay open until
  // then. Real mode uses a background thread (as Redis's bio thread does); simulation completes
  // the sync after a simulated disk latency. The default syncs inline and defers `done`.
  virtual void SyncInBackground(WritableFile* file, std::function<void(Status)> done) {
    Status s = file->Sync();
    Defer([done = std::move(done), s] { done(s); });
  }

  // Stalls this node for `us` microseconds: nothing else runs on it meanwhile (DEBUG SLEEP, a
  // script that runs long). Real mode sleeps the thread; simulation makes the node unresponsive
  // for that much virtual time.
  virtual void BlockingSleep(int64_t us) = 0;

  // Delivers pending stream and accept notifications now, without waiting, without running
  // timers or deferred calls. Called from inside a long-running script (re-entrantly, the one
  // exception to the threading contract above) so that other clients can be answered -BUSY.
  // Handlers must expect it only while the engine says a script is busy. Default: nothing
  // (simulation: a node running a script is simply unresponsive).
  virtual void PollIoWhileBusy() {}

  // ---- Randomness and identity --------------------------------------------------------------
  // Fills `buffer` with random bytes (from the OS in real mode, from the run's seed in
  // simulation). The engine seeds its own generators from this once.
  virtual void RandomBytes(void* buffer, size_t size) = 0;
  // A process id for logs and INFO (real pid, or a per-node number in simulation).
  virtual int64_t ProcessId() = 0;
  // Resident set size of the process in bytes, or 0 when unknown (simulation).
  virtual uint64_t ResidentBytes() { return 0; }
  // Bytes currently allocated by the process's allocator, or 0 when unknown (simulation, where
  // many nodes share one heap and the engine's own accounting is used instead).
  virtual uint64_t AllocatedBytes() { return 0; }
  // INFO's mem_allocator: "jemalloc-X.Y.Z" or "libc" (real mode), "simulated" by default.
  virtual std::string AllocatorName() { return "simulated"; }
  // CPU seconds used by the process (system, user); zeros when unknown.
  virtual void CpuSeconds(double* sys, double* user) {
    *sys = 0;
    *user = 0;
  }

  // ---- Probes and fault points (the simulated world's hooks) ---------------------------------
  // Counts a named rare path the engine just went through ("aof-truncated-tail-loaded"), so a
  // seed sweep can say which ones it exercised. Real mode: nothing. Never changes behaviour.
  virtual void Probe(std::string_view name) { (void)name; }
  // Whether the named fault point fires now ("drop-acked-write": the deliberately broken SET of
  // `--config debug-drop-acked-writes-every=N`, for testing the testbed). The simulated world
  // answers from the run's seed and config; real mode: always false.
  virtual bool FaultPoint(std::string_view name) {
    (void)name;
    return false;
  }

  // Reads a whole file into `out`. Convenience built on OpenSequential.
  Status ReadFileToString(const std::string& path, std::string* out);
};

// Forwards every call to another Env; a test derives from it and overrides one call
// (LevelDB's EnvWrapper shape).
class EnvWrapper : public Env {
 public:
  explicit EnvWrapper(Env* target) : target_(target) {}
  Env* target() const { return target_; }

  int64_t NowMicros() override { return target_->NowMicros(); }
  int64_t WallMicros() override { return target_->WallMicros(); }
  TimerId AddTimer(int64_t delay_us, std::function<void()> fn) override {
    return target_->AddTimer(delay_us, std::move(fn));
  }
  void CancelTimer(TimerId id) override { target_->CancelTimer(id); }
  void Defer(std::function<void()> fn) override { target_->Defer(std::move(fn)); }
  Status Listen(const std::string& host, int port, AcceptHandler* handler,
                std::unique_ptr<Listener>* listener) override {
    return target_->Listen(host, port, handler, listener);
  }
  void Connect(const std::string& host, int port, int64_t timeout_us,
               ConnectCallback done) override {
    target_->Connect(host, port, timeout_us, std::move(done));
  }
  Status OpenWritable(const std::string& path, bool truncate,
                      std::unique_ptr<WritableFile>* file) override {
    return target_->OpenWritable(path, truncate, file);
  }
  Status OpenSequential(const std::string& path, std::unique_ptr<SequentialFile>* file) override {
    return target_->OpenSequential(path, file);
  }
  Status RenameFile(const std::string& from, const std::string& to) override {
    return target_->RenameFile(from, to);
  }
  Status RemoveFile(const std::string& path) override { return target_->RemoveFile(path); }
  Status TruncateFile(const std::string& path, uint64_t size) override {
    return target_->TruncateFile(path, size);
  }
  Status CreateDir(const std::string& path) override { return target_->CreateDir(path); }
  Status SyncDir(const std::string& dir) override { return target_->SyncDir(dir); }
  Status ListDir(const std::string& dir, std::vector<std::string>* names) override {
    return target_->ListDir(dir, names);
  }
  bool FileExists(const std::string& path) override { return target_->FileExists(path); }
  Status FileSize(const std::string& path, uint64_t* size) override {
    return target_->FileSize(path, size);
  }
  void BlockingSleep(int64_t us) override { target_->BlockingSleep(us); }
  void PollIoWhileBusy() override { target_->PollIoWhileBusy(); }
  void SyncInBackground(WritableFile* file, std::function<void(Status)> done) override {
    target_->SyncInBackground(file, std::move(done));
  }
  void RandomBytes(void* buffer, size_t size) override { target_->RandomBytes(buffer, size); }
  int64_t ProcessId() override { return target_->ProcessId(); }
  uint64_t ResidentBytes() override { return target_->ResidentBytes(); }
  uint64_t AllocatedBytes() override { return target_->AllocatedBytes(); }
  std::string AllocatorName() override { return target_->AllocatorName(); }
  void CpuSeconds(double* sys, double* user) override { target_->CpuSeconds(sys, user); }
  void Probe(std::string_view name) override { target_->Probe(name); }
  bool FaultPoint(std::string_view name) override { return target_->FaultPoint(name); }

 private:
  Env* target_;
};

}  // namespace redsim
