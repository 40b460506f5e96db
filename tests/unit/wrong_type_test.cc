// Every string command against a key of another type answers WRONGTYPE and leaves the key alone;
// the generic key commands work on any type. Until the collection families land, a minimal
// test-only Object stands in for a list.
#include "tests/support/engine_test.h"

namespace redsim::testing {
namespace {

class FakeList : public Object {
 public:
  ObjType type() const override { return ObjType::kList; }
  Encoding encoding() const override { return Encoding::kQuicklist; }
  std::unique_ptr<Object> Clone() const override { return std::make_unique<FakeList>(); }
  size_t Length() const override { return 1; }
  size_t MemoryUsage() const override { return 16; }
};

class WrongTypeTest : public EngineTest {
 protected:
  void SetUp() override {
    EngineTest::SetUp();
    server_->keyspace().AddKey(server_->keyspace().db(0), "l",
                               Value::FromObject(std::make_unique<FakeList>()));
  }
};

std::string Join(const std::vector<std::string>& args) {
  std::string out;
  for (const auto& a : args) out += a + " ";
  return out;
}

const RespValue kWrongType =
    Err("WRONGTYPE Operation against a key holding the wrong kind of value");

TEST_F(WrongTypeTest, StringCommandsRefuseOtherTypes) {
  const std::vector<std::vector<std::string>> commands = {
      {"GET", "l"},
      {"GETEX", "l"},
      {"GETEX", "l", "EX", "0"},
      {"GETDEL", "l"},
      {"GETSET", "l", "v"},
      {"SET", "l", "v", "GET"},
      {"APPEND", "l", "x"},
      {"STRLEN", "l"},
      {"INCR", "l"},
      {"DECR", "l"},
      {"INCRBY", "l", "2"},
      {"DECRBY", "l", "2"},
      {"INCRBYFLOAT", "l", "1.5"},
      {"GETRANGE", "l", "0", "1"},
      {"SUBSTR", "l", "0", "1"},
      {"SETRANGE", "l", "0", "x"},
      {"SETRANGE", "l", "0", ""},
  };
  for (const auto& cmd : commands) {
    EXPECT_EQ(Run(cmd), kWrongType) << Join(cmd);
    EXPECT_EQ(Run({"TYPE", "l"}), Status("list")) << Join(cmd);
  }
  // Errors that come before the type check keep their own text, as in Redis.
  EXPECT_EQ(Run({"SET", "l", "v", "GET", "EX", "0"}),
            Err("ERR invalid expire time in 'set' command"));
  EXPECT_EQ(Run({"SETRANGE", "l", "-1", "x"}), Err("ERR offset is out of range"));
  EXPECT_EQ(Run({"INCRBY", "l", "x"}), Err("ERR value is not an integer or out of range"));
  EXPECT_EQ(Run({"LCS", "l", "l"}), Err("ERR The specified keys must contain string values"));
  // MGET answers nil for keys of other types; MSET and SET overwrite them.
  EXPECT_EQ(Run({"MGET", "l", "nokey"}), Arr({Nil(), Nil()}));
  EXPECT_EQ(Run({"SET", "l", "v"}), Ok());
  EXPECT_EQ(Run({"TYPE", "l"}), Status("string"));
}

TEST_F(WrongTypeTest, GenericKeyCommandsWorkOnAnyType) {
  EXPECT_EQ(Run({"TYPE", "l"}), Status("list"));
  EXPECT_EQ(Run({"OBJECT", "ENCODING", "l"}), Bulk("quicklist"));
  EXPECT_EQ(Run({"EXISTS", "l"}), Int(1));
  EXPECT_EQ(Run({"EXPIRE", "l", "100"}), Int(1));
  EXPECT_EQ(Run({"TTL", "l"}), Int(100));
  EXPECT_EQ(Run({"COPY", "l", "l2"}), Int(1));
  EXPECT_EQ(Run({"TYPE", "l2"}), Status("list"));
  EXPECT_EQ(Run({"TTL", "l2"}), Int(100));
  EXPECT_EQ(Run({"RENAME", "l2", "l3"}), Ok());
  EXPECT_EQ(Run({"MOVE", "l3", "1"}), Int(1));
  EXPECT_EQ(Run({"SCAN", "0", "TYPE", "list"}), Arr({Bulk("0"), Bulks({"l"})}));
  EXPECT_EQ(Run({"SCAN", "0", "TYPE", "string"}), Arr({Bulk("0"), Bulks({})}));
  EXPECT_EQ(Run({"DEL", "l"}), Int(1));
  EXPECT_EQ(Run({"SELECT", "1"}), Ok());
  EXPECT_EQ(Run({"TYPE", "l3"}), Status("list"));
}

}  // namespace
}  // namespace redsim::testing
