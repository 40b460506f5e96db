// ReplicationAux: the RDB aux fields of the replication history, written in Redis's order and
// read back tolerantly (a missing or malformed field reads as absent, never as an error).
#include "engine/persistence/replication_aux.h"

#include <gtest/gtest.h>

namespace redsim {
namespace {

using Fields = std::vector<std::pair<std::string, std::string>>;

TEST(ReplicationAux, WritesTheFieldsInRedisOrder) {
  ReplicationAux aux{std::string(40, 'a'), 1234, 3};
  Fields expected = {
      {"repl-stream-db", "3"}, {"repl-id", std::string(40, 'a')}, {"repl-offset", "1234"}};
  EXPECT_EQ(aux.ToAuxFields(), expected);
}

TEST(ReplicationAux, RoundTripsAmongOtherFields) {
  ReplicationAux aux{std::string(40, 'f'), 99, 0};
  Fields fields = {{"redis-ver", "7.0.0"}, {"aof-base", "0"}};
  Fields repl = aux.ToAuxFields();
  fields.insert(fields.begin() + 1, repl.begin(), repl.end());
  ReplicationAux back = ReplicationAux::FromAuxFields(fields);
  EXPECT_EQ(back.replid, aux.replid);
  EXPECT_EQ(back.offset, 99);
  EXPECT_EQ(back.stream_db, 0);
}

TEST(ReplicationAux, MissingOrMalformedFieldsReadAsAbsent) {
  ReplicationAux none = ReplicationAux::FromAuxFields({{"redis-ver", "7.0.0"}});
  EXPECT_EQ(none.replid, "");
  EXPECT_EQ(none.offset, -1);
  EXPECT_EQ(none.stream_db, -1);
  ReplicationAux bad = ReplicationAux::FromAuxFields(
      {{"repl-id", "x"}, {"repl-offset", "12abc"}, {"repl-stream-db", ""}});
  EXPECT_EQ(bad.replid, "x");  // the caller checks its length
  EXPECT_EQ(bad.offset, -1);
  EXPECT_EQ(bad.stream_db, -1);
}

}  // namespace
}  // namespace redsim
