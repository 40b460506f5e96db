// Server: one Redis-compatible node. It owns its databases, clients, configuration and command
// table, and reaches the outside world only through the Env it was built with, so several
// servers can share one process (simulation) or one runs alone on real sockets (redsim-server).
//
// Execution model: every callback runs on the Env's loop; a command runs to completion before
// the next starts. Replies are buffered per client and flushed at the Env's "before sleep" point
// (Env::Defer), which is also where the AOF will be written, so a reply never leaves before the
// write it acknowledges is on its way to disk.
//
// The server keeps the node's lifecycle, its clients, the before-sleep point, command dispatch
// and propagation, the cron and CLIENT PAUSE. The keyspace rules (lazy expiry, WATCH, ready
// keys, notifications) live in Keyspace (engine/db/keyspace.h) and blocked clients in Blocking
// (engine/server/blocking.h); the server owns one of each and wires them to its other parts.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "engine/base/log.h"
#include "engine/base/random.h"
#include "engine/db/database.h"
#include "engine/db/keyspace.h"
#include "engine/env/env.h"
#include "engine/resp/reply_builder.h"
#include "engine/server/blocking.h"
#include "engine/server/client.h"
#include "engine/server/command.h"
#include "engine/server/config.h"
#include "engine/server/propagation.h"

namespace redsim {

class Introspection;
class Persistence;
class PubSub;
class Tracking;
class Replication;
class Acl;
class Evictor;
class Scripting;
class Sentinel;
namespace cluster {
class Cluster;
}

struct ServerStats {
  uint64_t total_connections_received = 0;
  uint64_t total_commands_processed = 0;
  uint64_t rejected_connections = 0;
  uint64_t expired_keys = 0;
  uint64_t expired_stale_perc_x100 = 0;
  uint64_t expired_time_cap_reached_count = 0;
  uint64_t evicted_keys = 0;
  uint64_t keyspace_hits = 0;
  uint64_t keyspace_misses = 0;
  uint64_t total_net_input_bytes = 0;
  uint64_t total_net_output_bytes = 0;
  uint64_t total_error_replies = 0;
  uint64_t unexpected_error_replies = 0;
  uint64_t total_reads_processed = 0;
  uint64_t total_writes_processed = 0;
  uint64_t expire_cycle_cpu_us = 0;
  uint64_t used_memory_peak = 0;
  uint64_t used_memory_startup = 0;
  // Samples for instantaneous_ops_per_sec etc. (ring of the last 16 cron samples).
  struct Sample {
    int64_t time_us = 0;
    uint64_t commands = 0;
    uint64_t net_in = 0;
    uint64_t net_out = 0;
  };
  Sample samples[16];
  int sample_index = 0;
};

// Per-error-prefix counters for INFO errorstats.
using ErrorStats = std::map<std::string, uint64_t>;

struct CommandContext;
class LazyFreer;

class Server : public AcceptHandler, public ErrorReplyObserver {
 public:
  struct Options {
    Env* env = nullptr;
    ServerConfig config;
    std::shared_ptr<spdlog::logger> log_sink;  // nullptr: no log
    std::string config_file;                   // for INFO
    std::string executable;                    // for INFO
  };

  explicit Server(Options options);
  ~Server() override;
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Starts listening and the periodic timers. Errors name the address that failed.
  Status Start();
  // Stops accepting, closes every client, cancels timers. Idempotent.
  void Stop();
  bool stopped() const { return stopped_; }
  // Called (once) when the server decides to shut down (SHUTDOWN, signal); the host stops its
  // loop. Without one, Stop() is all that happens.
  void set_shutdown_callback(std::function<void()> cb) { shutdown_callback_ = std::move(cb); }
  // Begins a shutdown as SHUTDOWN does. Returns an error text, or "" when shutting down.
  std::string Shutdown(bool save, bool nosave, bool now, bool force);

