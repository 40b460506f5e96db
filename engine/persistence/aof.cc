#include "engine/persistence/aof.h"

#include <algorithm>
#include <sstream>

#include "engine/base/check.h"
#include "engine/base/strutil.h"
#include "engine/persistence/persistence.h"
#include "engine/persistence/rdb_file.h"
#include "engine/server/server.h"

namespace redsim {

Status ParseAofManifest(std::string_view text, std::vector<AofManifestEntry>* entries) {
  entries->clear();
  int line_no = 0;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t nl = text.find('\n', pos);
    std::string_view line = text.substr(pos, nl == std::string_view::npos ? text.npos : nl - pos);
    pos = nl == std::string_view::npos ? text.size() : nl + 1;
    line_no++;
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.remove_suffix(1);
    if (line.empty() || line[0] == '#') continue;
    auto args = SplitArgs(line);
    if (!args || args->size() % 2 != 0) {
      return Status::Corruption("Invalid AOF manifest file format (line " +
                                std::to_string(line_no) + ")");
    }
    AofManifestEntry e;
    bool have_file = false, have_seq = false, have_type = false;
    for (size_t i = 0; i < args->size(); i += 2) {
      const std::string& k = (*args)[i];
      const std::string& v = (*args)[i + 1];
      if (k == "file") {
        e.file = v;
        have_file = !v.empty() && v.find('/') == std::string::npos;
      } else if (k == "seq") {
        have_seq = ParseInt64(v, &e.seq) && e.seq > 0;
      } else if (k == "type") {
        have_type = v.size() == 1 && (v[0] == 'b' || v[0] == 'i' || v[0] == 'h');
        if (have_type) e.type = v[0];
      }
    }
    if (!have_file || !have_seq || !have_type) {
      return Status::Corruption("Invalid AOF manifest file format (line " +
                                std::to_string(line_no) + ")");
    }
    entries->push_back(std::move(e));
  }
  int bases = 0;
  for (const auto& e : *entries) bases += e.type == 'b';
  if (bases > 1) return Status::Corruption("Found duplicate base file information in manifest");
  return Status::Ok();
}

std::string RenderAofManifest(const std::vector<AofManifestEntry>& entries) {
  std::string out;
  for (const auto& e : entries) {
    out += "file " + e.file + " seq " + std::to_string(e.seq) + " type " + std::string(1, e.type) +
           "\n";
  }
  return out;
}

Aof::Aof(Persistence* owner, const PersistenceHandles* handles) : owner_(owner), h_(*handles) {}

Aof::~Aof() {
  // Destruction without Close is a crash: nothing more is written.
  *alive_ = false;
}

std::string Aof::dir_path() const { return h_.config->dir + "/" + h_.config->appenddirname; }

std::string Aof::manifest_name() const { return h_.config->appendfilename + ".manifest"; }

// ---- Loading --------------------------------------------------------------------------------

Status Aof::Load() {
  Env* env = h_.env;
  std::string manifest_path = path(manifest_name());
  if (!env->FileExists(manifest_path)) return Status::NotFound(manifest_path);
  std::string text;
  Status s = env->ReadFileToString(manifest_path, &text);
  if (!s.ok()) return s;
  s = ParseAofManifest(text, &manifest_);
  if (!s.ok()) return Status::Corruption(manifest_path + ": " + s.message());
  std::vector<const AofManifestEntry*> order;
  for (const auto& e : manifest_) {
    if (e.type == 'b') order.insert(order.begin(), &e);
  }
  for (const auto& e : manifest_) {
    if (e.type == 'i') order.push_back(&e);
  }
  int64_t start_us = env->NowMicros();
  for (size_t i = 0; i < order.size(); i++) {
    bool truncated = false;
    s = LoadFile(order[i]->file, i + 1 == order.size(), &truncated);
    if (!s.ok()) return s;
    uint64_t size = 0;
    env->FileSize(path(order[i]->file), &size);
    if (order[i]->type == 'b') base_size_ = size;
    current_size_ += size;
  }
  h_.log->Notice("DB loaded from append only file: {:.3f} seconds",
                 static_cast<double>(env->NowMicros() - start_us) / 1e6);
  return Status::Ok();
}

