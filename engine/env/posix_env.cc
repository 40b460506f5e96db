#include "engine/env/posix_env.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <condition_variable>
#include <cstring>
#include <deque>
#include <mutex>
#include <thread>

// jemalloc's control interface, when the binary links jemalloc (redsim-server does).
extern "C" int mallctl(const char* name, void* oldp, size_t* oldlenp, void* newp, size_t newlen)
    __attribute__((weak));

namespace redsim {

namespace {

std::string ErrnoText(int e) { return std::string(strerror(e)); }

std::string FormatAddress(const sockaddr_storage& ss) {
  char host[INET6_ADDRSTRLEN] = "?";
  int port = 0;
  if (ss.ss_family == AF_INET) {
    const auto* a = reinterpret_cast<const sockaddr_in*>(&ss);
    inet_ntop(AF_INET, &a->sin_addr, host, sizeof(host));
    port = ntohs(a->sin_port);
    return std::string(host) + ":" + std::to_string(port);
  }
  if (ss.ss_family == AF_INET6) {
    const auto* a = reinterpret_cast<const sockaddr_in6*>(&ss);
    inet_ntop(AF_INET6, &a->sin6_addr, host, sizeof(host));
    port = ntohs(a->sin6_port);
    return std::string(host) + ":" + std::to_string(port);
  }
  return "?:0";
}

class PosixStream : public Stream, public PosixEnv::Watcher {
 public:
  PosixStream(PosixEnv* env, int fd) : env_(env), fd_(fd) {
    int one = 1;
    setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    token_ = env_->AddWatch(fd_, 0, this);
  }
  ~PosixStream() override { Close(); }

  void SetHandler(StreamHandler* handler) override {
    handler_ = handler;
    UpdateEvents();
  }

  IoResult Read(char* buffer, size_t capacity) override {
    if (fd_ < 0) return IoResult::Error("closed");
    ssize_t n = ::read(fd_, buffer, capacity);
    if (n > 0) return IoResult::Ok(static_cast<size_t>(n));
    if (n == 0) return IoResult::Eof();
    if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) return IoResult::WouldBlock();
    return IoResult::Error(ErrnoText(errno));
  }

  IoResult Write(const char* data, size_t size) override {
    if (fd_ < 0) return IoResult::Error("closed");
    ssize_t n = ::send(fd_, data, size, MSG_NOSIGNAL);
    if (n > 0) {
      if (static_cast<size_t>(n) < size) WantWritable(true);
      return IoResult::Ok(static_cast<size_t>(n));
    }
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) {
      WantWritable(true);
      return IoResult::WouldBlock();
    }
    return IoResult::Error(n == 0 ? "write returned 0" : ErrnoText(errno));
  }

  void Close() override {
    if (fd_ < 0) return;
    env_->RemoveWatch(token_, fd_);
    ::close(fd_);
    fd_ = -1;
    handler_ = nullptr;
  }

  std::string PeerAddress() const override {
    sockaddr_storage ss{};
    socklen_t len = sizeof(ss);
    if (fd_ < 0 || getpeername(fd_, reinterpret_cast<sockaddr*>(&ss), &len) != 0) return "?:0";
    return FormatAddress(ss);
  }
  std::string LocalAddress() const override {
    sockaddr_storage ss{};
    socklen_t len = sizeof(ss);
    if (fd_ < 0 || getsockname(fd_, reinterpret_cast<sockaddr*>(&ss), &len) != 0) return "?:0";
    return FormatAddress(ss);
  }

  void OnEvents(uint32_t events) override {
    if (handler_ == nullptr) return;
    if (events & (EPOLLOUT)) {
      WantWritable(false);
      handler_->OnWritable();
    }
    if (handler_ != nullptr && (events & (EPOLLIN | EPOLLHUP | EPOLLERR | EPOLLRDHUP))) {
      handler_->OnReadable();
    }
  }

 private:
  void WantWritable(bool want) {
    if (want_writable_ == want) return;
    want_writable_ = want;
    UpdateEvents();
  }
  void UpdateEvents() {
    if (fd_ < 0) return;
    uint32_t ev = 0;
    if (handler_ != nullptr) ev |= EPOLLIN | EPOLLRDHUP;
    if (want_writable_) ev |= EPOLLOUT;
    env_->ModifyWatch(token_, fd_, ev);
  }

