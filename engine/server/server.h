// Server: one Redis-compatible node. It owns its databases, clients, configuration and command
// table, and reaches the outside world only through the Env it was built with, so several
// servers can share one process (simulation) or one runs alone on real sockets (redsim-server).
//
// Execution model: every callback runs on the Env's loop; a command runs to completion before
// the next starts. Replies are buffered per client and flushed at the Env's "before sleep" point
// (Env::Defer), which is also where the AOF will be written, so a reply never leaves before the
// write it acknowledges is on its way to disk.
//
// Keyspace rules that every command family relies on live here: lazy expiry on lookup, keyspace
// statistics, the dirty counter, WATCH invalidation (SignalModifiedKey), keys becoming ready for
// blocked clients (SignalKeyReady) and propagation of writes.
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
#include "engine/env/env.h"
#include "engine/resp/reply_builder.h"
#include "engine/server/client.h"
#include "engine/server/command.h"
#include "engine/server/config.h"

namespace redsim {

class Introspection;
class Persistence;
class PubSub;
class Tracking;
class Replication;
class Acl;
class Evictor;
class Scripting;

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

// Receives every write a command makes, in execution order (AOF, replication).
class PropagationSink {
 public:
  virtual ~PropagationSink() = default;
  virtual void Feed(int db_index, const std::vector<std::string_view>& args) = 0;
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

  int db_count() const { return static_cast<int>(dbs_.size()); }
  Database* db(int index) { return dbs_[static_cast<size_t>(index)].get(); }
  const std::map<uint64_t, Client*>& clients() const { return clients_by_id_; }
  Client* FindClient(uint64_t id) const;
  size_t blocked_client_count() const { return blocked_count_; }
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

  // Bytes of memory in use as INFO reports it (the allocator's count in real mode).
  uint64_t UsedMemory() const { return env_->AllocatedBytes(); }

  // ---- Keyspace operations for command families ----------------------------------------
  // Finds a live key for reading: expires it if due, counts a hit or miss, touches its LRU
  // (unless `touch` is false: introspection such as TYPE, TTL, EXISTS, OBJECT counts as a read
  // but leaves the idle time alone, as in Redis).
  DbEntry* LookupRead(Database* db, std::string_view key, bool touch = true);
  // Finds a live key for writing (expires it if due; no hit/miss statistics).
  DbEntry* LookupWrite(Database* db, std::string_view key);
  // The access clock OBJECT IDLETIME/FREQ read for `e`: its own, or, for a shared integer (see
  // Value::shared), the one clock Redis keeps for all keys holding that integer.
  uint32_t AccessClock(const DbEntry* e) const;
  // Whether values marked shared() count as shared now (Redis stops sharing integers when a
  // maxmemory limit with an LRU or LFU policy needs per-key access data).
  bool SharesIntegers() const;
  // Finds a live key without touching statistics or LRU (TYPE-like introspection is still a
  // read; this is for internal checks).
  DbEntry* Peek(Database* db, std::string_view key);
  // Adds a key that must be absent; returns its entry. Signals the key as modified.
  DbEntry* AddKey(Database* db, std::string_view key, Value value);
  // Sets a key to `value`, replacing any old value. Drops the TTL unless keep_ttl. Signals.
  DbEntry* SetKey(Database* db, std::string_view key, Value value, bool keep_ttl = false);
  // Deletes a key if present; returns whether it was. Signals. With `lazy` (UNLINK,
  // lazyfree-lazy-user-del) a big value is handed to the lazy-free queue instead of being freed
  // inside the command.
  bool DeleteKey(Database* db, std::string_view key, bool lazy = false);
  // Sets an absolute expiry time in Unix ms (0 removes it).
  void SetExpire(Database* db, DbEntry* e, int64_t when_ms);
  // Deletes the key if its time has come (and this node may expire keys). Returns true when the
  // key is logically expired (deleted, or hidden on a replica).
  bool ExpireIfNeeded(Database* db, DbEntry* e);
  // Empties one database (-1: all). Returns the number of keys removed.
  int64_t FlushDatabases(int index, bool async);
  // Swaps two databases' contents.
  void SwapDatabases(int a, int b);

