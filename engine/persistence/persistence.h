// Persistence: everything that puts the dataset on disk and gets it back — RDB snapshots (SAVE,
// BGSAVE, save points), the AOF (through Aof), loading at startup (AOF preferred when enabled,
// as Redis does), and the fork-less background snapshots both use.
//
// Background work (BGSAVE, AOF rewrite) runs as a chain of Env timers, each step emitting a
// bounded number of keys from a Snapshot into an RDB writer and appending to a temporary file;
// the simulated cost of each step is the bytes it wrote at 200 MB/s, so a background save takes
// virtual time under simulation and leaves room for clients in real mode. The file's final fsync
// runs in the background too (Env::SyncInBackground); the job counts as in progress until it
// completes, then the file is renamed into place. Only one background snapshot runs at a time;
// a rewrite requested during a BGSAVE is scheduled after it.
//
// Destroying a Persistence is a crash: nothing is flushed. Graceful paths (SHUTDOWN, CONFIG SET
// appendonly no) call the explicit methods.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/base/log.h"
#include "engine/base/status.h"
#include "engine/env/env.h"
#include "engine/persistence/aof.h"
#include "engine/persistence/rdb_file.h"
#include "engine/persistence/replication_aux.h"
#include "engine/persistence/snapshot.h"
#include "engine/server/propagation.h"

namespace redsim {

class Client;
class Keyspace;
struct ServerConfig;

// Appends one command in RESP (the AOF's format).
void AppendAofCommand(std::string* out, const std::vector<std::string>& args);
// Appends the commands that rebuild `key` with `value` as Redis's AOF rewrite writes them (SET;
// RPUSH, SADD, ZADD, HMSET in batches of 64 items), for an AOF base without RDB preamble.
void AppendRebuildCommands(std::string* out, std::string_view key, const Value& value,
                           bool compress);

// What persistence needs from the node it belongs to: narrow handles, not the server.
struct PersistenceHandles {
  Env* env = nullptr;
  ServerConfig* config = nullptr;
  Log* log = nullptr;
  Random* rng = nullptr;  // for the key tables of loaded databases
  Keyspace* keyspace = nullptr;
  const uint64_t* dirty = nullptr;  // the node's change counter (changes since start)
  // LOADING state of the node (no propagation, LOADING replies).
  std::function<void(bool on)> set_loading;
  // LASTSAVE as the node reports it.
  std::function<void(int64_t unix_s)> set_last_save_time_s;
  // Function libraries (engine/scripting): one read from an RDB file ("" or an error), and the
  // code of every library to save.
  std::function<std::string(const std::string& code)> load_library;
  std::function<std::vector<std::string>()> library_codes;
  // AOF replay: a client without a connection, running commands with every check.
  std::function<Client*()> create_replay_client;
  std::function<void(Client*)> free_replay_client;
  std::function<void(Client*, const std::vector<std::string_view>&)> replay_command;
  // An AOF write or fsync error under appendfsync always: the node shuts down.
  std::function<void()> shutdown_on_aof_error;
};

class Persistence : public PropagationSink, public SnapshotSink {
 public:
  explicit Persistence(PersistenceHandles handles);
  ~Persistence() override;

  Aof* aof() { return aof_.get(); }

  // Startup: loads the AOF when appendonly is on (and it exists), else the RDB file if present;
  // then opens the AOF for writing when appendonly is on. Errors name the file, the offset and
  // what was wrong.
  Status LoadAtStartup();
  // Loads an RDB image into the databases (startup, AOF preamble, DEBUG RELOAD, full sync).
  Status LoadRdbImage(std::string_view data, uint64_t* consumed = nullptr);

  // The before-sleep point: the AOF buffer goes to disk before any reply of this turn.
  void BeforeReplies();
  void Cron();

  // SAVE: a synchronous snapshot to `dbfilename` (temporary file, fsync, rename, directory fsync).
  Status SaveSync();
  // BGSAVE [SCHEDULE]: "" on success, else the error text to reply.
  std::string BgSave(bool schedule);
  // BGREWRITEAOF: "" on success (started or scheduled), else the error text; *scheduled set when
  // it waits for a running BGSAVE.
  std::string BgRewriteAof(bool* scheduled);
  // A snapshot whose RDB bytes go to `consumer` instead of a file (replication full sync).
  // `can_accept` pauses the snapshot while it returns false (slow replicas). Returns false when
  // another background job runs; `job_done_hook` is called when it ends.
  using ChunkConsumer = std::function<void(std::string_view chunk, bool done)>;
  // `history` is the replication history the image belongs to (recorded in its aux fields).
  bool StartStreamingSnapshot(ChunkConsumer consumer, std::function<bool()> can_accept,
                              const ReplicationAux& history);
  void set_job_done_hook(std::function<void()> hook) { job_done_hook_ = std::move(hook); }
  // Replication's side of the RDB aux fields, as Redis passes rdbSaveInfo: `source` gives the
  // history a BGSAVE/SAVE records (nullopt: none to record); `on_loaded` receives the history of
  // the RDB file loaded at startup.
  using HistorySource = std::function<std::optional<ReplicationAux>()>;
  using HistoryLoaded = std::function<void(const ReplicationAux&)>;
  void set_replication_history(HistorySource source, HistoryLoaded on_loaded) {
    history_source_ = std::move(source);
    history_loaded_ = std::move(on_loaded);
  }
  bool job_running() const { return job_ != nullptr; }

