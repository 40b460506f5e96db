// Sentinel: the monitoring and automatic-failover mode of a node (Redis Sentinel), built into the
// same Server. It watches named primaries (and discovers their replicas and the other Sentinels),
// agrees with the other Sentinels that a primary is down (SDOWN, then ODOWN by quorum), elects one
// leader per epoch and lets the leader promote a replica and repoint the others.
//
// How a Sentinel node is made: a Server whose ServerConfig has `sentinel_mode = true` runs as a
// Sentinel (Server::sentinel() is then non-null). The `sentinel ...` directives (monitor,
// down-after-milliseconds, myid, known-replica, ...) are read by the ordinary config loader,
// ConfigRegistry::LoadText, which validates each line (an error names the line) and stores it in
// ServerConfig::sentinel_directives; Sentinel applies them in order when the Server is built. Real
// mode: `redsim-server sentinel.conf --sentinel`, or the binary called as `redsim-sentinel`.
// Simulation: build the Server with
//     ServerConfig cfg; cfg.sentinel_mode = true; cfg.port = 26379;
//     ConfigRegistry::Get().LoadText(cfg, "sentinel monitor m 10.0.0.1 6379 2\n...", "scenario");
// and Options::config_file set to a path on the node's (simulated) disk if its state (epochs,
// topology, votes) must survive a restart; an empty path keeps the state in memory only. When
// that file exists and holds `sentinel` lines, they are the state the Sentinel starts from
// (ServerConfig::sentinel_directives is then ignored): a restarted node resumes from its disk.
// When it does not exist, it is created from the directives at Start.
//
// Invariants (Redis's documented algorithm):
//  * Everything runs on the node's Env: timers on its monotonic clock, links through
//    Env::Connect, the config file written through Env files (write temp, fsync, rename, sync dir).
//    The wall clock (Env::WallMicros) is read only to detect clock jumps (TILT). Randomness comes
//    from the Server's seeded generator.
//  * current_epoch never decreases; this Sentinel votes at most once per epoch per primary (the
//    vote is written to the config file before it is announced when a file is configured).
//  * Every event is published on the Sentinel's own pub/sub under its Redis name ("+sdown", ...),
//    logged, and passed to the event hook, in that order.
//  * During TILT (a wall-clock jump backwards or of more than 2 s between two timer ticks, for
//    30 s) no instance is marked down and no failover starts or proceeds.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "engine/base/status.h"

namespace redsim {

class Server;
struct CommandContext;
class CommandTable;
class SentinelCore;

// One event as Redis Sentinel publishes it: the channel is `type`, the message is `detail`.
struct SentinelEvent {
  std::string type;     // "+sdown", "+switch-master", "+vote-for-leader", "+tilt", ...
  std::string master;   // the primary's name the event concerns ("" for +tilt / -tilt)
  uint64_t epoch = 0;   // the epoch involved: the new epoch (+new-epoch), the vote's epoch
                        // (+vote-for-leader), the failover epoch (failover events,
                        // +switch-master), else the Sentinel's current epoch
  std::string detail;   // the published message, e.g. "mymaster 10.0.0.1 6379 10.0.0.2 6379"
  int64_t mono_us = 0;  // Env::NowMicros() when published
};

// A read-only picture of one monitored primary, for observers (the simulator, tests).
struct SentinelMasterView {
  std::string name;
  std::string ip;
  int port = 0;
  int quorum = 0;
  uint64_t config_epoch = 0;
  bool s_down = false;
  bool o_down = false;
  bool failover_in_progress = false;
  std::string failover_state;  // "none", "wait_start", "select_slave", ... (as SENTINEL MASTER)
  uint64_t failover_epoch = 0;
  std::string leader;  // the run id this Sentinel voted for in leader_epoch ("" if none)
  uint64_t leader_epoch = 0;
  std::vector<std::string> replicas;   // "ip:port" of known replicas
  std::vector<std::string> sentinels;  // run ids of the other known Sentinels
};

class Sentinel {
 public:
  using EventHook = std::function<void(const SentinelEvent&)>;

  // Built by Server when config().sentinel_mode is set; applies config().sentinel_directives.
  // A directive that cannot be applied (unknown master name, ...) makes Start() fail.
  explicit Sentinel(Server* server);
  ~Sentinel();
  Sentinel(const Sentinel&) = delete;
  Sentinel& operator=(const Sentinel&) = delete;

  // Starts the periodic timer (connects, pings, failovers) and writes the config file once (so
  // that a generated myid is kept). Called from Server::Start after the listener is up.
  Status Start();
  void Stop();

  // ---- Observation (the simulator's hook) -------------------------------------------------
  // Called synchronously for every event, after it is published and logged.
  void SetEventHook(EventHook hook);
  const std::string& my_id() const;
  uint64_t current_epoch() const;
  bool tilt() const;
  std::vector<std::string> MasterNames() const;
  // The primary's address as GET-MASTER-ADDR-BY-NAME answers it; false if `name` is unknown.
  bool MasterAddress(const std::string& name, std::string* ip, int* port) const;
  // Config epoch of the primary's current configuration (0 if unknown).
  uint64_t MasterConfigEpoch(const std::string& name) const;
  bool View(const std::string& name, SentinelMasterView* view) const;
  // Every vote this Sentinel cast: (master name, epoch) -> run id voted for. Never forgets a
  // vote while the process lives (the config file keeps only the last one per master).
  const std::map<std::pair<std::string, uint64_t>, std::string>& votes() const;

  // ---- For the command handlers (engine/sentinel/sentinel_commands.cc) --------------------
  SentinelCore& core() { return *core_; }
  // Replaces the command table's contents with the commands a Sentinel serves.
  static void RegisterSentinelCommands(CommandTable& table);

 private:
  std::unique_ptr<SentinelCore> core_;
};

}  // namespace redsim
