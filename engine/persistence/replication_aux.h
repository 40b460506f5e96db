// ReplicationAux: the replication history an RDB file records beside the dataset (Redis's
// repl-stream-db, repl-id and repl-offset aux fields): which primary's history the data belongs
// to, up to which offset, and the database the primary's stream had selected. A plain value:
// replication hands one to every RDB save and gets one back from a load, as Redis passes
// rdbSaveInfo, so persistence never depends on replication.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace redsim {

struct ReplicationAux {
  std::string replid;      // 40 hex characters when valid
  int64_t offset = -1;     // -1: absent or malformed
  int64_t stream_db = -1;  // -1: absent or malformed

  // The aux fields, in the order Redis writes them.
  std::vector<std::pair<std::string, std::string>> ToAuxFields() const;
  // Reads the fields from a loaded file's aux list; missing or malformed ones stay at -1/"".
  static ReplicationAux FromAuxFields(const std::vector<std::pair<std::string, std::string>>& aux);
};

}  // namespace redsim