  // Writes a complete base (RDB or AOF commands) synchronously to `path` (first AOF base).
  Status WriteBaseSync(const std::string& path);

  // CONFIG SET appendonly yes|no.
  std::string SetAppendOnly(bool on);
  // SHUTDOWN: flush and fsync the AOF; save the RDB if asked (or if save points are set and
  // nosave is not given). Returns "" or an error (the shutdown is then refused, as Redis does).
  std::string PrepareShutdown(bool save, bool nosave);
  // DEBUG RELOAD: save, flush, load back.
  Status Reload();

  // PropagationSink: writes to the AOF.
  void Feed(int db, const std::vector<std::string_view>& args) override;
  // SnapshotSink.
  void Emit(int db, std::string_view key, const Value& value, int64_t expire_ms,
            uint32_t access) override;

  // ---- INFO persistence -------------------------------------------------------------------
  bool loading() const { return loading_; }
  bool bgsave_in_progress() const { return job_ && job_->kind == JobKind::kBgSave; }
  bool aof_rewrite_in_progress() const { return job_ && job_->kind == JobKind::kAofRewrite; }
  bool aof_rewrite_scheduled() const { return rewrite_scheduled_; }
  uint64_t dirty_at_last_save() const { return dirty_at_last_save_; }
  int64_t last_save_time_s() const { return last_save_time_s_; }
  bool last_bgsave_ok() const { return last_bgsave_ok_; }
  int64_t last_bgsave_duration_s() const { return last_bgsave_duration_s_; }
  int64_t current_job_seconds() const;
  uint64_t rdb_saves() const { return rdb_saves_; }
  bool last_bgrewrite_ok() const { return last_bgrewrite_ok_; }
  int64_t last_rewrite_duration_s() const { return last_rewrite_duration_s_; }
  uint64_t aof_rewrites() const { return aof_rewrites_; }
  uint64_t keys_loaded() const { return keys_loaded_; }
  uint64_t keys_expired_on_load() const { return keys_expired_on_load_; }
  int64_t longest_step_us() const { return longest_step_us_; }

 private:
  enum class JobKind { kBgSave, kAofRewrite, kReplication };
  struct Job {
    uint64_t id = 0;
    JobKind kind;
    std::unique_ptr<Snapshot> snapshot;
    std::unique_ptr<WritableFile> file;
    std::string temp_path;
    std::string final_name;  // AOF base name, or "" for the RDB file
    std::string buffer;
    std::unique_ptr<rdb::FileWriter> writer;
    int current_db = -1;
    bool aof_format = false;  // base written as commands rather than RDB
    int64_t start_us = 0;
    uint64_t dirty_at_start = 0;
    ChunkConsumer consumer;  // set for kReplication (no file)
    uint64_t streamed = 0;   // bytes handed to the consumer
    std::function<bool()> can_accept;
    // The walk is over and the final fsync runs in the background: `file` has moved into the
    // completion callback, which keeps it open until the sync is done even if the job (or this
    // Persistence: a crash) ends first.
    bool syncing = false;
  };

  std::string RdbPath() const;
  std::vector<std::pair<std::string, std::string>> AuxFields() const;
  Status StartJob(JobKind kind, bool aof_format, const std::string& temp_path,
                  const std::string& final_name);
  void ScheduleStep(int64_t delay_us);
  void RunStep();
  Status FlushJobBuffer(bool final);
  void EndSnapshot(Job* job);
  void WriteFunctions(rdb::FileWriter* writer);
  void SyncJobFileInBackground();
  void FinishJob(bool ok, const std::string& error);
  std::vector<Database*> AllDatabases();

  PersistenceHandles h_;
  std::unique_ptr<Aof> aof_;
  std::unique_ptr<Job> job_;
  bool loading_ = false;
  bool rewrite_scheduled_ = false;
  bool idle_mark_ = false;
  uint64_t dirty_at_last_save_ = 0;
  int64_t last_save_time_s_ = 0;
  int64_t last_bgsave_try_s_ = 0;
  bool last_bgsave_ok_ = true;
  int64_t last_bgsave_duration_s_ = -1;
  uint64_t rdb_saves_ = 0;
  bool last_bgrewrite_ok_ = true;
  int64_t last_rewrite_duration_s_ = -1;
  uint64_t aof_rewrites_ = 0;
  uint64_t keys_loaded_ = 0;
  uint64_t keys_expired_on_load_ = 0;
  int64_t longest_step_us_ = 0;
  TimerId step_timer_ = 0;
  uint64_t last_job_id_ = 0;
  // The replication history of the last RDB image loaded (startup hands it to replication).
  ReplicationAux last_load_history_;
  HistorySource history_source_;
  HistoryLoaded history_loaded_;
  std::function<void()> job_done_hook_;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace redsim