  PosixEnv* env_;
  int fd_;
  uint64_t token_ = 0;
  StreamHandler* handler_ = nullptr;
  bool want_writable_ = false;
};

class PosixListener : public Listener, public PosixEnv::Watcher {
 public:
  PosixListener(PosixEnv* env, int fd, int port, AcceptHandler* handler)
      : env_(env), fd_(fd), port_(port), handler_(handler) {
    token_ = env_->AddWatch(fd_, EPOLLIN, this);
  }
  ~PosixListener() override {
    env_->RemoveWatch(token_, fd_);
    ::close(fd_);
  }
  int Port() const override { return port_; }
  void OnEvents(uint32_t) override {
    // Accept a bounded batch per event so one busy listener cannot starve the loop.
    for (int i = 0; i < 1000; i++) {
      int cfd = accept4(fd_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
      if (cfd < 0) return;
      handler_->OnAccept(std::make_unique<PosixStream>(env_, cfd));
    }
  }

 private:
  PosixEnv* env_;
  int fd_;
  int port_;
  AcceptHandler* handler_;
  uint64_t token_ = 0;
};

// A pending non-blocking connect: completes on EPOLLOUT or times out.
class PendingConnect : public PosixEnv::Watcher {
 public:
  PendingConnect(PosixEnv* env, int fd, Env::ConnectCallback done)
      : env_(env), fd_(fd), done_(std::move(done)) {
    token_ = env_->AddWatch(fd_, EPOLLOUT, this);
  }
  void Arm(int64_t timeout_us) {
    timer_ = env_->AddTimer(timeout_us, [this] {
      timer_ = 0;
      Finish(Status::TimedOut("connect timed out"));
    });
  }
  void OnEvents(uint32_t) override {
    int err = 0;
    socklen_t len = sizeof(err);
    getsockopt(fd_, SOL_SOCKET, SO_ERROR, &err, &len);
    if (err != 0) {
      Finish(err == ECONNREFUSED ? Status::Refused(ErrnoText(err))
                                 : Status::IoError(ErrnoText(err)));
      return;
    }
    Finish(Status::Ok());
  }

 private:
  void Finish(Status s) {
    env_->RemoveWatch(token_, fd_);
    if (timer_ != 0) env_->CancelTimer(timer_);
    auto done = std::move(done_);
    int fd = fd_;
    PosixEnv* env = env_;
    // The watcher must not be deleted while the loop may still hold its token in this batch;
    // deleting after RemoveWatch is safe because lookups go through the token map.
    delete this;
    if (s.ok()) {
      done(Status::Ok(), std::make_unique<PosixStream>(env, fd));
    } else {
      ::close(fd);
      done(s, nullptr);
    }
  }

  PosixEnv* env_;
  int fd_;
  Env::ConnectCallback done_;
  uint64_t token_ = 0;
  TimerId timer_ = 0;
};

class SignalWatcher : public PosixEnv::Watcher {
 public:
  SignalWatcher(PosixEnv* env, int fd, std::function<void(int)> fn)
      : env_(env), fd_(fd), fn_(std::move(fn)) {
    token_ = env_->AddWatch(fd_, EPOLLIN, this);
  }
  ~SignalWatcher() override {
    env_->RemoveWatch(token_, fd_);
    ::close(fd_);
  }
  void OnEvents(uint32_t) override {
    signalfd_siginfo info;
    while (::read(fd_, &info, sizeof(info)) == sizeof(info)) fn_(static_cast<int>(info.ssi_signo));
  }

 private:
  PosixEnv* env_;
  int fd_;
  std::function<void(int)> fn_;
  uint64_t token_ = 0;
};

class PosixWritableFile : public WritableFile {
 public:
  PosixWritableFile(int fd, uint64_t size) : fd_(fd), size_(size) {}
  ~PosixWritableFile() override { Close(); }
  Status Append(std::string_view data) override {
    const char* p = data.data();
    size_t left = data.size();
    while (left > 0) {
      ssize_t n = ::write(fd_, p, left);
      if (n < 0) {
        if (errno == EINTR) continue;
        return errno == ENOSPC ? Status::NoSpace(ErrnoText(errno))
                               : Status::IoError(ErrnoText(errno));
      }
      p += n;
      left -= static_cast<size_t>(n);
      size_ += static_cast<uint64_t>(n);
    }
    return Status::Ok();
  }
  Status Sync() override {
    if (fdatasync(fd_) != 0) return Status::IoError(ErrnoText(errno));
    return Status::Ok();
  }
  Status Close() override {
    if (fd_ >= 0) {
      int r = ::close(fd_);
      fd_ = -1;
      if (r != 0) return Status::IoError(ErrnoText(errno));
    }
    return Status::Ok();
  }
  uint64_t Size() const override { return size_; }

