#include "sim/sim_env.h"

#include <cstring>

namespace redsim::sim {

namespace {

class SimWritableFile : public WritableFile {
 public:
  SimWritableFile(SimDisk* disk, std::string path) : disk_(disk), path_(std::move(path)) {}
  Status Append(std::string_view data) override { return disk_->Append(path_, data); }
  Status Sync() override { return disk_->Sync(path_); }
  Status Close() override { return Status::Ok(); }
  uint64_t Size() const override {
    uint64_t n = 0;
    disk_->Size(path_, &n);
    return n;
  }

 private:
  SimDisk* disk_;
  std::string path_;
};

class SimSequentialFile : public SequentialFile {
 public:
  SimSequentialFile(SimDisk* disk, std::string path) : disk_(disk), path_(std::move(path)) {}
  Status Read(char* buffer, size_t capacity, size_t* read) override {
    std::string chunk;
    Status s = disk_->Read(path_, offset_, capacity, &chunk);
    if (!s.ok()) return s;
    memcpy(buffer, chunk.data(), chunk.size());
    *read = chunk.size();
    offset_ += chunk.size();
    return Status::Ok();
  }

 private:
  SimDisk* disk_;
  std::string path_;
  uint64_t offset_ = 0;
};

}  // namespace

Status SimEnv::OpenWritable(const std::string& path, bool truncate,
                            std::unique_ptr<WritableFile>* file) {
  Status s = disk_->Open(path, truncate);
  if (!s.ok()) return s;
  *file = std::make_unique<SimWritableFile>(disk_, path);
  return Status::Ok();
}

Status SimEnv::OpenSequential(const std::string& path, std::unique_ptr<SequentialFile>* file) {
  if (!disk_->Exists(path)) return Status::NotFound(path);
  *file = std::make_unique<SimSequentialFile>(disk_, path);
  return Status::Ok();
}

void SimEnv::SyncInBackground(WritableFile* file, std::function<void(Status)> done) {
  Random& rng = sim_->host(host_).rng;
  int64_t latency = fsync_min_ns_ +
                    static_cast<int64_t>(rng.Uniform(static_cast<uint64_t>(fsync_spread_ns_) + 1));
  sim_->After(
      latency, host_, [file, done = std::move(done)] { done(file->Sync()); }, TraceKind::kDisk);
}

void SimEnv::RandomBytes(void* buffer, size_t size) {
  Random& rng = sim_->host(host_).rng;
  auto* p = static_cast<unsigned char*>(buffer);
  while (size > 0) {
    uint64_t v = rng.Next();
    size_t n = std::min<size_t>(size, 8);
    memcpy(p, &v, n);
    p += n;
    size -= n;
  }
}

}  // namespace redsim::sim
