// SimEnv: the Env of one simulated host. Clocks are the host's (with its drift, offset and
// jumps), timers are simulator events owned by the host, deferred calls run after the host's
// current event, the network is netsim, files live on the host's SimDisk, randomness comes from
// the host's seeded stream, and BlockingSleep makes the host unresponsive for that long.
#pragma once

#include <functional>
#include <memory>
#include <string_view>
#include <utility>

#include "engine/env/env.h"
#include "sim/sim_disk.h"
#include "sim/simulator.h"

namespace redsim::sim {

// What a SimEnv needs from the simulated network (netsim::Network implements it; sim/ does not
// depend on netsim/).
class SimNetwork {
 public:
  virtual ~SimNetwork() = default;
  virtual Status Listen(HostId host, int port, AcceptHandler* handler,
                        std::unique_ptr<Listener>* out) = 0;
  virtual void Connect(HostId from, const std::string& address, int port, int64_t timeout_ns,
                       Env::ConnectCallback done) = 0;
};

class SimEnv : public Env {
 public:
  SimEnv(Simulator* sim, SimNetwork* net, HostId host, SimDisk* disk)
      : sim_(sim), net_(net), host_(host), disk_(disk) {}

  HostId host() const { return host_; }
  SimDisk* disk() const { return disk_; }

  int64_t NowMicros() override { return sim_->HostMonotonicNs(host_) / 1000; }
  int64_t WallMicros() override { return sim_->HostWallNs(host_) / 1000; }
  TimerId AddTimer(int64_t delay_us, std::function<void()> fn) override {
    int64_t true_ns = sim_->HostDelayToTrueNs(host_, std::max<int64_t>(0, delay_us) * 1000);
    return sim_->After(true_ns, host_, std::move(fn), TraceKind::kTimer);
  }
  void CancelTimer(TimerId id) override { sim_->Cancel(id); }
  void Defer(std::function<void()> fn) override { sim_->Defer(host_, std::move(fn)); }
  Status Listen(const std::string&, int port, AcceptHandler* handler,
                std::unique_ptr<Listener>* listener) override {
    return net_->Listen(host_, port, handler, listener);
  }
  void Connect(const std::string& host, int port, int64_t timeout_us,
               ConnectCallback done) override {
    net_->Connect(host_, host, port, timeout_us * 1000, std::move(done));
  }
  Status OpenWritable(const std::string& path, bool truncate,
                      std::unique_ptr<WritableFile>* file) override;
  Status OpenSequential(const std::string& path, std::unique_ptr<SequentialFile>* file) override;
  Status RenameFile(const std::string& from, const std::string& to) override {
    return disk_->Rename(from, to);
  }
  Status RemoveFile(const std::string& path) override { return disk_->Remove(path); }
  Status TruncateFile(const std::string& path, uint64_t size) override {
    return disk_->Truncate(path, size);
  }
  Status CreateDir(const std::string& path) override { return disk_->CreateDir(path); }
  Status SyncDir(const std::string& dir) override { return disk_->SyncDir(dir); }
  Status ListDir(const std::string& dir, std::vector<std::string>* names) override {
    return disk_->List(dir, names);
  }
  bool FileExists(const std::string& path) override { return disk_->Exists(path); }
  Status FileSize(const std::string& path, uint64_t* size) override {
    return disk_->Size(path, size);
  }
  void BlockingSleep(int64_t us) override { sim_->BusyHost(host_, us * 1000); }
  // The sync completes after a simulated disk latency (drawn from the host's stream); until then
  // a crash loses the data.
  void SyncInBackground(WritableFile* file, std::function<void(Status)> done) override;
  // Simulated fsync latency range (ns).
  void set_fsync_latency(int64_t min_ns, int64_t spread_ns) {
    fsync_min_ns_ = min_ns;
    fsync_spread_ns_ = spread_ns;
  }
  void RandomBytes(void* buffer, size_t size) override;
  int64_t ProcessId() override { return 1000 + host_; }

  // The engine's probes and fault points go to whoever hosts this node (the World): sim/ knows
  // nothing of probe counters or scenario config. Unset hooks: a probe is dropped, a fault point
  // never fires.
  void Probe(std::string_view name) override {
    if (probe_hook_) probe_hook_(name);
  }
  bool FaultPoint(std::string_view name) override {
    return fault_point_hook_ && fault_point_hook_(name);
  }
  void set_probe_hook(std::function<void(std::string_view)> hook) { probe_hook_ = std::move(hook); }
  void set_fault_point_hook(std::function<bool(std::string_view)> hook) {
    fault_point_hook_ = std::move(hook);
  }

 private:
  Simulator* sim_;
  SimNetwork* net_;
  HostId host_;
  SimDisk* disk_;
  int64_t fsync_min_ns_ = 500'000;
  int64_t fsync_spread_ns_ = 4'500'000;
  std::function<void(std::string_view)> probe_hook_;
  std::function<bool(std::string_view)> fault_point_hook_;
};

}  // namespace redsim::sim