Status Aof::LoadFile(const std::string& file, bool is_last, bool* truncated_tail) {
  Env* env = h_.env;
  std::string full = path(file);
  std::string data;
  Status s = env->ReadFileToString(full, &data);
  if (!s.ok()) {
    // A missing incremental file listed in the manifest is fatal, as in Redis.
    return Status::IoError("Append only file " + file +
                           " doesn't exist or can't be read: " + s.message());
  }
  if (data.empty()) return Status::Ok();
  size_t pos = 0;
  if (data.compare(0, 5, "REDIS") == 0) {
    // An RDB preamble (the base file of an AOF with aof-use-rdb-preamble yes).
    uint64_t consumed = 0;
    s = owner_->LoadRdbImage(data, &consumed);
    if (!s.ok()) return Status::Corruption("Bad RDB preamble in " + file + ": " + s.message());
    pos = consumed;
  }
  Client* fake = h_.create_replay_client();
  std::vector<std::string> args;
  std::vector<std::string_view> views;
  size_t last_good = pos;  // end of the last complete command
  size_t multi_start = std::string::npos;
  std::string error;
  auto fail = [&](const std::string& why) {
    h_.free_replay_client(fake);
    return Status::Corruption("Bad file format reading the append only file " + file +
                              " at offset " + std::to_string(pos) + ": " + why);
  };
  while (pos < data.size()) {
    if (data[pos] == '#') {  // annotation line (#TS:...)
      size_t nl = data.find('\n', pos);
      if (nl == std::string::npos) break;
      pos = nl + 1;
      last_good = pos;
      continue;
    }
    // Parse one RESP array of bulk strings.
    if (data[pos] != '*') return fail("expected '*'");
    size_t cr = data.find("\r\n", pos);
    if (cr == std::string::npos) break;
    int64_t argc;
    if (!ParseInt64(std::string_view(data).substr(pos + 1, cr - pos - 1), &argc) || argc < 1 ||
        argc > (1 << 24)) {
      return fail("invalid argument count");
    }
    size_t p = cr + 2;
    args.clear();
    bool complete = true;
    for (int64_t i = 0; i < argc; i++) {
      if (p >= data.size()) {
        complete = false;
        break;
      }
      if (data[p] != '$') return fail("expected '$'");
      size_t cr2 = data.find("\r\n", p);
      if (cr2 == std::string::npos) {
        complete = false;
        break;
      }
      int64_t len;
      if (!ParseInt64(std::string_view(data).substr(p + 1, cr2 - p - 1), &len) || len < 0 ||
          len > h_.config->proto_max_bulk_len) {
        return fail("invalid bulk length");
      }
      size_t start = cr2 + 2;
      if (start + static_cast<size_t>(len) + 2 > data.size()) {
        complete = false;
        break;
      }
      args.emplace_back(data.substr(start, static_cast<size_t>(len)));
      p = start + static_cast<size_t>(len) + 2;
    }
    if (!complete) break;
    bool is_multi = EqualsIgnoreCase(args[0], "multi");
    bool is_exec = EqualsIgnoreCase(args[0], "exec");
    if (is_multi) multi_start = pos;
    views.assign(args.begin(), args.end());
    h_.replay_command(fake, views);
    fake->reply_buffer().clear();
    pos = p;
    if (is_exec) multi_start = std::string::npos;
    if (multi_start == std::string::npos) last_good = pos;
  }
  h_.free_replay_client(fake);
  REDSIM_CHECK(last_good <= pos, "the last complete command ends where parsing stopped or before");
  if (pos >= data.size() && multi_start == std::string::npos) return Status::Ok();
  // The file ends in the middle of a command (or of a MULTI block): a torn tail.
  size_t valid = multi_start != std::string::npos ? multi_start : last_good;
  REDSIM_CHECK(valid <= data.size(), "a truncation point lies inside the file");
  if (!is_last || !h_.config->aof_load_truncated) {
    return Status::Corruption(
        "Unexpected end of file reading the append only file " + file + " at offset " +
        std::to_string(valid) +
        ". You can: 1) Make a backup of your AOF file, then use "
        "./redis-check-aof --fix <filename.manifest>. 2) Alternatively you can set the "
        "'aof-load-truncated' configuration option to yes and restart the server.");
  }
  h_.log->Warning("!!! Warning: short read while loading the AOF file {}!!!", file);
  h_.log->Warning("!!! Truncating the AOF {} at offset {} !!!", file, valid);
  Status t = h_.env->TruncateFile(full, valid);
  if (!t.ok()) {
    return Status::IoError("Error truncating the AOF file " + file + ": " + t.message());
  }
  h_.log->Warning("AOF {} loaded anyway because aof-load-truncated is enabled", file);
  *truncated_tail = true;
  h_.env->Probe("aof-truncated-tail-loaded");
  return Status::Ok();
}