  // A key was modified: invalidates WATCHes on it (and client-side caches).
  void SignalModifiedKey(Database* db, std::string_view key);
  // WATCH bookkeeping: a watched key that is modified makes the watcher's EXEC fail.
  void WatchKey(Client* c, int db_index, std::string_view key);
  void UnwatchAllKeys(Client* c);
  // A key a client may be blocked on received data (push, add...).
  void SignalKeyReady(Database* db, std::string_view key);
  // Publishes a keyspace notification if enabled for `type_class` (a char such as 'g', '$').
  void NotifyKeyspaceEvent(char type_class, std::string_view event, std::string_view key,
                           int db_index);
  // Called by RESET for state that other families keep per client (subscriptions, tracking).
  using ClientHook = std::function<void(Client*)>;
  const ClientHook& reset_hook() const { return reset_hook_; }
  void set_reset_hook(ClientHook h) { reset_hook_ = std::move(h); }
  using KeyspaceNotifier = std::function<void(char, std::string_view, std::string_view, int)>;
  void set_keyspace_notifier(KeyspaceNotifier n) { keyspace_notifier_ = std::move(n); }

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

  // ---- Blocking --------------------------------------------------------------------------
  // Blocks `c` on `keys` until one is signalled ready or the timeout (absolute Unix ms, 0 =
  // forever) passes; the stored command is re-run when a key is ready.
  void BlockClient(Client* c, const std::vector<std::string_view>& args, Command* cmd,
                   const std::vector<std::string>& keys, int64_t timeout_ms,
                   std::function<void(Client*, ReplyBuilder&)> timeout_reply = nullptr);
  // Unblocks with the timeout reply (null) or an error; `reply` writes nothing when empty.
  void UnblockClient(Client* c, bool timed_out, std::string_view error = {});
  // While ServeReadyKeys re-runs a blocked command: the key that was signalled ready (empty
  // otherwise). Redis serves a waiting client from that key, not from the first non-empty key
  // of its list, so multi-key blocking commands look at this key only when re-run.
  // nullptr when no blocked command is being re-run (a key may be the empty string).
  const std::string* ready_key() const { return serving_ready_key_ ? &ready_key_ : nullptr; }

  // Runs a command that already passed the checks (EXEC's queued commands, scripts): the
  // handler, statistics and propagation.
  void Call(CommandContext& ctx) { ExecuteCommand(ctx); }
  // Transaction propagation: writes inside EXEC are wrapped in MULTI ... EXEC for the sinks.
  void BeginExecPropagation() { exec_depth_++; }
  void EndExecPropagation();

  // Handler for CONFIG SET side effects.
  void OnConfigChanged(const std::string& name);

  // AcceptHandler.
  void OnAccept(std::unique_ptr<Stream> stream) override;

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
  struct BlockedKey {
    int db;
    std::string key;
    bool operator<(const BlockedKey& o) const { return db != o.db ? db < o.db : key < o.key; }
  };

  void Cron();
  void ActiveExpireCycle();
  void BeforeSleep();
  void ScheduleBeforeSleep();
  void FreeClient(Client* c);
  void ServeReadyKeys();
  void ExecuteCommand(CommandContext& ctx);
  bool CheckCommandAllowed(Client* c, Command* cmd, const std::vector<std::string_view>& args);
  // Replies `error` to a command refused before it ran (unknown, arity, NOAUTH...) and flags an
  // open transaction so that EXEC aborts.
  void RejectCommand(Client* c, Command* cmd, std::string_view error);
  bool DeniedForMemory(Client* c, Command* cmd);
  void DeleteExpiredEntry(Database* db, DbEntry* e);
  // Records an access to `e` on the LRU clock (its own, or its shared integer's).
  void Touch(DbEntry* e);

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

  std::vector<std::unique_ptr<Database>> dbs_;
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
  bool loading_ = false;
  std::unique_ptr<LazyFreer> lazy_freer_;
  std::vector<std::unique_ptr<Listener>> listeners_;
  std::map<uint64_t, Client*> clients_by_id_;
  std::vector<Client*> pending_writes_;
  std::vector<Client*> clients_to_free_;
  std::vector<Client*> unblocked_clients_;
  uint64_t next_client_id_ = 1;
  size_t fake_clients_ = 0;
  size_t blocked_count_ = 0;

  // Blocked clients by key, first blocked first served; keys signalled ready this turn.
  std::map<BlockedKey, std::vector<Client*>> blocking_keys_;
  std::vector<BlockedKey> ready_keys_;
  std::string ready_key_;  // see ready_key()
  bool serving_ready_key_ = false;
  std::vector<PropagationSink*> sinks_;
  std::map<BlockedKey, std::vector<Client*>> watched_keys_;
  KeyspaceNotifier keyspace_notifier_;
  ClientHook reset_hook_;
  int exec_depth_ = 0;
  bool exec_multi_emitted_ = false;
  int exec_multi_db_ = 0;

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
  // Access clocks of the shared integers 0..kSharedIntegers-1 (allocated on first use).
  std::vector<uint32_t> shared_int_clock_;
  // Guards callbacks (timers, deferred calls) that may outlive the server.
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace redsim