 private:
  int fd_;
  uint64_t size_;
};

class PosixSequentialFile : public SequentialFile {
 public:
  explicit PosixSequentialFile(int fd) : fd_(fd) {}
  ~PosixSequentialFile() override { ::close(fd_); }
  Status Read(char* buffer, size_t capacity, size_t* read) override {
    while (true) {
      ssize_t n = ::read(fd_, buffer, capacity);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return Status::IoError(ErrnoText(errno));
      *read = static_cast<size_t>(n);
      return Status::Ok();
    }
  }

 private:
  int fd_;
};

}  // namespace

// A background thread for fsync, like Redis's bio thread: jobs run there; their completions are
// handed back to the loop through an eventfd.
struct PosixEnv::BackgroundIo : public PosixEnv::Watcher {
  struct Job {
    WritableFile* file;
    std::function<void(Status)> done;
    Status result;
  };
  PosixEnv* env;
  int event_fd;
  uint64_t token;
  std::mutex mu;
  std::condition_variable cv;
  std::deque<Job> pending;
  std::deque<Job> finished;
  bool stop = false;
  std::thread thread;

  explicit BackgroundIo(PosixEnv* e) : env(e) {
    event_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    token = env->AddWatch(event_fd, EPOLLIN, this);
    thread = std::thread([this] { Loop(); });
  }
  ~BackgroundIo() override {
    {
      std::lock_guard<std::mutex> lock(mu);
      stop = true;
    }
    cv.notify_all();
    thread.join();
    env->RemoveWatch(token, event_fd);
    ::close(event_fd);
  }
  void Loop() {
    while (true) {
      Job job;
      {
        std::unique_lock<std::mutex> lock(mu);
        cv.wait(lock, [this] { return stop || !pending.empty(); });
        if (pending.empty()) return;
        job = std::move(pending.front());
        pending.pop_front();
      }
      job.result = job.file->Sync();
      {
        std::lock_guard<std::mutex> lock(mu);
        finished.push_back(std::move(job));
      }
      uint64_t one = 1;
      ssize_t w = ::write(event_fd, &one, sizeof(one));
      (void)w;
    }
  }
  void OnEvents(uint32_t) override {
    uint64_t n;
    ssize_t r = ::read(event_fd, &n, sizeof(n));
    (void)r;
    std::deque<Job> done;
    {
      std::lock_guard<std::mutex> lock(mu);
      done.swap(finished);
    }
    for (auto& job : done) job.done(job.result);
  }
};

PosixEnv::PosixEnv() { epoll_fd_ = epoll_create1(EPOLL_CLOEXEC); }

PosixEnv::~PosixEnv() {
  bio_.reset();
  signal_watcher_.reset();
  if (epoll_fd_ >= 0) ::close(epoll_fd_);
}

void PosixEnv::SyncInBackground(WritableFile* file, std::function<void(Status)> done) {
  if (!bio_) bio_ = std::make_unique<BackgroundIo>(this);
  {
    std::lock_guard<std::mutex> lock(bio_->mu);
    bio_->pending.push_back(BackgroundIo::Job{file, std::move(done), Status::Ok()});
  }
  bio_->cv.notify_all();
}

uint64_t PosixEnv::AddWatch(int fd, uint32_t events, Watcher* w) {
  uint64_t token = next_token_++;
  watchers_[token] = w;
  epoll_event ev{};
  ev.events = events;
  ev.data.u64 = token;
  epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, fd, &ev);
  return token;
}

void PosixEnv::ModifyWatch(uint64_t token, int fd, uint32_t events) {
  epoll_event ev{};
  ev.events = events;
  ev.data.u64 = token;
  epoll_ctl(epoll_fd_, EPOLL_CTL_MOD, fd, &ev);
}

void PosixEnv::RemoveWatch(uint64_t token, int fd) {
  watchers_.erase(token);
  epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, fd, nullptr);
}

int64_t PosixEnv::NowMicros() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000000 + ts.tv_nsec / 1000;
}

