// Whole RDB files: writing a snapshot entry by entry, and loading one into databases.
//
// RdbFileWriter produces exactly the layout Redis 7.0 writes (magic "REDIS0010", aux fields,
// SELECTDB/RESIZEDB per database, per key EXPIRETIME_MS and LRU/LFU opcodes, EOF, CRC64), so
// redis-check-rdb accepts it and redis-server loads it. LoadRdb reads Redis's files (and ours)
// and hands each key to a callback; any malformed byte stops the load with an error naming the
// offset and what was wrong.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "engine/base/status.h"
#include "engine/db/value.h"
#include "engine/persistence/rdb_codec.h"

namespace redsim::rdb {

struct KeyRecord {
  int db = 0;
  std::string key;
  Value value;
  int64_t expire_ms = 0;    // 0 = none
  int64_t lru_idle_s = -1;  // -1 = not present
  int lfu_freq = -1;        // -1 = not present
};

class FileWriter {
 public:
  // Output goes to `out` (the caller flushes it to a file as it grows).
  FileWriter(std::string* out, bool compress, bool checksum)
      : out_(out), enc_(out, compress), checksum_(checksum) {}

  void Header(const std::vector<std::pair<std::string, std::string>>& aux);
  // A function library's code (FUNCTION2 opcode), after the header and before any database.
  void Function(std::string_view code);
  void SelectDb(int db, uint64_t keys, uint64_t expires);
  // False when the value's type has no codec.
  bool Entry(std::string_view key, const Value& value, int64_t expire_ms, int64_t lru_idle_s,
             int lfu_freq);
  // Writes EOF and the checksum of everything written so far (including earlier flushed parts:
  // pass their running CRC via the bytes flushed through Flushed()).
  void Finish();
  // Call before discarding the first `n` bytes of `out` (already written to disk): keeps the
  // running checksum.
  void Flushed(size_t n);

 private:
  std::string* out_;
  Encoder enc_;
  bool checksum_;
  uint64_t crc_ = 0;
};

struct LoadStats {
  uint64_t keys_loaded = 0;
  uint64_t keys_expired = 0;
  uint64_t empty_keys_skipped = 0;
  std::vector<std::pair<std::string, std::string>> aux;
};

// Parses an RDB image. `on_key` receives every key; `now_ms` (if > 0) makes keys already expired
// be skipped (counted in stats) as Redis does when loading as a master.
Status LoadRdb(std::string_view data, const LoadContext& ctx, int64_t now_ms,
               const std::function<Status(KeyRecord&)>& on_key, LoadStats* stats,
               uint64_t* consumed = nullptr);

}  // namespace redsim::rdb
