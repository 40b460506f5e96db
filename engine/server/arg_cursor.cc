#include "engine/server/arg_cursor.h"

#include "engine/base/strutil.h"

namespace redsim {

bool ArgCursor::Consume(std::string_view keyword) {
  if (done() || !EqualsIgnoreCase(args_[pos_], keyword)) return false;
  pos_++;
  return true;
}

int64_t ArgCursor::NextInt64(std::string_view error) {
  std::string_view s = Next();
  if (!ok()) return 0;
  int64_t v;
  if (!ParseInt64(s, &v)) {
    Fail(error);
    return 0;
  }
  return v;
}

double ArgCursor::NextDouble(std::string_view error) {
  std::string_view s = Next();
  if (!ok()) return 0;
  double v;
  if (!ParseDouble(s, &v)) {
    Fail(error);
    return 0;
  }
  return v;
}

}  // namespace redsim