int64_t PosixEnv::WallMicros() {
  timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000000 + ts.tv_nsec / 1000;
}

TimerId PosixEnv::AddTimer(int64_t delay_us, std::function<void()> fn) {
  TimerId id = next_timer_++;
  timer_fns_[id] = std::move(fn);
  timers_.push(TimerEntry{NowMicros() + std::max<int64_t>(0, delay_us), timer_seq_++, id});
  return id;
}

void PosixEnv::CancelTimer(TimerId id) { timer_fns_.erase(id); }

void PosixEnv::Defer(std::function<void()> fn) { deferred_.push_back(std::move(fn)); }

void PosixEnv::RunTimers() {
  int64_t now = NowMicros();
  // Only timers already due when this pass started run now; new ones wait for the next pass.
  std::vector<TimerId> due;
  while (!timers_.empty() && timers_.top().deadline_us <= now) {
    due.push_back(timers_.top().id);
    timers_.pop();
  }
  for (TimerId id : due) {
    auto it = timer_fns_.find(id);
    if (it == timer_fns_.end()) continue;
    auto fn = std::move(it->second);
    timer_fns_.erase(it);
    fn();
  }
}

void PosixEnv::RunDeferred() {
  // Deferred calls may defer more; run a few rounds, then let I/O in.
  for (int round = 0; round < 16 && !deferred_.empty(); round++) {
    std::vector<std::function<void()>> batch;
    batch.swap(deferred_);
    for (auto& fn : batch) fn();
  }
}

int PosixEnv::NextTimeoutMs() {
  if (!deferred_.empty()) return 0;
  while (!timers_.empty() && timer_fns_.find(timers_.top().id) == timer_fns_.end()) timers_.pop();
  if (timers_.empty()) return 1000;
  int64_t wait_us = timers_.top().deadline_us - NowMicros();
  if (wait_us <= 0) return 0;
  return static_cast<int>(std::min<int64_t>((wait_us + 999) / 1000, 1000));
}

void PosixEnv::Run() {
  constexpr int kMaxEvents = 1024;
  epoll_event events[kMaxEvents];
  while (!stop_) {
    int n = epoll_wait(epoll_fd_, events, kMaxEvents, NextTimeoutMs());
    for (int i = 0; i < n && !stop_; i++) {
      auto it = watchers_.find(events[i].data.u64);
      if (it == watchers_.end()) continue;  // removed earlier in this batch
      it->second->OnEvents(events[i].events);
    }
    RunTimers();
    RunDeferred();
  }
}

void PosixEnv::PollIoWhileBusy() {
  constexpr int kMaxEvents = 256;
  epoll_event events[kMaxEvents];
  int n = epoll_wait(epoll_fd_, events, kMaxEvents, 0);
  for (int i = 0; i < n && !stop_; i++) {
    auto it = watchers_.find(events[i].data.u64);
    if (it == watchers_.end()) continue;
    it->second->OnEvents(events[i].events);
  }
}

void PosixEnv::HandleSignals(const std::vector<int>& signals, std::function<void(int)> fn) {
  sigset_t mask;
  sigemptyset(&mask);
  for (int s : signals) sigaddset(&mask, s);
  sigprocmask(SIG_BLOCK, &mask, nullptr);
  int fd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
  signal_watcher_ = std::make_unique<SignalWatcher>(this, fd, std::move(fn));
}

Status PosixEnv::Listen(const std::string& host, int port, AcceptHandler* handler,
                        std::unique_ptr<Listener>* listener) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  std::string h = host;
  const char* node = h.c_str();
  if (h == "*" || h.empty()) {
    node = nullptr;
    hints.ai_family = AF_INET;
  } else if (h == "::*") {
    node = nullptr;
    hints.ai_family = AF_INET6;
  }
  addrinfo* res = nullptr;
  std::string port_str = std::to_string(port);
  int rc = getaddrinfo(node, port_str.c_str(), &hints, &res);
  if (rc != 0) return Status::InvalidArgument(gai_strerror(rc));
  int fd = socket(res->ai_family, res->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    freeaddrinfo(res);
    return Status::IoError(ErrnoText(errno));
  }
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  if (res->ai_family == AF_INET6) setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
  if (bind(fd, res->ai_addr, res->ai_addrlen) != 0 || listen(fd, 511) != 0) {
    int e = errno;
    freeaddrinfo(res);
    ::close(fd);
    return Status::IoError(ErrnoText(e));
  }
  freeaddrinfo(res);
  sockaddr_storage ss{};
  socklen_t len = sizeof(ss);
  getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &len);
  int actual = ss.ss_family == AF_INET6 ? ntohs(reinterpret_cast<sockaddr_in6*>(&ss)->sin6_port)
                                        : ntohs(reinterpret_cast<sockaddr_in*>(&ss)->sin_port);
  *listener = std::make_unique<PosixListener>(this, fd, actual, handler);
  return Status::Ok();
}