  // ---- Accessors ------------------------------------------------------------------------
  Env* env() const { return env_; }
  ServerConfig& config() { return config_; }
  const ServerConfig& config() const { return config_; }
  Log& log() { return log_; }
  Random& rng() { return rng_; }
  // Frees big values and flushed databases in bounded steps (engine/types/lazy_free.h).
  LazyFreer& lazy_freer() { return *lazy_freer_; }
  CommandTable& commands() { return commands_; }
  ServerStats& stats() { return stats_; }
  ErrorStats& error_stats() { return error_stats_; }
  int port() const { return listen_port_; }
  const std::string& run_id() const { return run_id_; }
  int64_t start_time_us() const { return start_time_us_; }
  const std::string& config_file() const { return options_config_file_; }
  const std::string& executable() const { return options_executable_; }
  uint64_t dirty = 0;  // changes since the last save
  int64_t last_save_time_s() const { return last_save_time_s_; }
  void set_last_save_time_s(int64_t t) { last_save_time_s_ = t; }
  void set_active_expire_enabled(bool on) { active_expire_enabled_ = on; }

  // The databases and the rules for touching keys.
  Keyspace& keyspace() { return *keyspace_; }
  // Clients blocked on keys or on WAIT.
  Blocking& blocking() { return *blocking_; }
  int db_count() const { return keyspace_->db_count(); }
  Database* db(int index) { return keyspace_->db(index); }
  // For tests and scenario probes: Keyspace::Peek.
  DbEntry* Peek(Database* db, std::string_view key) { return keyspace_->Peek(db, key); }
  const std::map<uint64_t, Client*>& clients() const { return clients_by_id_; }
  Client* FindClient(uint64_t id) const;
  size_t blocked_client_count() const { return blocking_->blocked_count(); }
  size_t connected_client_count() const { return clients_by_id_.size() - fake_clients_; }

  // The time commands see, in Unix ms: refreshed before each command, and frozen for the
  // duration of EXEC and scripts so that keys do not expire half-way through them.
  int64_t now_ms() const { return now_ms_; }
  void RefreshTime();
  // LRU clock in Redis's units (seconds, 24 bits).
  uint32_t LruClock() const;
  Persistence* persistence() const { return persistence_.get(); }
  // Lua scripts and functions (engine/scripting), created on first use.
  Scripting* scripting();
  bool has_scripting() const { return scripting_ != nullptr; }
  // True once SHUTDOWN was accepted (a busy script checks it to stop).
  bool shutting_down() const { return shutting_down_; }
  Replication* replication() const { return replication_.get(); }
  // Channel/pattern subscriptions, message delivery, keyspace notifications.
  PubSub& pubsub() { return *pubsub_; }
  // SLOWLOG, LATENCY and MONITOR state.
  Introspection& introspection() { return *introspection_; }
  // CLIENT TRACKING (client-side caching invalidation).
  Tracking& tracking() { return *tracking_; }
  // The Sentinel of a node built with config().sentinel_mode (engine/sentinel/sentinel.h), else
  // nullptr.
  Sentinel* sentinel() const { return sentinel_.get(); }
  // Cluster mode (engine/cluster/cluster.h): nullptr unless cluster-enabled is yes.
  cluster::Cluster* cluster() const { return cluster_.get(); }
  // Cluster mode, for scripts: the slot of a command's keys (-1 without keys), and whether a
  // command a script calls may run here ("" or Redis's error: non-local key, cross-slot keys
  // unless `allow_cross_slot`, cluster down). *slot is the script's slot so far.
  int ClusterSlotOf(const Command* cmd, const std::vector<std::string_view>& args) const;
  std::string ClusterScriptCheck(Client* caller, Command* cmd,
                                 const std::vector<std::string_view>& args, bool allow_cross_slot,
                                 int* slot);

  // ---- CLIENT PAUSE ----------------------------------------------------------------------
  // Holds clients' commands (all of them, or only those that may write) until `end_us` on the
  // monotonic clock; a pause already in force is only ever extended or made stricter.
  void PauseClients(bool all, int64_t end_us);
  void UnpauseClients();
  // Whether a pause of that kind is in force now (writes: either kind).
  bool WritesPaused() const { return pause_kind_ != 0; }
  bool AllPaused() const { return pause_kind_ == 2; }
  // Called before a parsed command runs: if a pause holds it, the client is parked (its input
  // stays buffered) and resumed when the pause ends. Returns true when parked.
  bool PostponeIfPaused(Client* c, const std::vector<std::string_view>& args);
  Acl& acl() { return *acl_; }
  Evictor& evictor() { return *evictor_; }
  // Wraps an established stream in a client (the replication link to our primary).
  Client* AdoptStream(std::unique_ptr<Stream> stream, uint64_t flags);
  // Processes bytes as if they had arrived on the client's connection.
  void FeedInput(Client* c, std::string_view bytes);
  // True while the dataset is being loaded (no propagation, LOADING replies).
  bool loading() const { return loading_; }
  void set_loading(bool on) { loading_ = on; }
  // Whether memory stayed over maxmemory after eviction when the current top-level command
  // (the EVAL, FCALL or EXEC around a script) was checked. A script's first deny-oom write
  // fails on it, as Redis's does (its pre-command OOM state).
  bool oom_before_command() const { return oom_before_command_; }

