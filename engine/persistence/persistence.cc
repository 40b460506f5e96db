#include "engine/persistence/persistence.h"

#include <algorithm>

#include "engine/base/strutil.h"
#include "engine/db/keyspace.h"
#include "engine/server/config.h"
#include "engine/server/info.h"
#include "engine/types/hash_object.h"
#include "engine/types/list_object.h"
#include "engine/types/set_object.h"
#include "engine/types/zset_object.h"

namespace redsim {

namespace {
// Entries a background step emits at most, and the output it buffers before writing.
constexpr size_t kStepEntries = 1000;
constexpr size_t kFlushBytes = 256 * 1024;
// The simulated (and real-mode pacing) write bandwidth of background saves: bytes per us.
constexpr int64_t kBytesPerMicro = 200;
}  // namespace

void AppendAofCommand(std::string* out, const std::vector<std::string>& args) {
  out->append("*" + std::to_string(args.size()) + "\r\n");
  for (const auto& a : args) {
    out->append("$" + std::to_string(a.size()) + "\r\n");
    out->append(a);
    out->append("\r\n");
  }
}

namespace {

// Batches of commands that rebuild a collection: `head` (command and key) followed by up to
// kItemsPerCommand items (each item one or more arguments), as Redis's AOF rewrite emits them.
constexpr size_t kItemsPerCommand = 64;
class CommandBatcher {
 public:
  CommandBatcher(std::string* out, std::vector<std::string> head)
      : out_(out), head_(std::move(head)), args_(head_) {}
  ~CommandBatcher() { Flush(); }
  void Item(std::initializer_list<std::string_view> parts) {
    for (auto p : parts) args_.emplace_back(p);
    if (++items_ == kItemsPerCommand) Flush();
  }

