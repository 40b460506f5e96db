// PropagationSink: where a node's writes go after they executed, in execution order — the AOF
// (Persistence) and the replication stream (Replication). Its own header so that those two
// depend on this one interface, not on the whole Server.
#pragma once

#include <string_view>
#include <vector>

namespace redsim {

class PropagationSink {
 public:
  virtual ~PropagationSink() = default;
  // One write as it must be replayed: the database it ran in and its arguments.
  virtual void Feed(int db_index, const std::vector<std::string_view>& args) = 0;
};

}  // namespace redsim