  // Bytes of memory in use as INFO reports it (the allocator's count in real mode).
  uint64_t UsedMemory() const { return env_->AllocatedBytes(); }

  // Called by RESET for state that other families keep per client (subscriptions, tracking).
  using ClientHook = std::function<void(Client*)>;
  const ClientHook& reset_hook() const { return reset_hook_; }
  void set_reset_hook(ClientHook h) { reset_hook_ = std::move(h); }

  // ---- Propagation -----------------------------------------------------------------------
  void AddPropagationSink(PropagationSink* sink) { sinks_.push_back(sink); }
  void RemovePropagationSink(PropagationSink* sink);
  // Feeds a write to every sink (also used for expirations: DEL key).
  void Propagate(int db_index, const std::vector<std::string_view>& args);
  // Feeds a command to the replication stream only, not the AOF (PUBLISH, as Redis does).
  void PropagateToReplicas(int db_index, const std::vector<std::string_view>& args);

  // ---- Clients ---------------------------------------------------------------------------
  // Creates a client with no connection (scripts, tests, loading). Owned by the server.
  Client* CreateFakeClient();
  void FreeFakeClient(Client* c);
  // Marks a client to be closed and freed at the next before-sleep point.
  void CloseClientAsync(Client* c);
  // Runs one command for `c` as if it arrived on its connection (checks included); the reply
  // lands in c->reply_buffer().
  void ProcessCommand(Client* c, const std::vector<std::string_view>& args);
  // Queues a client whose reply buffer gained data for the next flush.
  void ScheduleFlush(Client* c);
  // Makes sure the before-sleep point runs after the current batch of callbacks.
  void RequestBeforeSleep() { ScheduleBeforeSleep(); }
  // Checks output buffer limits after a reply was added; closes the client if exceeded.
  bool CheckOutputLimits(Client* c);

  // Runs a command that already passed the checks (EXEC's queued commands, scripts): the
  // handler, statistics and propagation.
  void Call(CommandContext& ctx) { ExecuteCommand(ctx); }
  // Propagation units, as in Redis 7.0: everything a command propagates (its own rewrite, the
  // lazy-expiry DELs it caused, the commands an EXEC or a script ran) is held until the
  // outermost unit ends, then fed as is when it is one command, wrapped in MULTI ... EXEC when
  // it is several. Units nest (EXEC, EVAL, FCALL and every command open one).
  void BeginExecPropagation() { exec_depth_++; }
  void EndExecPropagation();
  // The current unit is fed without MULTI ... EXEC whatever its size (Redis does so for the
  // lazy-expiry DELs of SCAN and RANDOMKEY).
  void PropagateWithoutMulti() { propagate_without_multi_ = true; }

  // Handler for CONFIG SET side effects.
  void OnConfigChanged(const std::string& name);

  // AcceptHandler.
  void OnAccept(std::unique_ptr<Stream> stream) override;

  // False once the server is destroyed: callbacks that may outlive it (MIGRATE's connection)
  // check it first.
  std::shared_ptr<bool> alive_token() const { return alive_; }

  // Set while a client's command runs (nullptr otherwise).
  Client* current_client() const { return current_client_; }
  // True while executing EXEC or a script: key expiry time is frozen.
  bool time_frozen() const { return time_frozen_ > 0; }
  void FreezeTime() { time_frozen_++; }
  void UnfreezeTime() { time_frozen_--; }

