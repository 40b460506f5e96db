// Aof: the append-only file, laid out as Redis 7.0 lays it out — a directory (appenddirname)
// holding a base file (an RDB image, or commands), incremental files of commands, and a manifest
// naming them in order.
//
// Every write the server propagates is appended (RESP, with SELECT when the database changes,
// and #TS annotations when aof-timestamp-enabled) to an in-memory buffer. At the before-sleep
// point — before any reply of this turn is sent — the buffer is written to the current
// incremental file; with appendfsync always it is also fsynced there, so an acknowledged write
// is on stable storage before its reply leaves. With everysec, an fsync is started in the
// background (Env::SyncInBackground: a thread in real mode, a simulated disk latency in
// simulation) at most once a second, so the command loop never waits for the disk. With no,
// the kernel (or the simulated page cache) decides.
//
// Rewriting (BGREWRITEAOF, auto-aof-rewrite-*) fsyncs the current incremental file (so no crash
// can keep the new file's writes and lose the old file's tail), opens a new one and records it
// in the manifest, then writes a new base from a Snapshot (no fork); when the base is complete
// the manifest is switched to the new base plus the incremental files opened since, atomically
// (temporary manifest, fsync, rename, directory fsync), and the old files are deleted.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "engine/base/status.h"
#include "engine/env/env.h"

namespace redsim {

struct AofManifestEntry {
  std::string file;
  int64_t seq = 0;
  char type = 'i';  // 'b' base, 'i' incremental, 'h' history
};

// Parses / renders the manifest text. Parse errors name the line.
Status ParseAofManifest(std::string_view text, std::vector<AofManifestEntry>* entries);
std::string RenderAofManifest(const std::vector<AofManifestEntry>& entries);

class Persistence;
struct PersistenceHandles;

class Aof {
 public:
  // `owner` writes the base files and loads RDB preambles; `handles` are its handles.
  Aof(Persistence* owner, const PersistenceHandles* handles);
  ~Aof();

  bool enabled() const { return enabled_; }
  std::string dir_path() const;
  std::string path(const std::string& file) const { return dir_path() + "/" + file; }
  std::string manifest_name() const;

  // Loads the dataset from the AOF directory (startup). NotFound when there is no AOF.
  Status Load();
  // Starts writing (after Load, or when there was no AOF: creates base + incr + manifest).
  Status Open();
  // Stops writing (CONFIG SET appendonly no, shutdown): flushes and fsyncs what is buffered.
  void Close(bool sync);

  // Appends a propagated command to the buffer.
  void Feed(int db, const std::vector<std::string_view>& args);
  // Writes the buffer (and fsyncs for "always"); called before replies are sent.
  void Flush();
  // Periodic work: the everysec fsync, automatic rewrites.
  void Cron();

  // Rewrite control (the snapshot itself is run by Persistence).
  bool rewrite_in_progress() const { return rewrite_in_progress_; }
  // Opens the next incremental file and persists a manifest that includes it. Returns the path
  // of the temporary base file the rewrite should write.
  Status BeginRewrite(bool rdb_preamble, std::string* temp_base_path, std::string* base_name);
  // The new base was written to `temp_base_path` and synced: install it.
  Status FinishRewrite(const std::string& temp_base_path, const std::string& base_name);
  void AbortRewrite(const std::string& temp_base_path);

  // INFO persistence fields.
  uint64_t current_size() const { return current_size_; }
  uint64_t base_size() const { return base_size_; }
  size_t buffer_length() const { return buffer_.size(); }
  bool fsync_in_progress() const { return fsync_in_progress_; }
  bool last_write_ok() const { return last_write_ok_; }
  uint64_t delayed_fsync() const { return delayed_fsync_; }

 private:
  Status LoadFile(const std::string& file, bool is_last, bool* truncated_tail);
  Status WriteManifest(const std::vector<AofManifestEntry>& entries);
  Status OpenIncr(int64_t seq);
  void StartBackgroundFsync();

  Persistence* owner_;
  const PersistenceHandles& h_;
  bool enabled_ = false;
  std::vector<AofManifestEntry> manifest_;
  std::unique_ptr<WritableFile> incr_;
  std::string incr_name_;
  std::vector<std::unique_ptr<WritableFile>> retired_;  // closed after their fsync completes
  std::string buffer_;
  int selected_db_ = -1;
  int64_t last_ts_s_ = 0;
  uint64_t current_size_ = 0;
  uint64_t base_size_ = 0;
  uint64_t written_unsynced_ = 0;
  bool fsync_in_progress_ = false;
  int64_t last_fsync_us_ = 0;
  bool last_write_ok_ = true;
  uint64_t delayed_fsync_ = 0;
  bool rewrite_in_progress_ = false;
  size_t rewrite_first_incr_ = 0;  // index in manifest_ of the incr opened at rewrite start
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace redsim
