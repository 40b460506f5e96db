// SimDisk: one host's disk, in memory, with a page cache that a crash can lose.
//
// Each file has durable bytes (what survived the last fsync) and current bytes (what readers
// see). Appends land in the current bytes; Sync makes the current bytes durable (unless the disk
// lies). Creating, renaming and removing a file changes the namespace at once, but that change
// is durable only after SyncDir on its directory (or Sync of a file created in a synced
// directory... no: exactly as POSIX leaves it, only after SyncDir). On Crash, every file falls
// back to its durable state, then keeps, from the writes that were not synced, one of: nothing,
// a prefix of them, or all but a torn last write (cut at a 512-byte boundary) — chosen from the
// seed unless the scenario fixes it. Every fault is reported to the trace.
//
// Faults a nemesis can switch on: fsync returns an error, fsync lies (reports success, keeps
// nothing), the disk is full (ENOSPC past a capacity), reads return corrupted bytes.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "engine/base/random.h"
#include "engine/base/status.h"

namespace redsim::sim {

enum class CrashLoss {
  kChosenBySeed,  // one of the modes below, drawn per crash
  kAllUnsynced,   // lose every unsynced write
  kPrefix,        // keep a prefix of the unsynced writes
  kTornLast,      // keep all unsynced writes except that the last is torn at 512 bytes
  kNothing,       // keep everything (a crash that happens to lose nothing)
  // Keep the unsynced bytes up to a 512-byte boundary drawn among those inside them: the page
  // cache wrote some sectors back, in order, and the cut may fall inside any write (not drawn by
  // kChosenBySeed; a scenario picks it).
  kTornAtSector,
};

struct DiskFaults {
  bool fsync_fails = false;     // Sync returns an I/O error
  bool fsync_lies = false;      // Sync returns OK but makes nothing durable
  int64_t capacity_bytes = -1;  // total bytes allowed; -1 = unlimited (ENOSPC past it)
  double read_corruption = 0;   // probability that a read flips one byte
};

class SimDisk {
 public:
  explicit SimDisk(uint64_t seed) : rng_(seed) {}

  // Reports faults and crash outcomes (kind text, file, detail) to whoever traces them.
  using FaultReporter =
      std::function<void(const std::string& what, const std::string& path, int64_t detail)>;
  void set_fault_reporter(FaultReporter r) { reporter_ = std::move(r); }

  DiskFaults& faults() { return faults_; }
  void set_crash_loss(CrashLoss mode) { crash_loss_ = mode; }

  // File operations (paths are plain strings; directories are implied by prefixes, but
  // CreateDir records them so ListDir and FileExists work for empty directories).
  Status Open(const std::string& path, bool truncate);
  Status Append(const std::string& path, std::string_view data);
  Status Sync(const std::string& path);
  Status Read(const std::string& path, uint64_t offset, size_t n, std::string* out);
  Status Rename(const std::string& from, const std::string& to);
  Status Remove(const std::string& path);
  Status Truncate(const std::string& path, uint64_t size);
  Status CreateDir(const std::string& path);
  Status SyncDir(const std::string& dir);
  Status List(const std::string& dir, std::vector<std::string>* names) const;
  bool Exists(const std::string& path) const;
  Status Size(const std::string& path, uint64_t* size) const;

  // The crash: the page cache is lost according to the loss mode.
  void Crash();

  // Test and inspection helpers.
  std::optional<std::string> Contents(const std::string& path) const;
  std::optional<std::string> DurableContents(const std::string& path) const;
  uint64_t used_bytes() const;

 private:
  struct File {
    std::string current;
    std::string durable;
    bool durable_exists = false;    // present in the durable namespace
    std::string durable_name_hint;  // unused; renames are tracked in the namespace log
    // Unsynced appends, in order: (offset in `current`, length).
    std::vector<std::pair<uint64_t, uint64_t>> unsynced;
  };
  void Report(const std::string& what, const std::string& path, int64_t detail);
  static std::string DirOf(const std::string& path);

  Random rng_;
  DiskFaults faults_;
  CrashLoss crash_loss_ = CrashLoss::kChosenBySeed;
  FaultReporter reporter_;
  std::map<std::string, std::shared_ptr<File>> files_;       // current namespace
  std::map<std::string, std::shared_ptr<File>> durable_ns_;  // namespace as of the last SyncDir
  std::map<std::string, bool> dirs_;                         // directory -> durable
};

}  // namespace redsim::sim