  // ErrorReplyObserver: every error reply is counted for INFO errorstats.
  void OnErrorReply(std::string_view error_text) override;
  // A ReplyBuilder for `c` that writes to its reply buffer in its protocol.
  ReplyBuilder ReplyTo(Client* c);

 private:
  friend class Client;
  // Builds the keyspace and the blocked-client registry with their handles into this server.
  void BuildKeyspace();
  void BuildPersistence();
  void BuildReplication();
  void BuildAcl();
  // Cluster mode (server_cluster.cc): builds the cluster part; routes a command before it runs
  // or is queued, replying the redirect and returning false when this node does not serve it.
  void BuildCluster();
  bool RouteForCluster(Client* c, Command* cmd, const std::vector<std::string_view>& args);

  void Cron();
  void ActiveExpireCycle();
  void BeforeSleep();
  void ScheduleBeforeSleep();
  void FreeClient(Client* c);
  void ExecuteCommand(CommandContext& ctx);
  bool CheckCommandAllowed(Client* c, Command* cmd, const std::vector<std::string_view>& args);
  // Replies `error` to a command refused before it ran (unknown, arity, NOAUTH...) and flags an
  // open transaction so that EXEC aborts.
  void RejectCommand(Client* c, Command* cmd, std::string_view error);
  bool DeniedForMemory(Client* c, Command* cmd, const std::vector<std::string_view>& args);
  // The command may grow memory: deny-oom, or a script or function that declared flags without
  // allow-oom or no-writes (Redis gives those the command flags they declare).
  bool DeniesOom(const Command* cmd, std::string_view arg1) const;

  Env* env_;
  ServerConfig config_;
  Log log_;
  Random rng_;
  CommandTable commands_;
  ServerStats stats_;
  ErrorStats error_stats_;
  std::string run_id_;
  std::string options_config_file_;
  std::string options_executable_;
  int64_t start_time_us_ = 0;
  int listen_port_ = 0;

  std::unique_ptr<Keyspace> keyspace_;
  std::unique_ptr<Blocking> blocking_;
  std::unique_ptr<Persistence> persistence_;
  std::unique_ptr<Replication> replication_;
  std::unique_ptr<PubSub> pubsub_;
  std::unique_ptr<Introspection> introspection_;
  std::unique_ptr<Tracking> tracking_;
  int pause_kind_ = 0;  // 0 none, 1 writes, 2 all
  int64_t pause_end_us_ = 0;
  TimerId pause_timer_ = 0;
  std::vector<Client*> postponed_clients_;
  std::unique_ptr<Acl> acl_;
  std::unique_ptr<Evictor> evictor_;
  std::unique_ptr<Scripting> scripting_;
  std::unique_ptr<Sentinel> sentinel_;
  std::unique_ptr<cluster::Cluster> cluster_;
  bool loading_ = false;
  bool oom_before_command_ = false;
  std::unique_ptr<LazyFreer> lazy_freer_;
  std::vector<std::unique_ptr<Listener>> listeners_;
  std::map<uint64_t, Client*> clients_by_id_;
  std::vector<Client*> pending_writes_;
  std::vector<Client*> clients_to_free_;
  std::vector<Client*> unblocked_clients_;
  uint64_t next_client_id_ = 1;
  size_t fake_clients_ = 0;

  std::vector<PropagationSink*> sinks_;
  ClientHook reset_hook_;
  int exec_depth_ = 0;
  struct PendingWrite {
    int db_index;
    std::vector<std::string> args;
    bool replicas_only;  // PUBLISH: the replication stream, not the AOF
  };
  std::vector<PendingWrite> pending_writes_in_unit_;
  bool propagate_without_multi_ = false;

  Client* current_client_ = nullptr;
  int time_frozen_ = 0;
  int64_t now_ms_ = 0;
  TimerId cron_timer_ = 0;
  bool before_sleep_scheduled_ = false;
  bool stopped_ = false;
  bool shutting_down_ = false;
  std::function<void()> shutdown_callback_;
  int64_t cron_loops_ = 0;
  int64_t last_save_time_s_ = 0;
  bool active_expire_enabled_ = true;
  uint64_t errors_in_current_call_ = 0;
  bool in_call_ = false;
  // Guards callbacks (timers, deferred calls) that may outlive the server.
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace redsim