void PosixEnv::Connect(const std::string& host, int port, int64_t timeout_us,
                       ConnectCallback done) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_NUMERICSERV;
  addrinfo* res = nullptr;
  std::string port_str = std::to_string(port);
  int rc = getaddrinfo(host.c_str(), port_str.c_str(), &hints, &res);
  if (rc != 0) {
    std::string why = gai_strerror(rc);
    Defer([done, why] { done(Status::IoError(why), nullptr); });
    return;
  }
  int fd = socket(res->ai_family, res->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  int r = fd < 0 ? -1 : ::connect(fd, res->ai_addr, res->ai_addrlen);
  int e = errno;
  freeaddrinfo(res);
  if (fd < 0 || (r != 0 && e != EINPROGRESS)) {
    if (fd >= 0) ::close(fd);
    Status s = e == ECONNREFUSED ? Status::Refused(ErrnoText(e)) : Status::IoError(ErrnoText(e));
    Defer([done, s] { done(s, nullptr); });
    return;
  }
  auto* pending = new PendingConnect(this, fd, std::move(done));
  pending->Arm(timeout_us);
}

Status PosixEnv::OpenWritable(const std::string& path, bool truncate,
                              std::unique_ptr<WritableFile>* file) {
  int flags = O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | (truncate ? O_TRUNC : 0);
  int fd = ::open(path.c_str(), flags, 0644);
  if (fd < 0) return Status::IoError(path + ": " + ErrnoText(errno));
  struct stat st {};
  fstat(fd, &st);
  *file = std::make_unique<PosixWritableFile>(fd, static_cast<uint64_t>(st.st_size));
  return Status::Ok();
}

Status PosixEnv::OpenSequential(const std::string& path, std::unique_ptr<SequentialFile>* file) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    return errno == ENOENT ? Status::NotFound(path)
                           : Status::IoError(path + ": " + ErrnoText(errno));
  }
  *file = std::make_unique<PosixSequentialFile>(fd);
  return Status::Ok();
}

Status PosixEnv::RenameFile(const std::string& from, const std::string& to) {
  if (::rename(from.c_str(), to.c_str()) != 0) return Status::IoError(ErrnoText(errno));
  return Status::Ok();
}

Status PosixEnv::RemoveFile(const std::string& path) {
  if (::unlink(path.c_str()) != 0) {
    return errno == ENOENT ? Status::NotFound(path) : Status::IoError(ErrnoText(errno));
  }
  return Status::Ok();
}

Status PosixEnv::TruncateFile(const std::string& path, uint64_t size) {
  if (::truncate(path.c_str(), static_cast<off_t>(size)) != 0) {
    return Status::IoError(path + ": " + ErrnoText(errno));
  }
  int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd >= 0) {
    fsync(fd);
    ::close(fd);
  }
  return Status::Ok();
}

Status PosixEnv::CreateDir(const std::string& path) {
  if (::mkdir(path.c_str(), 0755) != 0 && errno != EEXIST) return Status::IoError(ErrnoText(errno));
  return Status::Ok();
}

Status PosixEnv::SyncDir(const std::string& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return Status::IoError(ErrnoText(errno));
  int r = fsync(fd);
  int e = errno;
  ::close(fd);
  if (r != 0) return Status::IoError(ErrnoText(e));
  return Status::Ok();
}

Status PosixEnv::ListDir(const std::string& dir, std::vector<std::string>* names) {
  names->clear();
  DIR* d = opendir(dir.c_str());
  if (d == nullptr) return Status::IoError(ErrnoText(errno));
  while (dirent* e = readdir(d)) {
    std::string n = e->d_name;
    if (n != "." && n != "..") names->push_back(n);
  }
  closedir(d);
  return Status::Ok();
}

bool PosixEnv::FileExists(const std::string& path) { return ::access(path.c_str(), F_OK) == 0; }

