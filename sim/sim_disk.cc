#include "sim/sim_disk.h"

#include <algorithm>

namespace redsim::sim {

std::string SimDisk::DirOf(const std::string& path) {
  size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

void SimDisk::Report(const std::string& what, const std::string& path, int64_t detail) {
  if (reporter_) reporter_(what, path, detail);
}

uint64_t SimDisk::used_bytes() const {
  uint64_t total = 0;
  for (const auto& [name, f] : files_) total += f->current.size();
  return total;
}

Status SimDisk::Open(const std::string& path, bool truncate) {
  auto it = files_.find(path);
  if (it == files_.end()) {
    files_[path] = std::make_shared<File>();
  } else if (truncate) {
    it->second->current.clear();
    it->second->unsynced.clear();
    // Truncation is itself an unsynced change: represent it as "current shorter than durable"
    // by marking the whole durable content as pending replacement (handled on Sync/Crash).
    it->second->unsynced.emplace_back(0, 0);
  }
  return Status::Ok();
}

Status SimDisk::Append(const std::string& path, std::string_view data) {
  auto it = files_.find(path);
  if (it == files_.end()) return Status::IoError(path + ": not open");
  if (faults_.capacity_bytes >= 0 &&
      used_bytes() + data.size() > static_cast<uint64_t>(faults_.capacity_bytes)) {
    Report("enospc", path, static_cast<int64_t>(data.size()));
    return Status::NoSpace(path + ": No space left on device");
  }
  File& f = *it->second;
  f.unsynced.emplace_back(f.current.size(), data.size());
  f.current.append(data);
  return Status::Ok();
}

Status SimDisk::Sync(const std::string& path) {
  auto it = files_.find(path);
  if (it == files_.end()) return Status::IoError(path + ": not open");
  if (faults_.fsync_fails) {
    Report("fsync-error", path, 0);
    return Status::IoError(path + ": Input/output error");
  }
  if (faults_.fsync_lies) {
    Report("fsync-lie", path, static_cast<int64_t>(it->second->unsynced.size()));
    return Status::Ok();
  }
  File& f = *it->second;
  f.durable = f.current;
  f.unsynced.clear();
  return Status::Ok();
}

Status SimDisk::Read(const std::string& path, uint64_t offset, size_t n, std::string* out) {
  auto it = files_.find(path);
  if (it == files_.end()) return Status::NotFound(path);
  const std::string& data = it->second->current;
  out->clear();
  if (offset >= data.size()) return Status::Ok();
  *out = data.substr(offset, n);
  if (faults_.read_corruption > 0 && !out->empty() && rng_.Chance(faults_.read_corruption)) {
    size_t pos = static_cast<size_t>(rng_.Uniform(out->size()));
    (*out)[pos] = static_cast<char>((*out)[pos] ^ (1 << rng_.Uniform(8)));
    Report("read-corruption", path, static_cast<int64_t>(offset + pos));
  }
  return Status::Ok();
}

Status SimDisk::Rename(const std::string& from, const std::string& to) {
  auto it = files_.find(from);
  if (it == files_.end()) return Status::IoError(from + ": No such file or directory");
  files_[to] = it->second;
  files_.erase(from);
  return Status::Ok();
}

Status SimDisk::Remove(const std::string& path) {
  if (files_.erase(path) == 0) return Status::NotFound(path);
  return Status::Ok();
}

Status SimDisk::Truncate(const std::string& path, uint64_t size) {
  auto it = files_.find(path);
  if (it == files_.end()) return Status::NotFound(path);
  File& f = *it->second;
  if (size < f.current.size()) f.current.resize(size);
  // Simplification: the truncation is durable at once (it happens at startup, before the file is
  // written again).
  if (size < f.durable.size()) f.durable.resize(size);
  f.unsynced.clear();
  return Status::Ok();
}

Status SimDisk::CreateDir(const std::string& path) {
  dirs_.emplace(path, false);
  return Status::Ok();
}

Status SimDisk::SyncDir(const std::string& dir) {
  // The durable namespace of `dir` becomes the current one: entries created or renamed into it
  // survive a crash, entries removed from it stay removed.
  for (auto it = durable_ns_.begin(); it != durable_ns_.end();) {
    if (DirOf(it->first) == dir)
      it = durable_ns_.erase(it);
    else
      ++it;
  }
  for (const auto& [name, f] : files_) {
    if (DirOf(name) == dir) durable_ns_[name] = f;
  }
  auto d = dirs_.find(dir);
  if (d != dirs_.end()) d->second = true;
  return Status::Ok();
}

Status SimDisk::List(const std::string& dir, std::vector<std::string>* names) const {
  names->clear();
  bool found = dir == "." || dirs_.count(dir) > 0;
  for (const auto& [name, f] : files_) {
    if (DirOf(name) == dir) {
      names->push_back(name.substr(dir == "/" ? 1 : dir.size() + 1));
      found = true;
    }
  }
  for (const auto& [d, durable] : dirs_) {
    if (DirOf(d) == dir) {
      names->push_back(d.substr(dir.size() + 1));
      found = true;
    }
  }
  if (!found) return Status::IoError(dir + ": No such file or directory");
  return Status::Ok();
}

bool SimDisk::Exists(const std::string& path) const {
  return files_.count(path) > 0 || dirs_.count(path) > 0 || path == "." || path == "/";
}

Status SimDisk::Size(const std::string& path, uint64_t* size) const {
  auto it = files_.find(path);
  if (it == files_.end()) return Status::IoError(path + ": No such file or directory");
  *size = it->second->current.size();
  return Status::Ok();
}

std::optional<std::string> SimDisk::Contents(const std::string& path) const {
  auto it = files_.find(path);
  if (it == files_.end()) return std::nullopt;
  return it->second->current;
}

std::optional<std::string> SimDisk::DurableContents(const std::string& path) const {
  auto it = durable_ns_.find(path);
  if (it == durable_ns_.end()) return std::nullopt;
  return it->second->durable;
}

void SimDisk::Crash() {
  // Namespace: back to the last synced directory state. Files never made durable in their
  // directory vanish; removed-but-not-synced files come back.
  std::map<std::string, std::shared_ptr<File>> survivors = durable_ns_;
  for (auto& [name, f] : survivors) {
    CrashLoss mode = crash_loss_;
    if (mode == CrashLoss::kChosenBySeed) {
      static const CrashLoss kModes[] = {CrashLoss::kAllUnsynced, CrashLoss::kPrefix,
                                         CrashLoss::kTornLast, CrashLoss::kNothing};
      mode = kModes[rng_.Uniform(4)];
    }
    std::string kept = f->durable;
    // Unsynced appends beyond the durable length, in order.
    std::vector<std::pair<uint64_t, uint64_t>> pending;
    for (const auto& w : f->unsynced) {
      if (w.second > 0 && w.first >= f->durable.size()) pending.push_back(w);
    }
    // Appends are contiguous from the durable end when there was no truncation since the sync.
    bool contiguous = f->current.compare(0, f->durable.size(), f->durable) == 0;
    size_t keep_writes = 0;
    uint64_t torn_bytes = 0;
    if (contiguous && !pending.empty()) {
      switch (mode) {
        case CrashLoss::kNothing:
          keep_writes = pending.size();
          break;
        case CrashLoss::kAllUnsynced:
          keep_writes = 0;
          break;
        case CrashLoss::kPrefix:
          keep_writes = static_cast<size_t>(rng_.Uniform(pending.size() + 1));
          break;
        case CrashLoss::kTornLast: {
          keep_writes = pending.size() - 1;
          // The last write reached the disk up to some 512-byte sector boundary (absolute file
          // offset) inside it, or not at all.
          uint64_t start = pending.back().first, len = pending.back().second;
          uint64_t first_boundary = (start / 512 + 1) * 512;
          uint64_t boundaries =
              first_boundary < start + len ? (start + len - 1 - first_boundary) / 512 + 1 : 0;
          uint64_t pick = rng_.Uniform(boundaries + 1);
          torn_bytes = pick == 0 ? 0 : first_boundary + (pick - 1) * 512 - start;
          break;
        }
        case CrashLoss::kTornAtSector: {
          uint64_t start = f->durable.size(), stop = f->current.size();
          uint64_t first_boundary = (start / 512 + 1) * 512;
          uint64_t boundaries = first_boundary < stop ? (stop - 1 - first_boundary) / 512 + 1 : 0;
          uint64_t pick = rng_.Uniform(boundaries + 1);
          torn_bytes = pick == 0 ? 0 : first_boundary + (pick - 1) * 512 - start;
          break;
        }
        case CrashLoss::kChosenBySeed:
          break;
      }
      uint64_t end = keep_writes == 0
                         ? f->durable.size()
                         : pending[keep_writes - 1].first + pending[keep_writes - 1].second;
      if (mode == CrashLoss::kTornLast) end = pending.back().first + torn_bytes;
      if (mode == CrashLoss::kTornAtSector) end = f->durable.size() + torn_bytes;
      kept = f->current.substr(0, end);
      bool torn = mode == CrashLoss::kTornLast || mode == CrashLoss::kTornAtSector;
      Report(torn ? "crash-torn-write" : "crash-lost-unsynced", name,
             static_cast<int64_t>(f->current.size() - kept.size()));
    }
    auto fresh = std::make_shared<File>();
    fresh->current = kept;
    fresh->durable = kept;
    f = fresh;
  }
  files_ = survivors;
  durable_ns_ = files_;
  for (auto it = dirs_.begin(); it != dirs_.end();) {
    if (!it->second)
      it = dirs_.erase(it);
    else
      ++it;
  }
}

}  // namespace redsim::sim