 private:
  void Flush() {
    if (items_ == 0) return;
    AppendAofCommand(out_, args_);
    args_ = head_;
    items_ = 0;
  }
  std::string* out_;
  std::vector<std::string> head_;
  std::vector<std::string> args_;
  size_t items_ = 0;
};

}  // namespace

void AppendRebuildCommands(std::string* out, std::string_view key, const Value& value,
                           bool compress) {
  std::string k(key);
  switch (value.type()) {
    case ObjType::kString:
      AppendAofCommand(out, {"SET", k, value.ToString()});
      return;
    case ObjType::kList: {
      const auto* list = value.As<ListObject>();
      CommandBatcher b(out, {"RPUSH", k});
      for (auto it = list->IterAt(0); it.valid(); it.Next()) b.Item({it.Get()});
      return;
    }
    case ObjType::kSet: {
      CommandBatcher b(out, {"SADD", k});
      value.As<SetObject>()->ForEachMember([&](std::string_view m) { b.Item({m}); });
      return;
    }
    case ObjType::kZSet: {
      const auto* z = value.As<ZSetObject>();
      CommandBatcher b(out, {"ZADD", k});
      z->ForEachInRange(0, z->Length(), [&](std::string_view m, double score) {
        std::string text = DoubleToString(score);
        b.Item({text, m});
      });
      return;
    }
    case ObjType::kHash: {
      CommandBatcher b(out, {"HMSET", k});
      value.As<HashObject>()->ForEach([&](std::string_view f, std::string_view v) {
        b.Item({f, v});
      });
      return;
    }
    default: {
      // Types without a command form here (streams, until they add theirs): a RESTORE payload.
      std::string payload;
      rdb::Encoder enc(&payload, compress);
      if (!rdb::SaveValue(value, enc)) return;
      AppendAofCommand(out, {"RESTORE", k, "0", rdb::MakeDumpPayload(payload), "REPLACE"});
      return;
    }
  }
}

Persistence::Persistence(PersistenceHandles handles)
    : h_(std::move(handles)), aof_(std::make_unique<Aof>(this, &h_)) {
  last_save_time_s_ = h_.env->WallMicros() / 1000000;
}

Persistence::~Persistence() {
  *alive_ = false;
  if (step_timer_ != 0) h_.env->CancelTimer(step_timer_);
  job_.reset();  // a crash: the temporary file stays, as a killed child's would
}

std::string Persistence::RdbPath() const { return h_.config->dir + "/" + h_.config->dbfilename; }

std::vector<Database*> Persistence::AllDatabases() {
  std::vector<Database*> dbs;
  for (int i = 0; i < h_.keyspace->db_count(); i++) dbs.push_back(h_.keyspace->db(i));
  return dbs;
}

std::vector<std::pair<std::string, std::string>> Persistence::AuxFields() const {
  return {{"redis-ver", kRedisVersion},
          {"redis-bits", "64"},
          {"ctime", std::to_string(h_.env->WallMicros() / 1000000)},
          {"used-mem", std::to_string(h_.env->AllocatedBytes())},
          {"aof-base", "0"}};
}

// ---- Loading --------------------------------------------------------------------------------

Status Persistence::LoadRdbImage(std::string_view data, uint64_t* consumed) {
  rdb::LoadContext ctx;
  ctx.config = h_.config;
  ctx.deep_sanitize = h_.config->sanitize_dump_payload == "yes";
  ctx.rng = h_.rng;
  ctx.on_function = [this](const std::string& code) {
    std::string error = h_.load_library(code);
    if (error.empty()) return Status::Ok();
    return Status::Corruption("Failed loading library: " + error);
  };
  ctx.on_resize_db = [this](int db, uint64_t keys) {
    if (db >= 0 && db < h_.keyspace->db_count()) h_.keyspace->db(db)->table().Reserve(keys);
  };
  // A master drops keys already expired while loading; a replica keeps them for its master to
  // expire (as Redis does).
  int64_t now_ms = h_.config->replicaof.empty() ? h_.env->WallMicros() / 1000 : 0;
  uint32_t lru = h_.keyspace->LruClock();
  rdb::LoadStats stats;
  Status s = rdb::LoadRdb(
      data, ctx, now_ms,
      [&](rdb::KeyRecord& rec) -> Status {
        if (rec.db < 0 || rec.db >= h_.keyspace->db_count()) {
          return Status::Corruption(
              "FATAL: Data file was created with a Redis server configured "
              "to handle more than " +
              std::to_string(h_.keyspace->db_count()) + " databases. Exiting");
        }
        Database* db = h_.keyspace->db(rec.db);
        if (db->Find(rec.key) != nullptr) {
          return Status::Corruption("RDB has duplicated key '" + rec.key + "' in DB " +
                                    std::to_string(rec.db));
        }
        DbEntry* e = db->Add(rec.key, std::move(rec.value));
        if (rec.expire_ms != 0) db->SetExpire(e, rec.expire_ms);
        e->access = rec.lfu_freq >= 0 ? static_cast<uint32_t>(rec.lfu_freq)
                    : rec.lru_idle_s >= 0
                        ? (lru - static_cast<uint32_t>(rec.lru_idle_s)) & ((1u << 24) - 1)
                        : lru;
        return Status::Ok();
      },
      &stats, consumed);
  keys_loaded_ += stats.keys_loaded;
  last_load_history_ = ReplicationAux::FromAuxFields(stats.aux);
  keys_expired_on_load_ += stats.keys_expired;
  return s;
}

Status Persistence::LoadAtStartup() {
  loading_ = true;
  h_.set_loading(true);
  Env* env = h_.env;
  int64_t start_us = env->NowMicros();
  Status s = Status::Ok();
  bool loaded_aof = false;
  if (h_.config->appendonly) {
    s = aof_->Load();
    if (s.ok())
      loaded_aof = true;
    else if (s.code() != Status::kNotFound) {
      loading_ = false;
      h_.set_loading(false);
      return s;
    }
  }
  if (!loaded_aof && env->FileExists(RdbPath())) {
    std::string data;
    s = env->ReadFileToString(RdbPath(), &data);
    if (s.ok()) s = LoadRdbImage(data);
    if (s.ok() && history_loaded_) history_loaded_(last_load_history_);
    if (!s.ok()) {
      loading_ = false;
      h_.set_loading(false);
      return Status::Corruption("Error loading " + RdbPath() + ": " + s.message());
    }
    h_.log->Notice("DB loaded from disk: {:.3f} seconds",
                   static_cast<double>(env->NowMicros() - start_us) / 1e6);
  }
  loading_ = false;
  h_.set_loading(false);
  dirty_at_last_save_ = *h_.dirty;
  if (h_.config->appendonly) {
    s = aof_->Open();
    if (!s.ok()) return Status::IoError("Can't open the append-only file: " + s.message());
  }
  return Status::Ok();
}

// ---- Propagation ----------------------------------------------------------------------------

void Persistence::Feed(int db, const std::vector<std::string_view>& args) {
  if (!loading_) aof_->Feed(db, args);
}

void Persistence::BeforeReplies() { aof_->Flush(); }

// ---- Snapshots ------------------------------------------------------------------------------

void Persistence::Emit(int db, std::string_view key, const Value& value, int64_t expire_ms,
                       uint32_t access) {
  Job* job = job_.get();
  if (job == nullptr) return;
  if (job->aof_format) {
    if (job->current_db != db) {
      AppendAofCommand(&job->buffer, {"SELECT", std::to_string(db)});
      job->current_db = db;
    }
    AppendRebuildCommands(&job->buffer, key, value, h_.config->rdbcompression);
    if (expire_ms != 0) {
      AppendAofCommand(&job->buffer, {"PEXPIREAT", std::string(key), std::to_string(expire_ms)});
    }
    return;
  }
  if (job->current_db != db) {
    Database* d = h_.keyspace->db(db);
    job->writer->SelectDb(db, d->size(), d->volatile_count());
    job->current_db = db;
  }
  bool lfu = h_.config->maxmemory_policy.find("lfu") != std::string::npos;
  bool lru = h_.config->maxmemory_policy.find("lru") != std::string::npos;
  int64_t idle = -1;
  if (lru) {
    uint32_t now = h_.keyspace->LruClock();
    uint32_t then = access & ((1u << 24) - 1);
    idle = now >= then ? now - then : now + ((1u << 24) - then);
  }
  if (!job->writer->Entry(key, value, expire_ms, idle,
                          lfu ? static_cast<int>(access & 0xff) : -1)) {
    // A value with no on-disk encoding: never drop it silently.
    h_.log->Warning("Snapshot: no RDB encoding for the value of key '{}' (type {}); not saved", key,
                    static_cast<int>(value.type()));
  }
}

void Persistence::WriteFunctions(rdb::FileWriter* writer) {
  // The function libraries travel with the data, before the first database (as in Redis).
  for (const std::string& code : h_.library_codes()) writer->Function(code);
}

Status Persistence::StartJob(JobKind kind, bool aof_format, const std::string& temp_path,
                             const std::string& final_name) {
  auto job = std::make_unique<Job>();
  job->id = ++last_job_id_;
  job->kind = kind;
  job->aof_format = aof_format;
  job->temp_path = temp_path;
  job->final_name = final_name;
  job->start_us = h_.env->NowMicros();
  job->dirty_at_start = *h_.dirty;
  if (kind != JobKind::kReplication) {
    Status s = h_.env->OpenWritable(temp_path, /*truncate=*/true, &job->file);
    if (!s.ok()) return s;
  }
  job->writer = std::make_unique<rdb::FileWriter>(&job->buffer, h_.config->rdbcompression,
                                                  h_.config->rdbchecksum);
  if (!aof_format) {
    auto aux = AuxFields();
    if (kind == JobKind::kAofRewrite) aux.back().second = "1";
    if (kind == JobKind::kBgSave) {
      // The replication history this snapshot belongs to (before aof-base, where Redis puts it).
      std::optional<ReplicationAux> history;
      if (history_source_) history = history_source_();
      if (history) {
        auto repl = history->ToAuxFields();
        aux.insert(aux.end() - 1, repl.begin(), repl.end());
      }
    }
    job->writer->Header(aux);
    WriteFunctions(job->writer.get());
  }
  job_ = std::move(job);
  job_->snapshot = std::make_unique<Snapshot>(AllDatabases(), idle_mark_, this);
  return Status::Ok();
}

Status Persistence::FlushJobBuffer(bool final) {
  Job* job = job_.get();
  if (final && !job->aof_format) job->writer->Finish();
  if (job->buffer.empty()) return Status::Ok();
  if (!job->aof_format) job->writer->Flushed(job->buffer.size());
  Status s = Status::Ok();
  if (job->consumer)
    job->consumer(job->buffer, false);
  else
    s = job->file->Append(job->buffer);
  job->buffer.clear();
  return s;
}

bool Persistence::StartStreamingSnapshot(ChunkConsumer consumer, std::function<bool()> can_accept,
                                         const ReplicationAux& history) {
  if (job_) return false;
  auto job = std::make_unique<Job>();
  job->id = ++last_job_id_;
  job->kind = JobKind::kReplication;
  job->start_us = h_.env->NowMicros();
  job->consumer = std::move(consumer);
  job->can_accept = std::move(can_accept);
  job->writer = std::make_unique<rdb::FileWriter>(&job->buffer, h_.config->rdbcompression,
                                                  h_.config->rdbchecksum);
  auto aux = AuxFields();
  auto repl = history.ToAuxFields();
  aux.insert(aux.end(), repl.begin(), repl.end());
  job->writer->Header(aux);
  WriteFunctions(job->writer.get());
  job_ = std::move(job);
  job_->snapshot = std::make_unique<Snapshot>(AllDatabases(), idle_mark_, this);
  ScheduleStep(0);
  return true;
}

void Persistence::ScheduleStep(int64_t delay_us) {
  auto alive = alive_;
  step_timer_ = h_.env->AddTimer(delay_us, [this, alive] {
    if (!*alive) return;
    step_timer_ = 0;
    RunStep();
  });
}

void Persistence::RunStep() {
  if (!job_) return;
  if (job_->can_accept && !job_->can_accept()) {
    ScheduleStep(1000);  // the receivers are behind: try again in 1 ms
    return;
  }
  int64_t t0 = h_.env->NowMicros();
  size_t before = job_->buffer.size();
  uint64_t file_before = job_->file ? job_->file->Size() : 0;
  uint64_t streamed_before = job_->streamed;
  bool done = job_->snapshot->Step(kStepEntries);
  Status s = Status::Ok();
  if (job_->buffer.size() >= kFlushBytes || done) {
    job_->streamed += job_->buffer.size();
    s = FlushJobBuffer(done);
    if (done && job_->consumer) job_->streamed += 0;
  }
  longest_step_us_ = std::max(longest_step_us_, h_.env->NowMicros() - t0);
  if (!s.ok()) {
    FinishJob(false, s.message());
    return;
  }
  if (done && job_->file) {
    SyncJobFileInBackground();
    return;
  }
  if (done) {
    FinishJob(true, "");
    return;
  }
  uint64_t written = (job_->file ? job_->file->Size() - file_before : 0) +
                     (job_->streamed - streamed_before) + (job_->buffer.size() - before);
  ScheduleStep(static_cast<int64_t>(written) / kBytesPerMicro);
}

void Persistence::EndSnapshot(Job* job) {
  if (!job->snapshot) return;
  // The snapshot must finish walking so every entry's mark is consistent; if it failed early,
  // walk the rest without emitting.
  if (!job->snapshot->done()) {
    job->snapshot->Abandon();
    while (!job->snapshot->Step(1 << 20)) {
    }
  }
  idle_mark_ = job->snapshot->saved_mark();
  job->snapshot.reset();
}

void Persistence::SyncJobFileInBackground() {
  // The final fsync of a large file can take hundreds of milliseconds: it runs off the event
  // loop (Env::SyncInBackground), the job staying "in progress" until it completes. The snapshot
  // is over: detach it now so writes meanwhile cost nothing.
  EndSnapshot(job_.get());
  job_->syncing = true;
  uint64_t id = job_->id;
  auto alive = alive_;
  // The callback owns the file: the sync (a thread in real mode) may outlive the job.
  std::shared_ptr<WritableFile> file(std::move(job_->file));
  WritableFile* raw = file.get();
  h_.env->SyncInBackground(raw, [this, alive, id, file](Status s) {
    if (!*alive || !job_ || job_->id != id) return;  // ended meanwhile (shutdown, crash)
    file->Close();
    job_->syncing = false;
    FinishJob(s.ok(), s.message());
  });
}

void Persistence::FinishJob(bool ok, const std::string& error) {
  std::unique_ptr<Job> job = std::move(job_);
  EndSnapshot(job.get());
  if (job->file) job->file->Close();  // (a syncing job's file belongs to its sync callback)
  Env* env = h_.env;
  int64_t duration_s = (env->NowMicros() - job->start_us + 500000) / 1000000;
  Status s = ok ? Status::Ok() : Status::IoError(error);
  if (job->kind == JobKind::kReplication) {
    job->consumer(std::string_view(), true);
  } else if (job->kind == JobKind::kBgSave) {
    if (s.ok()) s = env->RenameFile(job->temp_path, RdbPath());
    if (s.ok()) s = env->SyncDir(h_.config->dir);
    last_bgsave_ok_ = s.ok();
    last_bgsave_duration_s_ = duration_s;
    if (s.ok()) {
      rdb_saves_++;
      dirty_at_last_save_ = job->dirty_at_start;
      last_save_time_s_ = env->WallMicros() / 1000000;
      h_.set_last_save_time_s(last_save_time_s_);
      h_.log->Notice("Background saving terminated with success");
    } else {
      env->RemoveFile(job->temp_path);
      h_.log->Warning("Background saving error: {}", s.message());
    }
  } else if (job->kind == JobKind::kAofRewrite) {
    if (s.ok())
      s = aof_->FinishRewrite(job->temp_path, job->final_name);
    else
      aof_->AbortRewrite(job->temp_path);
    last_bgrewrite_ok_ = s.ok();
    last_rewrite_duration_s_ = duration_s;
    if (s.ok()) {
      aof_rewrites_++;
      h_.log->Notice("Background AOF rewrite finished successfully");
    } else {
      h_.log->Warning("Background AOF rewrite failed: {}", s.message());
    }
  }
  if (rewrite_scheduled_ && !job_) {
    rewrite_scheduled_ = false;
    bool scheduled;
    BgRewriteAof(&scheduled);
  }
  if (!job_ && job_done_hook_) job_done_hook_();
}

int64_t Persistence::current_job_seconds() const {
  if (!job_) return -1;
  return (h_.env->NowMicros() - job_->start_us) / 1000000;
}

std::string Persistence::BgSave(bool schedule) {
  if (bgsave_in_progress()) return "ERR Background save already in progress";
  if (job_) {
    if (schedule) return "";  // (run after the rewrite; Redis replies "scheduled")
    return "ERR Another child process is active (AOF?): can't BGSAVE right now. Use BGSAVE "
           "SCHEDULE in order to schedule a BGSAVE whenever possible.";
  }
  std::string temp = h_.config->dir + "/temp-" + std::to_string(h_.env->ProcessId()) + ".rdb";
  last_bgsave_try_s_ = h_.env->WallMicros() / 1000000;
  Status s = StartJob(JobKind::kBgSave, false, temp, "");
  if (!s.ok()) {
    last_bgsave_ok_ = false;
    return "ERR " + s.message();
  }
  h_.log->Notice("Background saving started");
  ScheduleStep(0);
  return "";
}

std::string Persistence::BgRewriteAof(bool* scheduled) {
  *scheduled = false;
  if (aof_rewrite_in_progress()) {
    return "ERR Background append only file rewriting already in progress";
  }
  if (job_) {
    rewrite_scheduled_ = true;
    *scheduled = true;
    return "";
  }
  Env* env = h_.env;
  Status s = env->CreateDir(aof_->dir_path());
  std::string temp, base_name;
  bool preamble = h_.config->aof_use_rdb_preamble;
  if (s.ok()) s = aof_->BeginRewrite(preamble, &temp, &base_name);
  if (s.ok()) s = StartJob(JobKind::kAofRewrite, !preamble, temp, base_name);
  if (!s.ok()) {
    last_bgrewrite_ok_ = false;
    aof_->AbortRewrite(temp);
    return "ERR Can't rewrite append only file in background: " + s.message();
  }
  h_.log->Notice("Background append only file rewriting started");
  ScheduleStep(0);
  return "";
}

Status Persistence::WriteBaseSync(const std::string& path) {
  if (job_) return Status::IoError("a background save is in progress");
  bool preamble = h_.config->aof_use_rdb_preamble;
  Status s = StartJob(JobKind::kAofRewrite, !preamble, path, "");
  if (!s.ok()) return s;
  while (!job_->snapshot->Step(1 << 16)) {
    s = FlushJobBuffer(false);
    if (!s.ok()) break;
  }
  if (s.ok()) s = FlushJobBuffer(true);
  if (s.ok()) s = job_->file->Sync();
  std::unique_ptr<Job> job = std::move(job_);
  if (!job->snapshot->done()) {
    job->snapshot->Abandon();
    while (!job->snapshot->Step(1 << 20)) {
    }
  }
  idle_mark_ = job->snapshot->saved_mark();
  job->snapshot.reset();
  job->file->Close();
  return s;
}

Status Persistence::SaveSync() {
  if (job_) return Status::IoError("Background save already in progress");
  Env* env = h_.env;
  std::string temp = h_.config->dir + "/temp-" + std::to_string(env->ProcessId()) + ".rdb";
  Status s = StartJob(JobKind::kBgSave, false, temp, "");
  if (!s.ok()) return s;
  uint64_t dirty = *h_.dirty;
  while (!job_->snapshot->Step(1 << 16)) {
    s = FlushJobBuffer(false);
    if (!s.ok()) break;
  }
  if (s.ok()) s = FlushJobBuffer(true);
  if (s.ok()) s = job_->file->Sync();
  std::unique_ptr<Job> job = std::move(job_);
  idle_mark_ = job->snapshot->saved_mark();
  job->snapshot.reset();
  job->file->Close();
  if (s.ok()) s = env->RenameFile(temp, RdbPath());
  if (s.ok()) s = env->SyncDir(h_.config->dir);
  if (!s.ok()) {
    env->RemoveFile(temp);
    h_.log->Warning("Failed saving the DB: {}", s.message());
    return s;
  }
  dirty_at_last_save_ = dirty;
  last_save_time_s_ = env->WallMicros() / 1000000;
  h_.set_last_save_time_s(last_save_time_s_);
  rdb_saves_++;
  h_.log->Notice("DB saved on disk");
  return Status::Ok();
}

// ---- Periodic work ---------------------------------------------------------------------------

void Persistence::Cron() {
  aof_->Cron();
  if (job_) return;
  const ServerConfig& cfg = *h_.config;
  int64_t now_s = h_.env->WallMicros() / 1000000;
  uint64_t changes = *h_.dirty - dirty_at_last_save_;
  for (const auto& sp : cfg.save) {
    // After a failed BGSAVE, wait 5 s before trying again (as Redis does).
    bool retry_ok = last_bgsave_ok_ || now_s - last_bgsave_try_s_ > 5;
    if (changes >= static_cast<uint64_t>(sp.changes) && now_s - last_save_time_s_ >= sp.seconds &&
        retry_ok) {
      h_.log->Notice("{} changes in {} seconds. Saving...", sp.changes, sp.seconds);
      BgSave(false);
      return;
    }
  }
  if (aof_->enabled() && cfg.auto_aof_rewrite_percentage > 0 &&
      aof_->current_size() > static_cast<uint64_t>(cfg.auto_aof_rewrite_min_size)) {
    uint64_t base = std::max<uint64_t>(aof_->base_size(), 1);
    uint64_t growth = (aof_->current_size() * 100 / base) - 100;
    if (growth >= static_cast<uint64_t>(cfg.auto_aof_rewrite_percentage)) {
      h_.log->Notice("Starting automatic rewriting of AOF on {}% growth", growth);
      bool scheduled;
      BgRewriteAof(&scheduled);
    }
  }
}

// ---- Switches -------------------------------------------------------------------------------

std::string Persistence::SetAppendOnly(bool on) {
  if (on == aof_->enabled()) return "";
  if (!on) {
    aof_->Close(/*sync=*/true);
    return "";
  }
  Status s = aof_->Open();
  if (!s.ok()) return "ERR " + s.message();
  return "";
}

std::string Persistence::PrepareShutdown(bool save, bool nosave) {
  if (job_) {
    // A background save is abandoned, as Redis kills its child.
    if (job_->snapshot) job_->snapshot->Abandon();
    FinishJob(false, "shutdown");
  }
  if (aof_->enabled()) aof_->Close(/*sync=*/true);
  bool want_save = save || (!nosave && !h_.config->save.empty());
  if (want_save) {
    Status s = SaveSync();
    if (!s.ok()) return "ERR Errors trying to SHUTDOWN. Check logs.";
  }
  return "";
}

Status Persistence::Reload() {
  Status s = SaveSync();
  if (!s.ok()) return s;
  h_.keyspace->FlushDatabases(-1, false);
  std::string data;
  s = h_.env->ReadFileToString(RdbPath(), &data);
  if (s.ok()) s = LoadRdbImage(data);
  return s;
}

}  // namespace redsim