Status PosixEnv::FileSize(const std::string& path, uint64_t* size) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return Status::IoError(ErrnoText(errno));
  *size = static_cast<uint64_t>(st.st_size);
  return Status::Ok();
}

void PosixEnv::BlockingSleep(int64_t us) {
  if (us <= 0) return;
  timespec ts{static_cast<time_t>(us / 1000000), static_cast<long>((us % 1000000) * 1000)};
  while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
  }
}

void PosixEnv::RandomBytes(void* buffer, size_t size) {
  auto* p = static_cast<char*>(buffer);
  while (size > 0) {
    ssize_t n = getrandom(p, size, 0);
    if (n <= 0) continue;
    p += n;
    size -= static_cast<size_t>(n);
  }
}

int64_t PosixEnv::ProcessId() { return static_cast<int64_t>(getpid()); }

uint64_t PosixEnv::ResidentBytes() {
  FILE* f = fopen("/proc/self/statm", "r");
  if (f == nullptr) return 0;
  unsigned long size = 0, resident = 0;
  int got = fscanf(f, "%lu %lu", &size, &resident);
  fclose(f);
  if (got != 2) return 0;
  return static_cast<uint64_t>(resident) * static_cast<uint64_t>(sysconf(_SC_PAGESIZE));
}

// jemalloc's process-wide count needs an "epoch" refresh that costs tens of microseconds, too
// much for eviction, which asks before every command under maxmemory (as Redis does). So the
// full count is taken at most every kAllocatedRecountUs; in between, this thread's own running
// allocated/deallocated counters (two pointer reads) carry it forward. The engine allocates on
// one thread, so the figure stays exact for its data; other threads' allocations are picked up
// at the next recount.
namespace {
constexpr int64_t kAllocatedRecountUs = 100000;
struct JemallocCounters {
  bool ready = false;
  uint64_t* thread_allocated = nullptr;
  uint64_t* thread_deallocated = nullptr;
  uint64_t process_allocated = 0;  // at the last recount
  uint64_t thread_net = 0;         // this thread's allocated - deallocated at the last recount
  int64_t recount_us = 0;
};
thread_local JemallocCounters jemalloc_counters;
}  // namespace

std::string PosixEnv::AllocatorName() {
  if (mallctl == nullptr) return "libc";
  const char* version = nullptr;
  size_t sz = sizeof(version);
  if (mallctl("version", &version, &sz, nullptr, 0) != 0 || version == nullptr) return "jemalloc";
  // "5.3.0-0-g54eaed1d..." : Redis shows the release part only.
  std::string v(version);
  return "jemalloc-" + v.substr(0, v.find('-'));
}

uint64_t PosixEnv::AllocatedBytes() {
  if (mallctl != nullptr) {
    JemallocCounters& j = jemalloc_counters;
    if (!j.ready) {
      size_t sz = sizeof(uint64_t*);
      j.ready = mallctl("thread.allocatedp", &j.thread_allocated, &sz, nullptr, 0) == 0 &&
                mallctl("thread.deallocatedp", &j.thread_deallocated, &sz, nullptr, 0) == 0;
      j.recount_us = 0;  // never counted
    }
    int64_t now = NowMicros();
    if (j.ready && j.recount_us != 0 && now - j.recount_us < kAllocatedRecountUs) {
      uint64_t net = *j.thread_allocated - *j.thread_deallocated;
      return j.process_allocated + net - j.thread_net;
    }
    uint64_t epoch = 1;
    size_t sz = sizeof(epoch);
    mallctl("epoch", &epoch, &sz, &epoch, sz);
    size_t allocated = 0;
    sz = sizeof(allocated);
    if (mallctl("stats.allocated", &allocated, &sz, nullptr, 0) == 0) {
      if (j.ready) {
        j.process_allocated = allocated;
        j.thread_net = *j.thread_allocated - *j.thread_deallocated;
        j.recount_us = now;
      }
      return allocated;
    }
  }
  struct mallinfo2 mi = mallinfo2();
  return static_cast<uint64_t>(mi.uordblks + mi.hblkhd);
}

void PosixEnv::CpuSeconds(double* sys, double* user) {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  *sys = static_cast<double>(ru.ru_stime.tv_sec) + ru.ru_stime.tv_usec / 1e6;
  *user = static_cast<double>(ru.ru_utime.tv_sec) + ru.ru_utime.tv_usec / 1e6;
}

}  // namespace redsim