// ---- Writing --------------------------------------------------------------------------------

Status Aof::WriteManifest(const std::vector<AofManifestEntry>& entries) {
  Env* env = h_.env;
  std::string tmp = path("temp-" + manifest_name());
  std::unique_ptr<WritableFile> f;
  Status s = env->OpenWritable(tmp, /*truncate=*/true, &f);
  if (!s.ok()) return s;
  s = f->Append(RenderAofManifest(entries));
  if (s.ok()) s = f->Sync();
  f->Close();
  if (!s.ok()) return s;
  s = env->RenameFile(tmp, path(manifest_name()));
  if (!s.ok()) return s;
  return env->SyncDir(dir_path());
}

Status Aof::OpenIncr(int64_t seq) {
  std::string name = h_.config->appendfilename + "." + std::to_string(seq) + ".incr.aof";
  std::unique_ptr<WritableFile> f;
  Status s = h_.env->OpenWritable(path(name), /*truncate=*/false, &f);
  if (!s.ok()) return s;
  if (incr_) {
    // The old file must be durable before the new one receives anything: otherwise a crash can
    // keep later writes (in the new file) while losing or tearing earlier ones (the old file's
    // unsynced tail) — a hole, or a torn file that is not the last, which refuses to load. One
    // fsync per file switch (rewrites only), under every policy.
    if (written_unsynced_ > 0 || fsync_in_progress_) {
      Status synced = incr_->Sync();
      if (!synced.ok()) return synced;
      written_unsynced_ = 0;
      last_fsync_us_ = h_.env->NowMicros();
    }
    if (fsync_in_progress_)
      retired_.push_back(std::move(incr_));
    else
      incr_->Close();
  }
  incr_ = std::move(f);
  incr_name_ = name;
  selected_db_ = -1;  // the new file must start with a SELECT
  return Status::Ok();
}

