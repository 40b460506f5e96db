#include "engine/persistence/replication_aux.h"

#include "engine/base/strutil.h"

namespace redsim {

std::vector<std::pair<std::string, std::string>> ReplicationAux::ToAuxFields() const {
  return {{"repl-stream-db", std::to_string(stream_db)},
          {"repl-id", replid},
          {"repl-offset", std::to_string(offset)}};
}

ReplicationAux ReplicationAux::FromAuxFields(
    const std::vector<std::pair<std::string, std::string>>& aux) {
  ReplicationAux out;
  for (const auto& [k, v] : aux) {
    if (k == "repl-id")
      out.replid = v;
    else if (k == "repl-offset" && !ParseInt64(v, &out.offset))
      out.offset = -1;
    else if (k == "repl-stream-db" && !ParseInt64(v, &out.stream_db))
      out.stream_db = -1;
  }
  return out;
}

}  // namespace redsim
