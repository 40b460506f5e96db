#include "engine/env/env.h"

namespace redsim {

Status Env::ReadFileToString(const std::string& path, std::string* out) {
  out->clear();
  std::unique_ptr<SequentialFile> file;
  Status s = OpenSequential(path, &file);
  if (!s.ok()) return s;
  char buf[65536];
  while (true) {
    size_t n = 0;
    s = file->Read(buf, sizeof(buf), &n);
    if (!s.ok()) return s;
    if (n == 0) break;
    out->append(buf, n);
  }
  return Status::Ok();
}

}  // namespace redsim