Status Aof::Open() {
  Env* env = h_.env;
  Status s = env->CreateDir(dir_path());
  if (!s.ok()) return s;
  if (manifest_.empty()) {
    // No AOF yet: write a base from the current dataset (synchronously: at startup or when the
    // dataset is empty this is small), then the first incremental file.
    std::string base_name =
        h_.config->appendfilename + ".1.base." + (h_.config->aof_use_rdb_preamble ? "rdb" : "aof");
    s = owner_->WriteBaseSync(path(base_name));
    if (!s.ok()) return s;
    manifest_.push_back({base_name, 1, 'b'});
    std::string incr_name = h_.config->appendfilename + ".1.incr.aof";
    manifest_.push_back({incr_name, 1, 'i'});
    s = OpenIncr(1);
    if (!s.ok()) return s;
    s = env->SyncDir(dir_path());
    if (!s.ok()) return s;
    s = WriteManifest(manifest_);
    if (!s.ok()) return s;
    uint64_t size = 0;
    env->FileSize(path(base_name), &size);
    base_size_ = current_size_ = size;
    h_.log->Notice("Creating AOF base file {} on server start", base_name);
    h_.log->Notice("Creating AOF incr file {} on server start", incr_name);
  } else {
    // Continue the last incremental file.
    int64_t seq = 0;
    for (const auto& e : manifest_) {
      if (e.type == 'i') seq = std::max(seq, e.seq);
    }
    if (seq == 0) {
      seq = 1;
      manifest_.push_back({h_.config->appendfilename + ".1.incr.aof", 1, 'i'});
      s = WriteManifest(manifest_);
      if (!s.ok()) return s;
    }
    s = OpenIncr(seq);
    if (!s.ok()) return s;
    s = env->SyncDir(dir_path());
    if (!s.ok()) return s;
  }
  enabled_ = true;
  last_fsync_us_ = env->NowMicros();
  return Status::Ok();
}

void Aof::Close(bool sync) {
  if (!enabled_) return;
  Flush();
  if (sync && incr_) incr_->Sync();
  if (incr_) incr_->Close();
  incr_.reset();
  enabled_ = false;
}

void Aof::Feed(int db, const std::vector<std::string_view>& args) {
  if (!enabled_) return;
  REDSIM_CHECK(db >= 0 && !args.empty(), "a propagated write names its database and command");
  if (h_.config->aof_timestamp_enabled) {
    int64_t now_s = h_.env->WallMicros() / 1000000;
    if (now_s != last_ts_s_) {
      buffer_ += "#TS:" + std::to_string(now_s) + "\r\n";
      last_ts_s_ = now_s;
    }
  }
  if (db != selected_db_) {
    std::string dbs = std::to_string(db);
    buffer_ += "*2\r\n$6\r\nSELECT\r\n$" + std::to_string(dbs.size()) + "\r\n" + dbs + "\r\n";
    selected_db_ = db;
  }
  buffer_.push_back('*');
  AppendInt64(&buffer_, static_cast<int64_t>(args.size()));
  buffer_.append("\r\n");
  for (auto a : args) {
    buffer_.push_back('$');
    AppendInt64(&buffer_, static_cast<int64_t>(a.size()));
    buffer_.append("\r\n");
    buffer_.append(a);
    buffer_.append("\r\n");
  }
}

void Aof::Flush() {
  if (!enabled_ || buffer_.empty() || !incr_) return;
  Status s = incr_->Append(buffer_);
  if (!s.ok()) {
    if (last_write_ok_) h_.log->Warning("Error writing to the AOF file: {}", s.message());
    last_write_ok_ = false;
    // Keep the data: it is retried at the next flush.
    if (h_.config->appendfsync == "always") {
      h_.log->Warning(
          "Can't recover from AOF write error when the AOF fsync policy is 'always'. Exiting...");
      h_.shutdown_on_aof_error();
    }
    return;
  }
  last_write_ok_ = true;
  current_size_ += buffer_.size();
  REDSIM_CHECK(current_size_ >= base_size_, "the AOF's size counts its base");
  written_unsynced_ += buffer_.size();
  buffer_.clear();
  if (buffer_.capacity() > (1u << 20)) buffer_.shrink_to_fit();
  if (h_.config->appendfsync == "always") {
    s = incr_->Sync();
    if (!s.ok()) {
      h_.log->Warning(
          "Can't persist AOF for fsync error when the AOF fsync policy is "
          "'always': {}. Exiting...",
          s.message());
      h_.shutdown_on_aof_error();
      return;
    }
    written_unsynced_ = 0;
    last_fsync_us_ = h_.env->NowMicros();
  }
}

void Aof::StartBackgroundFsync() {
  if (fsync_in_progress_ || !incr_) return;
  fsync_in_progress_ = true;
  written_unsynced_ = 0;
  auto alive = alive_;
  h_.env->SyncInBackground(incr_.get(), [this, alive](Status s) {
    if (!*alive) return;
    fsync_in_progress_ = false;
    retired_.clear();
    if (!s.ok()) h_.log->Warning("Error syncing the AOF file: {}", s.message());
  });
  last_fsync_us_ = h_.env->NowMicros();
}

void Aof::Cron() {
  if (!enabled_) return;
  if (h_.config->appendfsync == "everysec" && written_unsynced_ > 0) {
    int64_t now = h_.env->NowMicros();
    if (now - last_fsync_us_ >= 1'000'000) {
      if (fsync_in_progress_)
        delayed_fsync_++;
      else
        StartBackgroundFsync();
    }
  }
}

// ---- Rewrite --------------------------------------------------------------------------------

Status Aof::BeginRewrite(bool rdb_preamble, std::string* temp_base_path, std::string* base_name) {
  int64_t base_seq = 0, incr_seq = 0;
  for (const auto& e : manifest_) {
    if (e.type == 'b') base_seq = std::max(base_seq, e.seq);
    if (e.type == 'i') incr_seq = std::max(incr_seq, e.seq);
  }
  // Writes from now on go to a new incremental file, recorded in the manifest right away, so a
  // crash during the rewrite still finds old base + old incrs + new incr.
  Flush();
  Status s = OpenIncr(incr_seq + 1);
  if (!s.ok()) return s;
  manifest_.push_back({incr_name_, incr_seq + 1, 'i'});
  rewrite_first_incr_ = manifest_.size() - 1;
  s = h_.env->SyncDir(dir_path());
  if (s.ok()) s = WriteManifest(manifest_);
  if (!s.ok()) return s;
  *base_name = h_.config->appendfilename + "." + std::to_string(base_seq + 1) + ".base." +
               (rdb_preamble ? "rdb" : "aof");
  *temp_base_path = path("temp-rewriteaof-" + std::to_string(base_seq + 1) + ".aof");
  rewrite_in_progress_ = true;
  return Status::Ok();
}

Status Aof::FinishRewrite(const std::string& temp_base_path, const std::string& base_name) {
  Env* env = h_.env;
  Status s = env->RenameFile(temp_base_path, path(base_name));
  if (!s.ok()) return s;
  std::vector<AofManifestEntry> next;
  int64_t base_seq = 0;
  std::vector<std::string> old_files;
  for (size_t i = 0; i < manifest_.size(); i++) {
    if (manifest_[i].type == 'b') base_seq = std::max(base_seq, manifest_[i].seq);
    if (i < rewrite_first_incr_) old_files.push_back(manifest_[i].file);
  }
  next.push_back({base_name, base_seq + 1, 'b'});
  for (size_t i = rewrite_first_incr_; i < manifest_.size(); i++) next.push_back(manifest_[i]);
  s = env->SyncDir(dir_path());
  if (s.ok()) s = WriteManifest(next);
  if (!s.ok()) return s;
  manifest_ = next;
  for (const auto& f : old_files) env->RemoveFile(path(f));
  uint64_t size = 0;
  env->FileSize(path(base_name), &size);
  base_size_ = size;
  current_size_ = size;
  for (size_t i = 1; i < manifest_.size(); i++) {
    uint64_t incr_size = 0;
    env->FileSize(path(manifest_[i].file), &incr_size);
    current_size_ += incr_size;
  }
  rewrite_in_progress_ = false;
  return Status::Ok();
}

void Aof::AbortRewrite(const std::string& temp_base_path) {
  h_.env->RemoveFile(temp_base_path);
  rewrite_in_progress_ = false;
}

}  // namespace redsim
